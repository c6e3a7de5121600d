package dev.wallet.twopc;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * The shared contract against two-phase commit over PostgreSQL: four shard databases and a
 * coordinator database on the server {@code .ci/run} starts, fresh schemas per deployment.
 * Skipped, with the reason, when no server is announced.
 */
@AddLifecycleHook(RequiresPostgres.class)
class PostgresTwoPhaseCommitContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        return TwoPhaseCommitWallet.Builder.strategy(directory -> PostgresServer.layoutFor(directory, 4));
    }
}
