package dev.wallet.examples.custom;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The whole shared contract against {@link MapLedgerStrategy#nonAtomic()}, as the testkit guide shows it. */
class NonAtomicMapLedgerContractTest implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return MapLedgerStrategy.nonAtomic();
    }

    /** It declares exactly what it delivers, so the contract must show the rest broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }
}
