package dev.wallet.contract.mutants;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The contract against {@link Mutants.ReadyAfterClose}; run only by {@link MutantsAreCaughtTest}, which expects it to fail. */
class ReadyAfterCloseMutant implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return new Mutants.ReadyAfterClose();
    }
}
