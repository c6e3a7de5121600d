package dev.wallet.twopc;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against TC/C over four H2 file shards. */
class TccContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        return CompensatingWallet.Builder.strategy(CompensatingWallet.Protocol.TCC, directory -> ShardConfig.h2Files(directory, 4));
    }
}
