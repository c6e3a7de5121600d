package dev.wallet.eventsourcing;

import dev.wallet.api.Guarantee;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code event-sourcing} strategy for {@link java.util.ServiceLoader}; configured ones come
 * from {@link EventSourcedWallet.Builder#strategy()}. A deployment is a journal directory; opening
 * it recovers from the newest snapshot and the journal.
 */
public final class EventSourcingStrategy implements WalletStrategy {

    private final EventSourcedWallet.Builder config;

    /** The default configuration. */
    public EventSourcingStrategy() {
        this(new EventSourcedWallet.Builder(Path.of(".")));
    }

    EventSourcingStrategy(EventSourcedWallet.Builder config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "event-sourcing";
    }

    @Override
    public String summary() {
        return "Event sourcing on one node: a pure state machine on a single writer thread, a checksummed journal "
                + "forced to disk once per batch, snapshots, replay and audit.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        return Set.of(Guarantee.ATOMIC_UNDER_CRASH, Guarantee.DURABLE_ACROSS_RESTART, Guarantee.REPLAYABLE_HISTORY,
                Guarantee.CONSISTENT_READS);
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return JournaledWallet.CRASH_POINTS;
    }

    @Override
    public Deployment deploy(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new JournalDeployment(this, directory);
    }

    private record JournalDeployment(EventSourcingStrategy strategy, Path directory) implements Deployment {

        @Override
        public Wallet open(FaultInjector faults) {
            return JournaledWallet.open(strategy.config.copy(directory, Objects.requireNonNull(faults, "faults")));
        }

        @Override
        public void close() {
            // The journal is on disk; nothing is held between wallets.
        }
    }
}
