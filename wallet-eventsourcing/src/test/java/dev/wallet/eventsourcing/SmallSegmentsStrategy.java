package dev.wallet.eventsourcing;

import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The event-sourced strategy configured as no registered name is (small journal segments, frequent
 * snapshots), for the kill -9 scenario's child process: it shows that the scenario runs any
 * strategy a factory can build, not only those found by name.
 */
public final class SmallSegmentsStrategy implements Supplier<WalletStrategy> {

    @Override
    public WalletStrategy get() {
        return EventSourcedWallet.builder(Path.of(".")).segmentBytes(1 << 20).snapshotEvery(20_000).strategy();
    }
}
