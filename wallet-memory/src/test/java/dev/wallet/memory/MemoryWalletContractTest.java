package dev.wallet.memory;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against the in-memory strategy; its crash property demonstrates the lost money. */
class MemoryWalletContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        return MemoryWallet.builder().partitions(8).strategy();
    }
}
