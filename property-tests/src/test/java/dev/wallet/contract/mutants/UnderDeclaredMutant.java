package dev.wallet.contract.mutants;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The contract against {@link Mutants.UnderDeclared}, which declares less than it delivers; expected to pass. */
class UnderDeclaredMutant implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return new Mutants.UnderDeclared();
    }
}
