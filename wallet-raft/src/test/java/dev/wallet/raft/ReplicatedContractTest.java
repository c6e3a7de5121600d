package dev.wallet.raft;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;
import net.jqwik.api.PropertyDefaults;

/**
 * The shared contract against a three-replica cluster in this JVM. Every try starts a cluster in a
 * fresh directory (about a second), so the default number of tries is lower than the module's.
 */
@PropertyDefaults(tries = 12)
class ReplicatedContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        // Frequent snapshots and a window of 64 ids, so that the far-back idempotency property
        // crosses snapshots and reaches ids in the replicas' archives.
        return ReplicatedWallet.embedded(java.nio.file.Path.of(".")).snapshotEveryEntries(16).idWindow(64).idFilterBytes(1024)
                .strategy();
    }
}
