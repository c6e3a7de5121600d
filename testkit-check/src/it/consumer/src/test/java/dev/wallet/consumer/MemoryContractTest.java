package dev.wallet.consumer;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;
import dev.wallet.memory.MemoryWallet;

/** The published contract, run from outside the wallet build against the in-memory strategy. */
class MemoryContractTest implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return MemoryWallet.builder().partitions(4).strategy();
    }
}
