package dev.wallet.examples.bench;

import dev.wallet.api.Transfer;
import java.util.SplittableRandom;

/** Makes the transfers a load run sends; called from one thread per random source. */
@FunctionalInterface
public interface TransferSource {

    Transfer next(SplittableRandom random);
}
