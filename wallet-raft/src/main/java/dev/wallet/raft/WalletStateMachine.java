package dev.wallet.raft;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import dev.wallet.eventsourcing.ReplicaLedger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wallet's pure state machine ({@link ReplicaLedger}) behind Raft: every replica applies the
 * same committed batches in log order and so holds the same balances and the same idempotency
 * index. The leader logs each client batch as a resolved entry (accounts named by number, see
 * {@link dev.wallet.eventsourcing.BatchCodec}); commands are decided with the single node's rules ({@code BatchApplier}
 * reads each entry's bytes and decides the common case without building objects, everything else
 * through the single node's command path); the events are applied and dropped, because the Raft log
 * of command batches is the replicated history.
 *
 * <p>Memory is bounded: the ledger keeps a window of recent transaction ids and seals it when full
 * (at the same entry on every replica); this state machine writes each sealed window, on its
 * snapshot thread, as an immutable generation of the id archive in {@code sm/ids}.
 *
 * <p>Snapshots use the single-node format ({@link ReplicaLedger.Image}, whose CRC32C covers every
 * byte: the balances and the id window), written atomically as {@code snapshot.<term>_<index>},
 * where Ratis looks for them; a snapshot is that file and the generations it relies on
 * ({@link FileListSnapshotInfo}), which is what Ratis ships to a replica whose log was purged
 * (its install replaces the whole {@code sm} directory). They are written by a thread of their own
 * while applying goes on, and only once the commands decided since the last one number half the
 * events it holds, or a window's worth, so that writing them costs a bounded share of the work
 * however large the state grows (repeated and refused commands count too: a log of them is still
 * purged); never while a sealed window is not yet archived. No
 * MD5 file is written beside them (an MD5 pass over gigabytes cost a fifth of the machine): Ratis
 * computes the digest while it ships one, and the replica that receives it checks it. This state
 * machine keeps the newest {@code snapshotsRetained} and removes the rest.
 *
 * <p>Ratis calls {@link #applyTransaction} and {@link #takeSnapshot} from one thread;
 * {@link #startTransaction} and queries come from others, so state is read and changed under one
 * lock.
 */
final class WalletStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(WalletStateMachine.class);
    /** A new snapshot once the commands decided since the last one reach 1/this of the events it holds. */
    private static final int GROWTH_DIVISOR = 2;

    private final int snapshotsRetained;
    private final long snapshotEveryEntries;
    private final int idWindow;
    private final long idFilterBytes;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Object lock = new Object();
    /** Guarded by {@code lock}; set when the newest snapshot is loaded, at start and after an install. */
    private ReplicaLedger state;
    private final ExecutorService snapshotWriter = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "wallet-snapshot-writer");
        thread.setDaemon(true);
        return thread;
    });
    /** The snapshot being written, if any; only the applying thread reads or sets it. */
    private Future<FileListSnapshotInfo> writing;
    /** Items (commands and opens) decided since this state machine started; guarded by {@code lock}. */
    private long itemsDecided;
    /** {@code itemsDecided} when the newest snapshot's state was frozen (or loaded); guarded by {@code lock}. */
    private long itemsAtSnapshot;
    /** The event sequence and {@code itemsDecided} of the snapshot being written; only the applying thread reads or sets them. */
    private long writingSequence;
    private long writingItems;
    /** The event sequence the newest snapshot holds (0 before the first). */
    private volatile long snapshotSequence;
    /** After a write failed, no new one before this log index; only the applying thread reads or sets it. */
    private long retryAfterIndex = -1;
    /**
     * The snapshot index {@link #takeSnapshot} last answered, and the applied index it answered it
     * at; only the applying thread reads or sets them.
     */
    private long answeredSnapshot = RaftLog.INVALID_LOG_INDEX;
    private long answeredAt;
    /** The newest snapshot completely on disk (loaded, installed or written); null before the first. */
    private volatile FileListSnapshotInfo latestSnapshot;
    private volatile boolean closing;
    /** Held by the snapshot thread while it writes into the state machine's directory. */
    private final Object writeLock = new Object();
    /** Set by {@link #pause} before an install replaces the directory, cleared once the new ledger is loaded. */
    private volatile boolean replacing;

    /**
     * @param snapshotsRetained    snapshots kept on disk (at least 1)
     * @param snapshotEveryEntries the log entries Ratis lets pass between snapshots, and after a
     *                             failed write, before the next attempt
     */
    WalletStateMachine(ReplicaServer.ReplicaSettings settings) {
        if (settings.snapshotsRetained() < 1) {
            throw new IllegalArgumentException("snapshotsRetained must be at least 1: " + settings.snapshotsRetained());
        }
        this.snapshotsRetained = settings.snapshotsRetained();
        this.snapshotEveryEntries = settings.snapshotEveryEntries();
        this.idWindow = settings.idWindow();
        this.idFilterBytes = settings.idFilterBytes();
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        // Only at start: later (a reload after an install) a snapshot of this replica's may be being written.
        removeUnfinished();
        getLifeCycle().startAndTransition(this::loadNewestSnapshot);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /** Ratis asserts the state machine is PAUSED before it installs a snapshot; the base class never gets there. */
    @Override
    public void pause() {
        // Ratis replaces the state machine's directory next: the snapshot thread must not write a
        // file of the ledger being replaced into it. Waits for a write in progress to end.
        replacing = true;
        synchronized (writeLock) {
            if (getLifeCycle().compareAndTransition(LifeCycle.State.RUNNING, LifeCycle.State.PAUSING)) {
                getLifeCycle().transition(LifeCycle.State.PAUSED);
            }
        }
    }

    /** After a snapshot was installed (or on resume): load the newest snapshot and run again. */
    @Override
    public void reinitialize() throws IOException {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
            getLifeCycle().startAndTransition(this::loadNewestSnapshot);
        } else {
            loadNewestSnapshot();
        }
    }

    /**
     * The newest snapshot on disk, as this state machine recorded it. Ratis asks on every follower
     * append; the storage's own answer scans the directory while no snapshot exists yet, and a scan
     * that overlaps the first snapshot's registration fails inside Ratis (a NullPointerException
     * that fails the append), so the storage is asked only at start, on a reload, and when a write
     * finishes.
     */
    @Override
    public FileListSnapshotInfo getLatestSnapshot() {
        return latestSnapshot;
    }

    /**
     * Opens the ledger of the newest snapshot (an empty one before the first) with its id archive,
     * in the state machine's directory, where Ratis also puts a snapshot installed from the leader
     * (with the generation files it lists). The ledger an install replaces is dropped
     * without saving its filter: its directory was replaced.
     */
    private void loadNewestSnapshot() throws IOException {
        SingleFileSnapshotInfo newest = storage.loadLatestSnapshot();
        Path directory = stateMachineDirectory();
        Path file = newest == null ? null : newest.getFile().getPath();
        if (file != null) {
            // A snapshot installed from the leader was written by Ratis; make sure it is on disk before relying on it.
            forceAll(file, directory.resolve(ReplicaLedger.ARCHIVE_DIRECTORY));
        }
        ReplicaLedger loaded;
        try {
            loaded = ReplicaLedger.open(directory, file, idWindow, idFilterBytes);
        } catch (IOException | RuntimeException e) {
            throw new IOException("snapshot " + file + " is unreadable: " + e.getMessage(), e);
        }
        ReplicaLedger.Image image = loaded.freeze();
        synchronized (lock) {
            state = loaded;
            replacing = false;
            if (newest != null) {
                setLastAppliedTermIndex(newest.getTermIndex());
            }
            latestSnapshot = newest == null ? null : snapshotInfo(file, image, newest.getTermIndex());
            snapshotSequence = image.sequence();
            itemsAtSnapshot = itemsDecided;
        }
        LOG.debug("{} loaded snapshot {} (sequence {})", getId(), file, snapshotSequence);
        removeOldSnapshots();
    }

    /** The snapshot as Ratis ships it: the snapshot file, then the id generations it relies on. */
    private static FileListSnapshotInfo snapshotInfo(Path snapshot, ReplicaLedger.Image image, TermIndex at) {
        List<FileInfo> files = new ArrayList<>();
        files.add(new FileInfo(snapshot, null));
        image.archiveFiles().forEach(generation -> files.add(new FileInfo(generation, null)));
        return new FileListSnapshotInfo(files, at);
    }

    private Path stateMachineDirectory() {
        return storage.getSnapshotFile(0, 0).getParentFile().toPath();
    }

    /** Forces a snapshot file and the files of a directory (installed generations) to disk. */
    private static void forceAll(Path snapshot, Path generations) throws IOException {
        List<Path> files = new ArrayList<>(List.of(snapshot));
        if (Files.isDirectory(generations)) {
            try (Stream<Path> listed = Files.list(generations)) {
                listed.filter(Files::isRegularFile).forEach(files::add);
            }
            ReplicaLedger.forceDirectory(generations);
        }
        for (Path path : files) {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }

    /**
     * The leader's step before a client's batch enters the log: the batch is checked (a malformed
     * one is refused, never replicated) and logged as a resolved entry, its accounts named by
     * number as this replica's applied state knows them (see {@link BatchApplier#resolve}), so that
     * the log carries about half the bytes and no replica looks the ids up again.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteBuffer batch = request.getMessage().getContent().asReadOnlyByteBuffer();
        byte[] entry;
        try {
            synchronized (lock) {
                entry = state.resolve(batch);
            }
        } catch (RuntimeException e) {
            throw new IOException("refused a malformed batch: " + e.getMessage(), e);
        }
        return TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(UnsafeByteOperations.unsafeWrap(entry))
                .build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        ByteBuffer batch = entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer();
        if (!ReplicaLedger.knowsFormatOf(batch)) {
            // Written by a leader of a newer version: skipping it would leave this replica's state behind the others'.
            throw new IllegalStateException(getId() + " cannot apply log entry " + entry.getIndex() + ": batch format "
                    + batch.get(batch.position()) + " is unknown to this version; every replica must run the same version");
        }
        byte[] reply;
        synchronized (lock) {
            try {
                reply = state.apply(batch);
                itemsDecided += reply.length;
                for (ReplicaLedger.ArchiveWrite window : state.takeSealed()) {
                    ReplicaLedger owner = state;
                    snapshotWriter.submit(() -> archive(owner, window));
                }
            } catch (IllegalArgumentException e) {
                // Only a leader that skipped startTransaction could have logged it; every replica skips it alike.
                LOG.error("{} skips log entry {}: not a valid batch ({})", getId(), entry.getIndex(), e.getMessage());
                reply = new byte[0];
            }
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        ByteBuffer query = request.getContent().asReadOnlyByteBuffer();
        try {
            ByteBuffer answer;
            if (ReplicaLedger.asksForState(query)) {
                answer = report();
            } else {
                // Under the lock the applying thread holds for a whole entry: balances as of one applied index.
                synchronized (lock) {
                    answer = state.query(query);
                }
            }
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Where this replica is and a digest of its state, taken outside the lock from a frozen image. */
    ByteBuffer report() {
        ReplicaLedger.Image image;
        TermIndex applied;
        long idsInMemory;
        synchronized (lock) {
            image = state.freeze();
            applied = getLastAppliedTermIndex();
            idsInMemory = state.idsInMemory();
        }
        return ReplicaLedger.stateReport(applied == null ? 0 : applied.getIndex(), idsInMemory, image);
    }

    /**
     * Snapshots without holding up the applying thread: Ratis calls this on that thread once the
     * log has grown by the snapshot threshold, and again after every applied batch for as long as
     * the index returned stays that far behind. A call that finds the commands decided since the
     * last snapshot numbering half the events that snapshot holds freezes the state at the last
     * applied index (cheap: balances are copied, the append-only columns shared) and hands it to a
     * writer thread, which writes {@code snapshot.<term>_<index>} atomically; a later call finds
     * the write done, registers it and removes snapshots beyond the retained number. A call answers
     * at most the newest snapshot that is completely on disk ({@link #answer}), which is as far as
     * Ratis then purges the log: the log always covers what no finished snapshot holds. A failed
     * write is tried again after another {@code snapshotEveryEntries} entries, the log kept
     * meanwhile.
     */
    @Override
    public long takeSnapshot() throws IOException {
        if (writing != null && writing.isDone()) {
            collectWritten();
        } else if (writing == null) {
            ReplicaLedger.Image frozen = null;
            ReplicaLedger owner;
            TermIndex last;
            synchronized (lock) {
                last = getLastAppliedTermIndex();
                owner = state;
                FileListSnapshotInfo newest = latestSnapshot;
                long sequence = snapshotSequence;
                // Once the state is large, a snapshot every window's worth of commands: it holds the
                // balances and the window, so each costs about the same however long the history.
                if (last != null && last.getIndex() >= 0 && last.getIndex() >= retryAfterIndex
                        && (newest == null || newest.getIndex() < last.getIndex())
                        && itemsDecided - itemsAtSnapshot >= Math.max(1, Math.min(sequence / GROWTH_DIVISOR, idWindow))
                        && state.archivedUpToWindow()) {
                    frozen = state.freeze();
                    writingItems = itemsDecided;
                }
            }
            if (frozen != null) {
                ReplicaLedger.Image taken = frozen;
                writingSequence = taken.sequence();
                writing = snapshotWriter.submit(() -> write(owner, taken, last));
            }
        }
        return answer(latestSnapshot);
    }

    /**
     * What {@link #takeSnapshot} answers: the newest snapshot's index when it is new, and again
     * every {@code snapshotEveryEntries} applied entries (Ratis purges only closed log segments, so
     * a later answer purges those closed since); otherwise none. Ratis logs and purges on every
     * index answered, and while a snapshot waits for the state to grow it asks after every applied
     * batch.
     */
    private long answer(FileListSnapshotInfo newest) {
        TermIndex last = getLastAppliedTermIndex();
        long applied = last == null ? 0 : last.getIndex();
        if (newest == null
                || newest.getIndex() == answeredSnapshot && applied >= answeredAt && applied - answeredAt < snapshotEveryEntries) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        answeredSnapshot = newest.getIndex();
        answeredAt = applied;
        return answeredSnapshot;
    }

    private void collectWritten() throws IOException {
        Future<FileListSnapshotInfo> done = writing;
        writing = null;
        try {
            FileListSnapshotInfo written = done.get();
            FileListSnapshotInfo newest = latestSnapshot;
            if (newest != null && newest.getIndex() >= written.getIndex()) {
                // A snapshot installed from the leader while this one was written is newer: it stays the newest.
                return;
            }
            latestSnapshot = written;
            snapshotSequence = writingSequence;
            synchronized (lock) {
                itemsAtSnapshot = writingItems;
            }
            removeOldSnapshots();
        } catch (ExecutionException e) {
            TermIndex last = getLastAppliedTermIndex();
            long at = last == null ? 0 : last.getIndex();
            retryAfterIndex = at + Math.min(snapshotEveryEntries, Long.MAX_VALUE - at);
            LOG.error("{} could not write a snapshot; the log is kept and a new one will be tried after log index {}",
                    getId(), retryAfterIndex, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while collecting a snapshot", e);
        }
    }

    private FileListSnapshotInfo write(ReplicaLedger owner, ReplicaLedger.Image frozen, TermIndex last) throws IOException {
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        synchronized (writeLock) {
            if (replacedBy(owner)) {
                throw new IOException("an installed snapshot replaces this replica's state; snapshot " + file + " not written");
            }
            if (!file.exists()) {
                frozen.writeAtomically(file.toPath());
            }
        }
        LOG.debug("{} wrote snapshot {} (sequence {})", getId(), file, frozen.sequence());
        return snapshotInfo(file.toPath(), frozen, last);
    }

    /**
     * Writes a sealed window to the id archive, on the snapshot thread (so windows reach it in the
     * order they were sealed); retried every second while it fails, the window staying in memory
     * and no snapshot taken meanwhile (a snapshot must rely on files only). A window of a ledger
     * that an installed snapshot replaced is dropped.
     */
    private Void archive(ReplicaLedger owner, ReplicaLedger.ArchiveWrite window) throws InterruptedException {
        while (true) {
            synchronized (writeLock) {
                if (replacedBy(owner)) {
                    return null;
                }
                try {
                    window.write();
                    return null;
                } catch (IOException | RuntimeException e) {
                    if (closing) {
                        LOG.warn("{} closed before the id window through sequence {} was archived; the log holds its "
                                + "commands", getId(), window.lastSequence());
                        return null;
                    }
                    LOG.error("{} could not archive the id window through sequence {}; retrying in a second", getId(),
                            window.lastSequence(), e);
                }
            }
            Thread.sleep(1_000);
        }
    }

    /** Whether an installed snapshot replaces (or has replaced) {@code owner} and its directory. */
    private boolean replacedBy(ReplicaLedger owner) {
        if (replacing) {
            return true;
        }
        synchronized (lock) {
            return state != owner;
        }
    }


    /** Keeps the newest {@code snapshotsRetained} snapshots (and an MD5 file Ratis wrote for an installed one); removes the rest. */
    private void removeOldSnapshots() throws IOException {
        File directory = storage.getSnapshotFile(0, 0).getParentFile();
        List<File> snapshots;
        try (Stream<Path> files = Files.list(directory.toPath())) {
            snapshots = files.map(Path::toFile)
                    .filter(file -> SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(file.getName()).matches())
                    .sorted(Comparator.comparingLong((File file) ->
                            SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file).getIndex()).reversed())
                    .toList();
        }
        for (File old : snapshots.subList(Math.min(snapshotsRetained, snapshots.size()), snapshots.size())) {
            Files.deleteIfExists(old.toPath());
            Files.deleteIfExists(MD5FileUtil.getDigestFileForFile(old).toPath());
        }
    }

    /** Removes the temporary file of a snapshot whose write a crash cut short. */
    private void removeUnfinished() throws IOException {
        File directory = storage.getSnapshotFile(0, 0).getParentFile();
        if (directory != null && directory.isDirectory()) {
            ReplicaLedger.removeLeftovers(directory.toPath());
        }
    }

    /** Lets a snapshot being written finish (its file is renamed into place only once complete). */
    @Override
    public void close() throws IOException {
        closing = true;
        snapshotWriter.shutdown();
        try {
            if (!snapshotWriter.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("{} closed with a snapshot still being written; it stays a temporary file", getId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            if (state != null) {
                state.close();
            }
        }
        super.close();
    }
}
