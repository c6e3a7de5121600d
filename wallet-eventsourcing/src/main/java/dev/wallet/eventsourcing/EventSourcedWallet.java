package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.ReplayableHistory;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An event-sourced wallet on one node: commands are validated by a pure state machine on a single
 * writer thread, their events appended to a checksummed journal and forced to disk once per batch
 * (group commit) before any caller hears back. The journal is the source of truth; snapshots make
 * restarts short; any past balance can be rebuilt and a full replay audited against the live state.
 *
 * <pre>{@code
 * try (EventSourcedWallet wallet = EventSourcedWallet.builder(Path.of("data/wallet")).build()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. Reads ({@link #balance}) are answered by the writer in order with the commands
 * and only once everything before them is durable, so they never see an unacknowledged change.
 */
public interface EventSourcedWallet extends Wallet, ReplayableHistory {

    /**
     * The one way to build an event-sourced wallet: {@code builder(directory)...build()} for a wallet
     * whose journal and snapshots live in {@code directory} (created if missing);
     * {@link Builder#strategy()} for a {@link WalletStrategy} with these settings whose deployments
     * use their own directories, or {@code WalletStrategies.named("event-sourcing")} for the defaults.
     */
    static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** The sequence number of the last durable event. */
    long lastSequence();

    /** Positions are event sequence numbers: {@link #lastSequence()}. */
    @Override
    default long lastPosition() {
        return lastSequence();
    }

    /** The first divergence {@link #audit()} finds. */
    @Override
    default Optional<String> auditReplay() {
        return audit().firstDivergence();
    }

    @Override
    default Optional<ReplayableHistory> replayableHistory() {
        return Optional.of(this);
    }

    /**
     * The balance an account had right after event {@code sequence}, rebuilt from the newest
     * retained snapshot at or before it plus the journal. Empty if the account did not exist then.
     *
     * @throws IllegalArgumentException if {@code sequence} is negative or beyond {@link #lastSequence()}
     */
    Optional<Money> balanceAt(AccountId account, long sequence);

    /** The account's movements in journal order, from the history projection (waits until it has caught up). */
    List<HistoryEntry> history(AccountId account);

    /** Replays the whole journal from an empty state and compares it with the live state and every retained snapshot. */
    AuditReport audit();

    /**
     * Writes a snapshot of the current durable state now: seals the window of transaction ids into
     * the id archive, writes the snapshot, checkpoints the history projection and applies the
     * journal retention policy. Returns the sequence number it covers.
     */
    long snapshot();

    /** What opening this wallet found and did. */
    RecoveryReport recovery();

    /** Memory held by the idempotency index per remembered transaction id, in bytes. */
    double idIndexBytesPerId();

    /**
     * Configures an event-sourced wallet. Not thread-safe; validates each value when it is set.
     */
    final class Builder {

        /** Segment size bound unless told otherwise: 64 MiB. */
        public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
        /** Events between automatic snapshots unless told otherwise. */
        public static final long DEFAULT_SNAPSHOT_EVERY = 5_000_000;
        /**
         * Memory of the archived ids' filter unless told otherwise: 1 GiB, allocated once 5,000,000
         * ids are archived; about 29 bits per id at 300 million ids (one new id in 50,000 looked up
         * on disk), 9 bits at a billion (one in 30).
         */
        public static final long DEFAULT_ID_FILTER_BYTES = 1L << 30;

        Path directory;
        long segmentBytes = DEFAULT_SEGMENT_BYTES;
        long snapshotEvery = DEFAULT_SNAPSHOT_EVERY;
        int snapshotsRetained = 2;
        int queueCapacity = 16_384;
        int batchCommandsMax = 8_192;
        long submitWaitMillis = 10_000;
        boolean history = true;
        long idFilterBytes = DEFAULT_ID_FILTER_BYTES;
        JournalRetention retention = JournalRetention.keepAll();
        FaultInjector faults = FaultInjector.none();
        Journal.ChannelOpener channelOpener = Journal.DEFAULT_OPENER;

        Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** Segments roll once they hold this many bytes (1 MiB to 1 GiB). */
        public Builder segmentBytes(long bytes) {
            if (bytes < (1 << 20) || bytes > (1L << 30)) {
                throw new IllegalArgumentException("segmentBytes must be between 1 MiB and 1 GiB: " + bytes);
            }
            this.segmentBytes = bytes;
            return this;
        }

        /** A snapshot is written after this many events (at least 1000); {@link Long#MAX_VALUE} for on demand only. */
        public Builder snapshotEvery(long events) {
            if (events < 1000) {
                throw new IllegalArgumentException("snapshotEvery must be at least 1000 events: " + events);
            }
            this.snapshotEvery = events;
            return this;
        }

        /** How many snapshot files to keep (1 to 100). */
        public Builder snapshotsRetained(int count) {
            if (count < 1 || count > 100) {
                throw new IllegalArgumentException("snapshotsRetained must be between 1 and 100: " + count);
            }
            this.snapshotsRetained = count;
            return this;
        }

        /** Bound of the writer's queue, in requests (16 to 1,048,576); callers block when it is full. */
        public Builder queueCapacity(int requests) {
            if (requests < 16 || requests > (1 << 20)) {
                throw new IllegalArgumentException("queueCapacity must be between 16 and 1048576: " + requests);
            }
            this.queueCapacity = requests;
            return this;
        }

        /** A batch call is split into requests of at most this many commands (1 to 65,536). */
        public Builder batchCommandsMax(int commands) {
            if (commands < 1 || commands > 65_536) {
                throw new IllegalArgumentException("batchCommandsMax must be between 1 and 65536: " + commands);
            }
            this.batchCommandsMax = commands;
            return this;
        }

        /** How long a caller waits for room in a full queue before a retryable error (1 ms to 10 min). */
        public Builder submitWait(Duration wait) {
            Objects.requireNonNull(wait, "wait");
            if (wait.toMillis() < 1 || wait.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("submitWait must be between 1 ms and 10 minutes: " + wait);
            }
            this.submitWaitMillis = wait.toMillis();
            return this;
        }

        /** Whether to keep the per-account history projection (on by default; about 90 bytes per transfer). */
        public Builder history(boolean enabled) {
            this.history = enabled;
            return this;
        }

        /**
         * Memory for the filter in front of the on-disk id archive (a power of two from 64 bytes to
         * 8 GiB; allocated when the first window of ids is archived). It answers "never decided"
         * for a new id without reading the disk; as more ids are archived than it was sized for
         * (about 14 bits per id for 0.3% false positives), more new ids are looked up on disk:
         * slower, never wrong, and never a wall.
         */
        public Builder idFilterBytes(long bytes) {
            this.idFilterBytes = IdFilter.checkedBytes(bytes);
            return this;
        }

        /** What becomes of journal segments that opening the wallet no longer reads (kept in place by default). */
        public Builder journalRetention(JournalRetention retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /** Where tests arm crash points. */
        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Opens the wallet: loads the newest snapshot, replays the journal's tail, starts the writer. */
        public EventSourcedWallet build() {
            return JournaledWallet.open(copy(directory, faults));
        }

        /** This configuration as a {@link WalletStrategy}; its deployments use their own directories. */
        public WalletStrategy strategy() {
            return new EventSourcingStrategy(copy(directory, FaultInjector.none()));
        }

        Builder copy(Path newDirectory, FaultInjector newFaults) {
            Builder copy = new Builder(newDirectory);
            copy.segmentBytes = segmentBytes;
            copy.snapshotEvery = snapshotEvery;
            copy.snapshotsRetained = snapshotsRetained;
            copy.queueCapacity = queueCapacity;
            copy.batchCommandsMax = batchCommandsMax;
            copy.submitWaitMillis = submitWaitMillis;
            copy.history = history;
            copy.idFilterBytes = idFilterBytes;
            copy.retention = retention;
            copy.faults = newFaults;
            copy.channelOpener = channelOpener;
            return copy;
        }
    }
}
