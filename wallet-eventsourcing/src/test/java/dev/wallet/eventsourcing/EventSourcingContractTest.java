package dev.wallet.eventsourcing;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against the single-node event-sourced wallet, on real files in temporary directories. */
class EventSourcingContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        // Small segments and frequent snapshots, so that the far-back idempotency property crosses both, and
        // a filter too small to rule out anything, so that every new id is looked up in the id archive on disk.
        return EventSourcedWallet.builder(java.nio.file.Path.of(".")).segmentBytes(1 << 20).snapshotEvery(4_096)
                .idFilterBytes(1 << 10).strategy();
    }
}
