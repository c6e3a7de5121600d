package dev.wallet.contract.mutants;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/**
 * {@link Mutants.UnderDeclared} claiming to declare exactly what it delivers: its data survives a
 * restart though it declares no durability, so the contract must fail the restart property.
 */
class UnderDeclaredButExactMutant implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return new Mutants.UnderDeclared();
    }

    @Override
    public boolean declaresExactly() {
        return true;
    }
}
