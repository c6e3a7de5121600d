package dev.wallet.twopc;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * The shared contract against Saga over PostgreSQL, on the server {@code .ci/run} starts, fresh
 * schemas per deployment. Skipped, with the reason, when no server is announced.
 */
@AddLifecycleHook(RequiresPostgres.class)
class PostgresSagaContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        return CompensatingWallet.Builder.strategy(CompensatingWallet.Protocol.SAGA,
                directory -> PostgresServer.layoutFor(directory, 4));
    }
}
