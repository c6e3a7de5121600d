package dev.wallet.twopc;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against two-phase commit over four H2 file shards in temporary directories. */
class TwoPhaseCommitContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        return TwoPhaseCommitWallet.Builder.strategy(directory -> ShardConfig.h2Files(directory, 4));
    }
}
