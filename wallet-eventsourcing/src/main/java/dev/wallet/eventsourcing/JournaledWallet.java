package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Readiness;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.WalletCapacityException;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletException;
import dev.wallet.api.WalletMetric;
import dev.wallet.api.WalletStorageException;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Currency;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node event-sourced wallet. Callers put {@link Request}s on a bounded queue; one
 * writer thread drains it in batches, runs each request against the {@link LedgerState} (events
 * are staged into the journal's buffer as they are decided), writes the batch, forces it to disk
 * once, and only then completes the batch's futures. A projector thread tails the journal for the
 * read side; a snapshot thread writes snapshots of frozen states.
 */
final class JournaledWallet implements EventSourcedWallet {

    private static final Logger LOG = LoggerFactory.getLogger(JournaledWallet.class);

    static final CrashPoint BEFORE_APPEND = new CrashPoint("es.before-append",
            "a batch is decided and applied in memory; nothing of it is written");
    static final CrashPoint AFTER_APPEND = new CrashPoint("es.after-append-before-fsync",
            "the batch is written to the file but not forced to disk; no caller has heard back");
    static final CrashPoint AFTER_FSYNC = new CrashPoint("es.after-fsync-before-complete",
            "the batch is durable; no caller has heard back yet");
    static final List<CrashPoint> CRASH_POINTS = List.of(BEFORE_APPEND, AFTER_APPEND, AFTER_FSYNC);

    /** The sink of a request run after a commit, which must not decide anything. */
    private static final Consumer<Event> NO_EVENTS = event -> {
        throw new IllegalStateException("a request run after the commit emitted " + event);
    };
    /** Ids a rebuilt generation holds at most (they are boxed while it is built). */
    private static final int REBUILD_WINDOW_IDS = 2_000_000;
    /** Ids a replay for a past balance holds before it lets them go. */
    private static final int REPLAY_WINDOW_IDS = 5_000_000;
    /** Stop draining more requests into a batch once this many bytes are staged. */
    private static final int STAGED_BYTES_TARGET = 4 << 20;
    private static final long WAIT_FOR_ANSWER_SECONDS = 120;

    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;
    private static final int CRASHED = 3;
    private static final int FAILED = 4;

    private final Builder config;
    private final FaultInjector faults;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Journal journal;
    /** Owned by the writer thread; replaced only when a failed commit is rolled back. */
    private LedgerState state;
    private final SnapshotStore snapshots;
    private final IdArchive archive;
    private final SegmentArchive segments;
    private final RecoveryReport recovery;
    private final BlockingQueue<Request> queue;
    private final Thread writer;
    private final ExecutorService snapshotter;
    private final HistoryProjection history;
    private final Projector projector;
    private volatile int status = OPEN;
    private volatile Throwable failure;
    private long lastSnapshotSequence;
    /** Written by the writer thread only; read by metrics scrapes. */
    private volatile long commits;
    private volatile long commitNanos;
    /** Every id decided at or before this sequence is in the archive; written by the snapshot thread. */
    private volatile long archivedThrough;
    /** Ids the writer holds in memory, for metrics; written by the writer thread. */
    private volatile long idsInMemory;

    private JournaledWallet(Builder config, FileChannel lockChannel, FileLock lock, Journal journal, LedgerState state,
                            SnapshotStore snapshots, IdArchive archive, SegmentArchive segments, HistoryProjection history,
                            RecoveryReport recovery) {
        this.config = config;
        this.faults = config.faults;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.journal = journal;
        this.state = state;
        this.snapshots = snapshots;
        this.archive = archive;
        this.archivedThrough = state.windowStart();
        this.recovery = recovery;
        this.lastSnapshotSequence = recovery.snapshotSequence();
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity);
        String name = config.directory.getFileName() == null ? "wallet" : config.directory.getFileName().toString();
        this.writer = new Thread(this::writeLoop, "wallet-es-writer-" + name);
        this.writer.setDaemon(true);
        this.snapshotter = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "wallet-es-snapshots-" + name);
            thread.setDaemon(true);
            return thread;
        });
        this.history = history;
        this.segments = segments;
        this.projector = config.history ? new Projector(journal, segments, history, config.snapshotEvery,
                "wallet-es-projector-" + name) : null;
    }

    /** Locks the directory, recovers the state (snapshot, then the journal's tail) and starts the threads. */
    static JournaledWallet open(Builder config) {
        long started = System.nanoTime();
        Path directory = config.directory;
        FileChannel lockChannel = null;
        Journal.Opened journal = null;
        HistoryProjection history = null;
        boolean opened = false;
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve("wallet.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(lockChannel, directory);
            SnapshotStore snapshots = new SnapshotStore(directory, config.snapshotsRetained);
            snapshots.removeLeftovers();
            SegmentArchive segments = new SegmentArchive(directory, config.retention);
            segments.removeLeftovers();
            List<String> problems = new ArrayList<>();
            Optional<SnapshotStore.Loaded> loaded = snapshots.loadNewest(problems);
            LedgerState state = loaded.map(SnapshotStore.Loaded::state).orElseGet(LedgerState::new);
            long snapshotSequence = state.sequence();
            IdArchive.Opened ids = IdArchive.open(directory, state.windowStart(), config.idFilterBytes);
            for (long[] missing : ids.missing()) {
                rebuildGeneration(segments, state, missing[0], missing[1], ids.archive(), problems);
            }
            state.attach(ids.archive());
            int stagingBytes = STAGED_BYTES_TARGET + (config.batchCommandsMax + 2) * Journal.RECORD_BYTES_MAX;
            journal = Journal.open(directory, config.segmentBytes, stagingBytes,
                    snapshotSequence, (sequence, event) -> {
                        if (sequence != state.sequence() + 1) {
                            throw new IllegalStateException("replay out of order at " + sequence);
                        }
                        state.apply(event);
                        if (windowFull(state)) {
                            // A long replay (no usable snapshot) archives as it goes, as the writer would.
                            archiveNow(state, ids.archive());
                        }
                    }, config.channelOpener);
            if (journal.recovery().lastSequence() < snapshotSequence) {
                throw new JournalCorruptedException(directory, 0, "the newest snapshot covers sequence " + snapshotSequence
                        + " but the journal ends at " + journal.recovery().lastSequence());
            }
            history = config.history ? HistoryProjection.open(directory) : null;
            if (history != null && history.position() > state.sequence()) {
                // The journal lost its tail after the projection read it (a torn tail cut back): rebuild it.
                String problem = "the history projection was at sequence " + history.position() + ", past the journal's end at "
                        + state.sequence() + ", and is rebuilt from the journal";
                LOG.warn(problem);
                problems.add(problem);
                history.clear();
            }
            RecoveryReport report = new RecoveryReport(loaded.map(l -> l.file().toString()), snapshotSequence,
                    state.sequence() - snapshotSequence, state.sequence(), Optional.ofNullable(journal.recovery().tornTail()),
                    List.copyOf(problems), (System.nanoTime() - started) / 1_000_000);
            report.tornTail().ifPresent(torn -> LOG.warn("journal had a torn tail: {}", torn));
            LOG.info("opened {}: snapshot at {}, replayed {} events to sequence {} in {} ms", directory,
                    snapshotSequence, report.eventsReplayed(), report.lastSequence(), report.elapsedMillis());
            JournaledWallet wallet = new JournaledWallet(config, lockChannel, lock, journal.journal(), state, snapshots,
                    ids.archive(), segments, history, report);
            wallet.start();
            opened = true;
            return wallet;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the event-sourced wallet in " + directory, e);
        } finally {
            if (!opened) {
                // Whatever stopped the open (even an Error), nothing stays open and the directory must not stay locked.
                closeQuietly(journal, history);
                closeQuietly(lockChannel);
            }
        }
    }

    /**
     * Writes again, from the journal, the id generation of the events in {@code (first, last]}
     * (lost or removed from the archive): every id decided there, moved money by account number,
     * rejections whole. {@code state} has applied at least up to {@code last}.
     */
    private static void rebuildGeneration(SegmentArchive segments, LedgerState state, long first, long last, IdArchive archive,
                                          List<String> problems) throws IOException {
        String problem = "the id generation of sequences " + (first + 1) + " to " + last + " was missing and was rebuilt"
                + " from the journal";
        LOG.warn(problem);
        problems.add(problem);
        LedgerState.Rebuilt[] window = {new LedgerState.Rebuilt(first)};
        JournalScan.scan(segments, first + 1, last, (sequence, event) -> {
            window[0].add(state, event);
            if (window[0].count() >= REBUILD_WINDOW_IDS && sequence < last) {
                try {
                    archive.write(window[0].endAt(sequence));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                window[0] = new LedgerState.Rebuilt(sequence);
            }
        });
        archive.write(window[0].endAt(last));
    }

    /** Whether the active window holds as many ids, or bytes, as one generation should. */
    private static boolean windowFull(LedgerState state) {
        return state.activeIds() >= IdArchive.WINDOW_IDS_MAX || state.activeArchiveBytes() >= IdArchive.WINDOW_BYTES_MAX;
    }

    /** Seals the window and archives it on this thread (during the replay at open). */
    private static void archiveNow(LedgerState state, IdArchive archive) {
        LedgerState.Sealed window = state.seal();
        try {
            archive.write(window);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        window.markArchived();
        state.dropArchived();
    }

    private static FileLock tryLock(FileChannel channel, Path directory) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new IllegalStateException("the wallet directory " + directory + " is in use by another wallet");
        }
        return lock;
    }

    private void start() {
        writer.start();
        if (projector != null) {
            projector.start();
        }
    }

    // The writer thread.

    private void writeLoop() {
        List<Request> batch = new ArrayList<>();
        Consumer<Event> sink = journal::stage;
        boolean stopping = false;
        try {
            while (!stopping) {
                Request deferred = null;
                Request next = queue.take();
                do {
                    if (next.afterCommit()) {
                        deferred = next;
                        break;
                    }
                    stopping = runRequest(next, batch, sink);
                } while (!stopping && journal.stagedBytes() < STAGED_BYTES_TARGET && (next = queue.poll()) != null);
                boolean committed = commitAndAnswer(batch);
                if (deferred != null) {
                    deferred.run(state, NO_EVENTS);
                    deferred.complete();
                }
                if (committed) {
                    state.dropArchived();
                    maybeSnapshot();
                    idsInMemory = state.idsInMemory();
                }
            }
            journal.close();
            status = CLOSED;
        } catch (SimulatedCrashException crash) {
            dieAfterCrash(batch, crash);
        } catch (Throwable e) {
            failAll(batch, e);
        } finally {
            failQueued();
            releaseLock();
        }
    }

    /**
     * Runs one request and adds it to the batch to be answered after the commit; returns whether
     * it asks the writer to stop. A request refused as a whole (a capacity limit) is answered at
     * once and the writer goes on.
     */
    private boolean runRequest(Request request, List<Request> batch, Consumer<Event> sink) {
        try {
            request.run(state, sink);
        } catch (WalletCapacityException refused) {
            request.fail(refused);
            return false;
        }
        batch.add(request);
        return request instanceof Request.Stop;
    }

    /** Appends and forces the staged events; the crash points mark each step. */
    private void commit() throws IOException {
        if (!journal.hasStaged()) {
            return;
        }
        long started = System.nanoTime();
        faults.reach(BEFORE_APPEND);
        journal.writeStaged();
        faults.reach(AFTER_APPEND);
        journal.force();
        commitNanos += System.nanoTime() - started;
        commits++;
        if (projector != null) {
            projector.signal();
        }
        faults.reach(AFTER_FSYNC);
    }

    /**
     * Commits what the batch staged and answers its requests; when the storage refuses, rolls the
     * batch back instead (see {@link #rollBack}) and answers false.
     */
    private boolean commitAndAnswer(List<Request> batch) throws IOException {
        try {
            commit();
        } catch (IOException refused) {
            rollBack(batch, refused);
            batch.clear();
            return false;
        }
        for (Request request : batch) {
            request.complete();
        }
        batch.clear();
        return true;
    }

    /**
     * The storage refused a commit (a full disk, an I/O error): the batch's callers hear a
     * {@link WalletStorageException}, the journal is cut back to where it is durable, and the
     * state is rebuilt from the newest snapshot and the durable journal, so that nothing of the
     * batch remains. The wallet goes on: the next batch tries the storage again.
     */
    private void rollBack(List<Request> batch, IOException refused) throws IOException {
        LOG.error("the journal of {} could not be made durable; {} requests refused, the wallet goes on", config.directory,
                batch.size(), refused);
        WalletStorageException error = new WalletStorageException("the journal could not be made durable (" + refused
                + "); nothing of these commands was kept: retry them with the same transaction ids once the storage has room",
                refused);
        // Cut back and forced before anyone hears "nothing was kept"; if that fails, the writer
        // stops and the callers hear that the outcome is unknown instead.
        journal.rollBackToDurable();
        for (Request request : batch) {
            request.fail(error);
        }
        // Read before trusting the archive for the ids the snapshot below covers: the snapshot
        // thread wrote this mark after the filter's bits and before that snapshot.
        long archived = archivedThrough;
        List<String> problems = new ArrayList<>();
        LedgerState rebuilt = snapshots.loadNewest(problems).map(SnapshotStore.Loaded::state).orElseGet(LedgerState::new);
        rebuilt.attach(archive);
        JournalScan.scan(segments, rebuilt.sequence() + 1, journal.durableMark().sequence(),
                (sequence, event) -> rebuilt.apply(event));
        if (rebuilt.windowStart() > archived) {
            throw new IllegalStateException("the newest snapshot relies on ids archived through " + rebuilt.windowStart()
                    + " but the archive is known to hold them only through " + archived);
        }
        state = rebuilt;
        lastSnapshotSequence = Math.min(lastSnapshotSequence, rebuilt.sequence());
    }

    /**
     * Every {@code snapshotEvery} events (or sooner, once the window holds the most ids a
     * generation takes): seals the window of ids and hands it with the frozen state to the
     * snapshot thread, which archives the ids and then writes the snapshot. While the archive is
     * two windows behind, the window stays open, so that memory waits for the disk instead of
     * windows piling up.
     */
    private void maybeSnapshot() {
        boolean full = windowFull(state);
        boolean due = full || state.sequence() - lastSnapshotSequence >= config.snapshotEvery;
        if (!due) {
            return;
        }
        if (state.sealedWindows() >= 2) {
            if (!full) {
                return;
            }
            // The window may grow no further: the writer waits for the archive to catch up.
            awaitSnapshotter();
            state.dropArchived();
            if (state.sealedWindows() >= 2) {
                return;
            }
        }
        lastSnapshotSequence = state.sequence();
        LedgerState.Sealed window = state.seal();
        LedgerState.Frozen frozen = state.freeze();
        snapshotter.execute(() -> archiveAndSnapshot(window, frozen));
    }

    /** Waits until the snapshot thread has finished what it was given (it stops retrying once the wallet closes). */
    private void awaitSnapshotter() {
        try {
            snapshotter.submit(() -> { }).get();
        } catch (ExecutionException | RejectedExecutionException e) {
            LOG.warn("the snapshot thread of {} is not available", config.directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes a window of ids to the archive, trying again every second while the storage refuses
     * (a full disk): the window stays in memory meanwhile, and the writer seals no new window
     * while two wait.
     */
    private void archiveUntilStored(LedgerState.Sealed window) throws IOException {
        while (true) {
            try {
                archive.write(window);
                return;
            } catch (IOException e) {
                if (status != OPEN) {
                    throw new IOException("the wallet closed before the ids decided up to sequence " + window.lastSequence()
                            + " could be archived; the journal still holds them", e);
                }
                LOG.error("archiving the ids decided up to sequence {} failed ({}); trying again in 1 s", window.lastSequence(),
                        e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("closed while archiving ids");
                }
            }
        }
    }

    /**
     * Archives the journal segments that opening the wallet no longer reads: covered by the
     * oldest retained snapshot, by the id archive and by the history projection's checkpoint.
     */
    private void archiveSegments() throws IOException {
        List<Path> retained = snapshots.list();
        if (retained.isEmpty()) {
            return;
        }
        long covered = Math.min(SnapshotStore.sequenceOf(retained.get(0)), archivedThrough);
        if (history != null) {
            covered = Math.min(covered, history.checkpointPosition());
        }
        segments.archive(covered, journal.durableMark().firstSequence());
    }

    /**
     * On the snapshot thread: archives a sealed window's ids (none when nothing was decided since
     * the last seal), then writes the snapshot that relies on them.
     */
    private Path archiveAndSnapshot(LedgerState.Sealed window, LedgerState.Frozen frozen) {
        try {
            long started = System.nanoTime();
            if (window != null) {
                archiveUntilStored(window);
                window.markArchived();
                if (window.firstSequence() <= archivedThrough) {
                    // Only a contiguous run of archived windows moves the mark (a window that failed keeps it).
                    archivedThrough = window.lastSequence();
                }
            }
            long archivedAt = System.nanoTime();
            if (frozen.windowStart() > archivedThrough) {
                // An earlier window could not be archived: a snapshot would rely on ids the archive lacks.
                LOG.error("the snapshot at sequence {} is not written: the ids decided before {} are not all archived",
                        frozen.sequence(), frozen.windowStart());
                return null;
            }
            Path path = snapshots.write(frozen);
            archiveSegments();
            LOG.info("{} ids archived in {} ms; snapshot at sequence {} written to {} in {} ms",
                    window == null ? 0 : window.count(),
                    (archivedAt - started) / 1_000_000, frozen.sequence(), path, (System.nanoTime() - archivedAt) / 1_000_000);
            return path;
        } catch (IOException | RuntimeException e) {
            // The window stays in memory (and holds back those after it); the journal holds every event.
            LOG.error("archiving ids or the snapshot at sequence {} failed; the journal still holds every event",
                    frozen.sequence(), e);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private void dieAfterCrash(List<Request> batch, SimulatedCrashException crash) {
        status = CRASHED;
        failure = crash;
        journal.abandon();
        for (Request request : batch) {
            request.fail(crash);
        }
    }

    private void failAll(List<Request> batch, Throwable error) {
        status = FAILED;
        failure = error;
        LOG.error("the writer of {} stopped; the wallet takes no more calls", config.directory, error);
        try {
            journal.abandon();
        } catch (RuntimeException e) {
            error.addSuppressed(e);
        }
        WalletUnavailableException unavailable = new WalletUnavailableException("the writer stopped (" + error
                + "); this wallet takes no more calls and the outcome of these commands is unknown: open the wallet again "
                + "and repeat them with the same transaction ids", error);
        for (Request request : batch) {
            request.fail(unavailable);
        }
    }

    private void failQueued() {
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        WalletClosedException closed = closedException();
        for (Request request : left) {
            request.fail(closed);
        }
    }

    /** Stops the helper threads, then lets go of the directory, so that nothing of this wallet runs once a new one may open it. */
    private void releaseLock() {
        if (status == CLOSED) {
            snapshotter.shutdown();
        } else {
            // A dead process writes no more snapshots.
            snapshotter.shutdownNow();
        }
        try {
            if (!snapshotter.awaitTermination(WAIT_FOR_ANSWER_SECONDS, TimeUnit.SECONDS)) {
                // Still at it (a disk that stays full): interrupt it, so that nothing of it runs once the directory is released.
                snapshotter.shutdownNow();
            }
            if (!snapshotter.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("a snapshot of {} was still being written when the directory was released", config.directory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (projector != null) {
            projector.close();
        }
        if (status == CLOSED) {
            try {
                archive.close();
            } catch (IOException e) {
                LOG.warn("saving the id filter of {} failed; the next open rebuilds it", config.directory, e);
            }
        }
        try {
            lock.release();
        } catch (IOException e) {
            LOG.warn("releasing the directory lock failed", e);
        } finally {
            closeQuietly(lockChannel);
        }
    }

    // Submitting.

    private <R extends Request> R submit(R request) {
        if (status != OPEN) {
            throw closedException();
        }
        boolean queued;
        try {
            queued = queue.offer(request, config.submitWaitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while waiting for room in the writer's queue", e);
        }
        if (!queued) {
            throw new WalletUnavailableException("the writer's queue stayed full for " + config.submitWaitMillis
                    + " ms; retry with the same transaction ids");
        }
        if (status != OPEN && queue.remove(request)) {
            // The wallet began to close between the check and the offer, and the writer may have
            // drained the queue for the last time already: this request is ours to answer.
            request.fail(closedException());
        }
        return request;
    }

    private WalletClosedException closedException() {
        return switch (status) {
            case CRASHED -> new WalletClosedException("this event-sourced wallet crashed (simulated); open it again", failure);
            case FAILED -> new WalletClosedException("this event-sourced wallet stopped after a journal failure", failure);
            default -> new WalletClosedException("this event-sourced wallet is closed");
        };
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT_FOR_ANSWER_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WalletException walletException) {
                throw walletException;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new WalletUnavailableException("no answer from the writer within " + WAIT_FOR_ANSWER_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while waiting for the writer", e);
        }
    }

    // The Wallet API.

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        LedgerRules.checkOpenable(account, currency);
        return await(submit(new Request.Open(account, currency)).future);
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        return await(executeAsync(command));
    }

    @Override
    public CompletableFuture<Outcome> executeAsync(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        return submit(new Request.Single(command)).future;
    }

    @Override
    public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        commands.forEach(command -> Objects.requireNonNull(command, "command"));
        if (status != OPEN) {
            // An empty batch submits nothing, and a closed wallet refuses it all the same.
            throw closedException();
        }
        List<CompletableFuture<List<Outcome>>> parts = new ArrayList<>();
        for (int from = 0; from < commands.size(); from += config.batchCommandsMax) {
            List<? extends MoneyCommand> part = commands.subList(from, Math.min(commands.size(), from + config.batchCommandsMax));
            parts.add(submit(new Request.Batch(List.copyOf(part))).future);
        }
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        for (CompletableFuture<List<Outcome>> part : parts) {
            outcomes.addAll(await(part));
        }
        return outcomes;
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        Objects.requireNonNull(account, "account");
        return await(submit(new Request.Query<>(s -> s.balance(account))).future);
    }

    @Override
    public BalanceSnapshot balances(Collection<AccountId> accounts) {
        List<AccountId> read = BalanceSnapshot.requested(accounts);
        // One query on the writer thread reads every account between the same two commands.
        return BalanceSnapshot.of(await(submit(new Request.Query<>(s -> s.balances(read))).future));
    }

    @Override
    public Optional<TransactionLookup> lookup(TransactionId transactionId) {
        Objects.requireNonNull(transactionId, "transactionId");
        // The writer decides a command when it takes it from the queue and answers this query only
        // once everything before it is durable, so no command is ever seen between the two.
        return await(submit(new Request.Query<>(s -> s.lookup(transactionId))).future);
    }

    @Override
    public Readiness readiness() {
        if (status != OPEN || !writer.isAlive()) {
            return Readiness.notReady(status == OPEN ? "the journal writer has stopped" : closedException().getMessage());
        }
        if (!Files.isWritable(config.directory)) {
            return Readiness.notReady("the journal directory " + config.directory + " is not writable");
        }
        return Readiness.ready("journal writable, durable up to sequence " + lastSequence());
    }

    @Override
    public List<WalletMetric> metrics() {
        return List.of(
                WalletMetric.counter("wallet.journal.commits", "Journal commits: one write and one fsync for a batch of commands",
                        "commits", () -> commits),
                WalletMetric.counter("wallet.journal.commit.time", "Time spent writing and forcing the journal",
                        "seconds", () -> commitNanos / 1e9),
                WalletMetric.counter("wallet.journal.events", "Events made durable in the journal; divided by commits, the batch size",
                        "events", this::lastSequence),
                WalletMetric.gauge("wallet.writer.queue", "Requests waiting for the single writer thread",
                        "requests", queue::size),
                WalletMetric.gauge("wallet.ids.memory", "Transaction ids held in memory (the window of recent ids)",
                        "ids", () -> idsInMemory),
                WalletMetric.gauge("wallet.ids.archived", "Transaction ids in the on-disk id archive", "ids",
                        archive::idCount));
    }

    @Override
    public long lastSequence() {
        return journal.durableMark().sequence();
    }

    @Override
    public Optional<Money> balanceAt(AccountId account, long sequence) {
        Objects.requireNonNull(account, "account");
        long last = lastSequence();
        if (sequence < 0 || sequence > last) {
            throw new IllegalArgumentException("sequence must be between 0 and " + last + ": " + sequence);
        }
        try {
            LedgerState past = null;
            List<Path> files = snapshots.list();
            for (int i = files.size() - 1; i >= 0 && past == null; i--) {
                if (SnapshotStore.sequenceOf(files.get(i)) <= sequence) {
                    try {
                        past = snapshots.load(files.get(i));
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("passing over unreadable snapshot {}: {}", files.get(i), e.getMessage());
                    }
                }
            }
            LedgerState rebuilt = past == null ? new LedgerState() : past;
            // Balances need no ids: the replay lets go of its window now and then, so that memory stays bounded.
            JournalScan.scan(segments, rebuilt.sequence() + 1, sequence, (seq, event) -> {
                rebuilt.apply(event);
                if (rebuilt.activeIds() >= REPLAY_WINDOW_IDS) {
                    rebuilt.seal();
                    rebuilt.dropSealed();
                }
            });
            return rebuilt.balance(account);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<HistoryEntry> history(AccountId account) {
        Objects.requireNonNull(account, "account");
        if (history == null) {
            throw new IllegalStateException("the history projection is turned off for this wallet");
        }
        if (status != OPEN) {
            throw closedException();
        }
        try {
            if (!projector.awaitPosition(lastSequence(), WAIT_FOR_ANSWER_SECONDS * 1000)) {
                throw new WalletUnavailableException("the history projection is still catching up at sequence "
                        + history.position());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while the history projection caught up", e);
        }
        try {
            return history.history(account);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public AuditReport audit() {
        long started = System.nanoTime();
        LedgerState.Frozen live = await(submit(new Request.Query<>(LedgerState::freeze)).future);
        List<String> verified = new ArrayList<>();
        LedgerState replay = new LedgerState();
        String divergence = null;
        long checkedUpTo = 0;
        try {
            divergence = archive.verify().orElse(null);
            // The replay seals its window where the archive's generations end and where the live
            // window starts, so that it holds no more ids in memory than the live wallet does.
            TreeMap<Long, Path> stops = new TreeMap<>();
            for (long boundary : archive.boundaries()) {
                stops.put(boundary, null);
            }
            stops.put(live.windowStart(), null);
            for (Path snapshot : snapshots.list()) {
                stops.put(SnapshotStore.sequenceOf(snapshot), snapshot);
            }
            Set<Long> boundaries = new HashSet<>();
            for (long boundary : archive.boundaries()) {
                boundaries.add(boundary);
            }
            for (Map.Entry<Long, Path> stop : stops.headMap(live.sequence(), true).entrySet()) {
                long at = stop.getKey();
                replayInto(replay, checkedUpTo + 1, at);
                checkedUpTo = at;
                if (boundaries.contains(at) || at == live.windowStart()) {
                    LedgerState.Sealed window = replay.seal();
                    String difference = window == null || !boundaries.contains(at) ? null : replay.differenceFromArchive(window, archive);
                    if (difference != null && divergence == null) {
                        divergence = difference;
                    }
                    replay.dropSealed();
                }
                if (stop.getValue() != null) {
                    String difference = compareSnapshot(stop.getValue(), replay);
                    if (difference != null && divergence == null) {
                        divergence = difference;
                    }
                    verified.add(stop.getValue().getFileName().toString());
                }
            }
            replayInto(replay, checkedUpTo + 1, live.sequence());
        } catch (IOException | RuntimeException e) {
            // A journal that cannot be replayed (damaged, or events the state machine refuses) is
            // the audit's finding, not its failure.
            divergence = divergence != null ? divergence
                    : "the journal does not replay past sequence " + replay.sequence() + ": " + e.getMessage();
        }
        LedgerState.Frozen replayed = replay.freeze();
        if (divergence == null) {
            String difference = live.firstDifference(replayed);
            if (difference != null) {
                divergence = "live state differs from the replay: " + difference;
            }
        }
        Map<String, Long> sums = sums(replayed);
        for (Map.Entry<String, Long> sum : sums.entrySet()) {
            if (sum.getValue() != 0 && divergence == null) {
                divergence = "the " + sum.getKey() + " balances of the replay sum to " + sum.getValue() + ", not 0";
            }
        }
        return new AuditReport(live.sequence(), replayed.sequence(), List.copyOf(verified), sums,
                Optional.ofNullable(divergence), (System.nanoTime() - started) / 1_000_000);
    }

    private void replayInto(LedgerState state, long from, long to) throws IOException {
        JournalScan.scan(segments, from, to, (sequence, event) -> state.apply(event));
    }

    /** The difference between a snapshot file and the replay at its sequence, in words, or {@code null}. */
    private String compareSnapshot(Path snapshot, LedgerState replay) {
        String name = snapshot.getFileName().toString();
        try {
            String difference = snapshots.load(snapshot).freeze().firstDifference(replay.freeze());
            return difference == null ? null
                    : "snapshot " + name + " differs from the replay at sequence " + replay.sequence() + ": " + difference;
        } catch (IOException | RuntimeException e) {
            return "snapshot " + name + " cannot be read: " + e.getMessage();
        }
    }

    private static Map<String, Long> sums(LedgerState.Frozen frozen) {
        Map<String, Long> sums = new TreeMap<>();
        for (int i = 0; i < frozen.accountCount(); i++) {
            sums.merge(frozen.currencies().get(frozen.accountCurrencies()[i]).getCurrencyCode(), frozen.balances()[i],
                    Math::addExact);
        }
        return sums;
    }

    @Override
    public long snapshot() {
        record Sealing(long sequence, Future<Path> written) {
        }
        // Sealed after the commit of everything before it, so that the window holds durable ids
        // only, and handed to the snapshot thread by the writer, so that windows reach the
        // archive in the order they were sealed.
        Sealing sealing = await(submit(new Request.Query<>(s -> {
            lastSnapshotSequence = s.sequence();
            LedgerState.Sealed window = s.seal();
            LedgerState.Frozen frozen = s.freeze();
            return new Sealing(frozen.sequence(), snapshotter.submit(() -> archiveAndSnapshot(window, frozen)));
        }, true)).future);
        try {
            if (sealing.written().get(WAIT_FOR_ANSWER_SECONDS, TimeUnit.SECONDS) == null) {
                throw new WalletUnavailableException("the snapshot was not written: ids decided before it could not all be"
                        + " archived (see the log); the journal holds every event");
            }
            // The history projection checkpoints at the snapshot too, so that the retention policy
            // can archive every segment the snapshot covers.
            if (projector != null && projector.awaitPosition(sealing.sequence(), WAIT_FOR_ANSWER_SECONDS * 1000)) {
                history.checkpoint();
                snapshotter.submit(() -> {
                    archiveSegments();
                    return null;
                }).get(WAIT_FOR_ANSWER_SECONDS, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new WalletUnavailableException("the history projection's checkpoint could not be written", e);
        } catch (ExecutionException e) {
            throw new WalletUnavailableException("the snapshot could not be written", e.getCause());
        } catch (TimeoutException e) {
            throw new WalletUnavailableException("the snapshot took longer than " + WAIT_FOR_ANSWER_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while writing a snapshot", e);
        }
        return sealing.sequence();
    }

    /** Where the journal is durable up to (for tests that simulate losing what was not forced). */
    Journal.DurableMark durableMark() {
        return journal.durableMark();
    }

    @Override
    public RecoveryReport recovery() {
        return recovery;
    }

    @Override
    public double idIndexBytesPerId() {
        return await(submit(new Request.Query<>(LedgerState::idIndexBytesPerId)).future);
    }

    @Override
    public void close() {
        if (status == OPEN) {
            status = CLOSING;
            Request.Stop stop = new Request.Stop();
            boolean queued = false;
            try {
                // The writer keeps draining, so room appears; wait for it as long as the writer lives.
                while (!queued && writer.isAlive()) {
                    queued = queue.offer(stop, 100, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (queued) {
                try {
                    stop.future.get(WAIT_FOR_ANSWER_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    LOG.warn("closing {} did not finish cleanly", config.directory, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        joinWriter();
    }

    private void joinWriter() {
        try {
            writer.join(TimeUnit.SECONDS.toMillis(WAIT_FOR_ANSWER_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Journal.Opened journal, HistoryProjection history) {
        for (AutoCloseable open : new AutoCloseable[] {journal == null ? null : journal.journal()::abandon, history}) {
            if (open != null) {
                try {
                    open.close();
                } catch (Exception e) {
                    LOG.warn("closing {} after a failed open failed", open, e);
                }
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("closing {} failed", channel, e);
            }
        }
    }
}
