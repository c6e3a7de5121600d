package dev.wallet.eventsourcing;

import dev.wallet.api.WalletStrategy;
import dev.wallet.contract.WalletContract;

/** The shared contract against the single-node event-sourced wallet, on real files in temporary directories. */
class EventSourcingContractTest implements WalletContract {

    @Override
    public WalletStrategy strategy() {
        return EventSourcedWallet.builder(java.nio.file.Path.of(".")).segmentBytes(1 << 20).strategy();
    }
}
