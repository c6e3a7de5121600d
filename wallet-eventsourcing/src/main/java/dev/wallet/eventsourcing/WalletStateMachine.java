package dev.wallet.eventsourcing;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.io.MD5Hash;
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
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wallet's pure state machine ({@link LedgerState}) behind Raft: every replica applies the
 * same committed batches in log order and so holds the same balances and the same idempotency
 * index. The leader logs each client batch as a resolved entry (accounts named by number, see
 * {@link BatchCodec}); commands are decided with the single node's rules ({@link BatchApplier}
 * reads each entry's bytes and decides the common case without building objects, everything else
 * through {@link LedgerState#process}); the events are applied and dropped, because the Raft log
 * of command batches is the replicated history.
 *
 * <p>Snapshots use the single-node format ({@link LedgerState.Frozen}), written atomically as
 * {@code snapshot.<term>_<index>} with an MD5 file beside it, where Ratis looks for them and from
 * where it ships them to a replica whose log was purged; they are written by a thread of their own
 * while applying goes on. Ratis calls {@link #applyTransaction} and {@link #takeSnapshot} from one
 * thread; {@link #startTransaction} and queries come from others, so state is read and changed
 * under one lock.
 */
final class WalletStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(WalletStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Object lock = new Object();
    private final BatchApplier applier = new BatchApplier();
    /** The leader's, for {@link #startTransaction}; used under {@code lock}, like {@code applier}. */
    private final BatchApplier resolver = new BatchApplier();
    private LedgerState state = new LedgerState();
    private final ExecutorService snapshotWriter = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "wallet-snapshot-writer");
        thread.setDaemon(true);
        return thread;
    });
    /** The snapshot being written, if any; only the applying thread reads or sets it. */
    private Future<SingleFileSnapshotInfo> writing;
    /** The newest snapshot completely on disk (loaded, installed or written); null before the first. */
    private volatile SingleFileSnapshotInfo latestSnapshot;

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        getLifeCycle().startAndTransition(this::loadNewestSnapshot);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /** Ratis asserts the state machine is PAUSED before it installs a snapshot; the base class never gets there. */
    @Override
    public void pause() {
        if (getLifeCycle().compareAndTransition(LifeCycle.State.RUNNING, LifeCycle.State.PAUSING)) {
            getLifeCycle().transition(LifeCycle.State.PAUSED);
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
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return latestSnapshot;
    }

    private void loadNewestSnapshot() throws IOException {
        SingleFileSnapshotInfo newest = storage.loadLatestSnapshot();
        if (newest == null) {
            latestSnapshot = null;
            return;
        }
        Path file = newest.getFile().getPath();
        // A snapshot installed from the leader was written by Ratis; make sure it is on disk before relying on it.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        }
        LedgerState loaded;
        try {
            loaded = SnapshotStore.read(file);
        } catch (IOException | RuntimeException e) {
            throw new IOException("snapshot " + file + " is unreadable: " + e.getMessage(), e);
        }
        synchronized (lock) {
            state = loaded;
            setLastAppliedTermIndex(newest.getTermIndex());
            latestSnapshot = newest;
        }
        LOG.debug("{} loaded snapshot {} (sequence {})", getId(), file, loaded.sequence());
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
                entry = resolver.resolve(state, batch);
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
        byte[] reply;
        synchronized (lock) {
            try {
                reply = applier.apply(state, batch);
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
            byte kind = query.get(query.position());
            ByteBuffer answer;
            if (kind == BatchCodec.QUERY_BALANCE) {
                var account = BatchCodec.decodeBalanceQuery(query);
                synchronized (lock) {
                    answer = BatchCodec.encodeBalance(state.balance(account));
                }
            } else if (kind == BatchCodec.QUERY_STATE) {
                answer = BatchCodec.encodeState(report());
            } else {
                throw new IllegalArgumentException("unknown query kind " + kind);
            }
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    BatchCodec.StateReport report() {
        LedgerState.Frozen frozen;
        TermIndex applied;
        synchronized (lock) {
            frozen = state.freeze();
            applied = getLastAppliedTermIndex();
        }
        return new BatchCodec.StateReport(applied == null ? 0 : applied.getIndex(), frozen.sequence(), frozen.digest());
    }

    /**
     * Snapshots without holding up the applying thread: Ratis calls this on that thread once the
     * log has grown by the snapshot threshold, and again after every applied batch for as long as
     * the index returned stays that far behind. The first call freezes the state at the last
     * applied index (cheap: balances are copied, the append-only columns shared) and hands it to a
     * writer thread, which writes {@code snapshot.<term>_<index>} atomically and its MD5 file beside
     * it; a later call finds the write done and registers it. Every call answers the newest
     * snapshot that is completely on disk, which is as far as Ratis then purges the log: the log
     * always covers what no finished snapshot holds.
     */
    @Override
    public long takeSnapshot() throws IOException {
        if (writing != null && writing.isDone()) {
            Future<SingleFileSnapshotInfo> done = writing;
            writing = null;
            try {
                latestSnapshot = storage.updateLatestSnapshot(done.get());
            } catch (ExecutionException e) {
                LOG.error("{} could not write a snapshot; the log is kept and a new one will be tried", getId(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while collecting a snapshot", e);
            }
        } else if (writing == null) {
            LedgerState.Frozen frozen;
            TermIndex last;
            synchronized (lock) {
                frozen = state.freeze();
                last = getLastAppliedTermIndex();
            }
            SingleFileSnapshotInfo newest = latestSnapshot;
            if (last != null && last.getIndex() >= 0 && (newest == null || newest.getIndex() < last.getIndex())) {
                writing = snapshotWriter.submit(() -> write(frozen, last));
            }
        }
        SingleFileSnapshotInfo newest = latestSnapshot;
        return newest == null ? RaftLog.INVALID_LOG_INDEX : newest.getIndex();
    }

    private SingleFileSnapshotInfo write(LedgerState.Frozen frozen, TermIndex last) throws IOException {
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        if (!file.exists()) {
            SnapshotStore.writeAtomically(frozen, file.toPath());
        }
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        LOG.debug("{} wrote snapshot {} (sequence {})", getId(), file, frozen.sequence());
        return new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last);
    }

    /** Lets a snapshot being written finish (its file is renamed into place only once complete). */
    @Override
    public void close() throws IOException {
        snapshotWriter.shutdown();
        try {
            if (!snapshotWriter.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("{} closed with a snapshot still being written; it stays a temporary file", getId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.close();
    }
}
