package dev.wallet.eventsourcing;

import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.contract.AsyncPath;
import dev.wallet.contract.WalletContract;
import java.nio.file.Path;

/** The shared contract again, every command through the asynchronous path into the writer's queue. */
class EventSourcingAsyncContractTest implements WalletContract {

    /** The guarantee table lists exactly what this strategy delivers: the contract shows the others broken. */
    @Override
    public boolean declaresExactly() {
        return true;
    }

    @Override
    public WalletStrategy strategy() {
        return AsyncPath.of(EventSourcedWallet.builder(Path.of(".")).segmentBytes(1 << 20).strategy());
    }
}
