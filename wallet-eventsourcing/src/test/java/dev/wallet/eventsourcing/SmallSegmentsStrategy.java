package dev.wallet.eventsourcing;

import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The event-sourced strategy configured as no registered name is (small journal segments, a
 * snapshot every 1,000 events, each archiving the window of ids), for the kill -9 scenario's child
 * process: it shows that the scenario runs any strategy a factory can build, not only those found
 * by name, and kills the process while ids are being archived.
 */
public final class SmallSegmentsStrategy implements Supplier<WalletStrategy> {

    @Override
    public WalletStrategy get() {
        return EventSourcedWallet.builder(Path.of(".")).segmentBytes(1 << 20).snapshotEvery(1_000)
                .idFilterBytes(1 << 12).strategy();
    }
}
