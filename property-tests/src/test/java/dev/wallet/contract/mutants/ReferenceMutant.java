package dev.wallet.contract.mutants;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The contract against the unbroken {@link MapStrategy}; run by {@link MutantsAreCaughtTest}, which expects it to pass. */
class ReferenceMutant implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return new MapStrategy();
    }
}
