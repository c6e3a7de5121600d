package dev.wallet.eventsourcing;

import dev.wallet.api.Money;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The state a replica of a replicated wallet holds, for the module that replicates it
 * ({@code wallet-raft}): the single node's ledger state machine, fed with the batches of
 * {@link BatchCodec} instead of single commands. Applications use the replicated wallet, not this.
 *
 * <p>Memory is bounded as on the single node: the transaction ids decided most recently stay in an
 * in-memory window of at most {@code windowIds}; a full window is <em>sealed</em> right after the
 * entry that filled it, and written by the replica, off the applying thread, as an immutable
 * generation file of the id archive in {@code directory/ids} (see {@link #takeSealed}); an id
 * there keeps its exact outcome forever. Windows are sealed at the same entries on every replica
 * (the rule depends only on what was applied), so that replicas at the same log index hold the
 * same window and report the same digest wherever each one's writes stand. A snapshot holds the
 * balances and the window; the generations it relies on are its other files
 * ({@link Image#archiveFiles}).
 *
 * <p>Not thread-safe: a replica calls it under one lock, except {@link ArchiveWrite#write}.
 */
public final class ReplicaLedger implements AutoCloseable {

    /** The ids a window holds unless told otherwise: about 200 MB of heap per replica. */
    public static final int DEFAULT_WINDOW_IDS = 1 << 22;
    /** The subdirectory of a replica's directory that holds its id archive. */
    public static final String ARCHIVE_DIRECTORY = IdArchive.DIRECTORY;
    /** The id filter's size per replica unless told otherwise. */
    public static final long DEFAULT_FILTER_BYTES = 256L << 20;

    private final LedgerState state;
    private final IdArchive archive;
    private final int windowIds;
    private final BatchApplier applier = new BatchApplier();
    /** The leader's, for {@link #resolve}: separate scratch space, so that resolving never disturbs applying. */
    private final BatchApplier resolver = new BatchApplier();
    /** Windows sealed and not yet handed out by {@link #takeSealed}. */
    private final List<ArchiveWrite> sealedNotTaken = new ArrayList<>();

    private ReplicaLedger(LedgerState state, IdArchive archive, int windowIds) {
        this.state = state;
        this.archive = archive;
        this.windowIds = windowIds;
        state.attach(archive);
    }

    /**
     * The ledger of a snapshot written by {@link Image#writeAtomically} (or an empty one for a
     * null {@code snapshot}), with its id archive in {@code directory/ids}: generations newer than
     * the snapshot (written after it, before a stop) are removed, since applying the log from the
     * snapshot writes them again.
     *
     * @param windowIds   ids held in memory before a window is sealed; the same on every replica
     * @param filterBytes the id archive's filter size, as {@link IdFilter#checkedBytes} allows
     * @throws IOException when the snapshot is unreadable or relies on ids no generation holds
     */
    public static ReplicaLedger open(Path directory, Path snapshot, int windowIds, long filterBytes) throws IOException {
        Objects.requireNonNull(directory, "directory");
        checkWindowIds(windowIds);
        LedgerState state = snapshot == null ? new LedgerState() : SnapshotStore.read(snapshot);
        IdArchive.Opened opened = IdArchive.open(directory, state.windowStart(), IdFilter.checkedBytes(filterBytes));
        if (!opened.missing().isEmpty()) {
            long[] first = opened.missing().get(0);
            throw new IOException("snapshot " + snapshot + " relies on transaction ids that no generation in "
                    + directory.resolve(IdArchive.DIRECTORY) + " holds (sequences " + (first[0] + 1) + " to " + first[1] + ")");
        }
        return new ReplicaLedger(state, opened.archive(), windowIds);
    }

    /** The events a snapshot file holds. */
    public static long sequenceOf(Path snapshot) throws IOException {
        return SnapshotStore.read(Objects.requireNonNull(snapshot, "snapshot")).sequence();
    }

    /** Checks a window size: 1 to the largest window one generation file holds. */
    public static int checkWindowIds(int windowIds) {
        if (windowIds < 1 || windowIds > IdArchive.WINDOW_IDS_MAX) {
            throw new IllegalArgumentException("the id window must be between 1 and " + IdArchive.WINDOW_IDS_MAX + " ids: "
                    + windowIds);
        }
        return windowIds;
    }

    /** Checks an id filter size (see {@link #open}). */
    public static long checkFilterBytes(long filterBytes) {
        return IdFilter.checkedBytes(filterBytes);
    }

    /**
     * The leader's step before a client's batch enters the log: checks it and resolves its accounts
     * to numbers (see {@link BatchCodec}).
     *
     * @throws IllegalArgumentException for a malformed batch (it must not be logged)
     */
    public byte[] resolve(ByteBuffer batch) {
        return resolver.resolve(state, batch);
    }

    /** Whether this version can apply a log entry; one it cannot must stop the replica, not be skipped. */
    public static boolean knowsFormatOf(ByteBuffer entry) {
        byte version = entry.get(entry.position());
        return version == BatchCodec.VERSION || version == BatchCodec.VERSION_RESOLVED;
    }

    /**
     * Decides a logged entry's commands in order and applies them; the reply holds one outcome code
     * per item (see {@link BatchCodec}). Seals the window when the entry filled it.
     *
     * @throws IllegalArgumentException for an entry that is not a valid batch (nothing is applied)
     */
    public byte[] apply(ByteBuffer entry) {
        state.dropArchived();
        byte[] reply = applier.apply(state, entry);
        if (state.activeIds() >= windowIds || state.activeArchiveBytes() >= IdArchive.WINDOW_BYTES_MAX) {
            sealedNotTaken.add(new ArchiveWrite(state.seal(), archive));
        }
        return reply;
    }

    /**
     * The windows sealed since the last call, oldest first: the replica writes each, in this
     * order, off the applying thread; a window stays in memory (and is looked up there) until its
     * write succeeds.
     */
    public List<ArchiveWrite> takeSealed() {
        List<ArchiveWrite> taken = List.copyOf(sealedNotTaken);
        sealedNotTaken.clear();
        return taken;
    }

    /** Whether every sealed window is in the archive, so that a snapshot taken now relies on files only. */
    public boolean archivedUpToWindow() {
        state.dropArchived();
        return sealedNotTaken.isEmpty() && state.sealedWindows() == 0;
    }

    /** Ids held in memory: the window and the sealed windows not yet archived. */
    public long idsInMemory() {
        return state.idsInMemory();
    }

    /** Whether a query of {@link BatchCodec} asks for the replica's state ({@link #stateReport}), not for data. */
    public static boolean asksForState(ByteBuffer query) {
        return query.get(query.position()) == BatchCodec.QUERY_STATE;
    }

    /**
     * The answer to a state query: where the replica is ({@code appliedIndex}), the ids it holds in
     * memory, and its image's sequence and digest.
     */
    public static ByteBuffer stateReport(long appliedIndex, long idsInMemory, Image image) {
        return BatchCodec.encodeState(new BatchCodec.StateReport(appliedIndex, image.sequence(), idsInMemory, image.digest()));
    }

    /**
     * The answer to a query of {@link BatchCodec} for data: a balance, balances as of one moment,
     * or a lookup.
     *
     * @throws IllegalArgumentException for an unknown query
     */
    public ByteBuffer query(ByteBuffer query) {
        byte kind = query.get(query.position());
        if (kind == BatchCodec.QUERY_BALANCE) {
            return BatchCodec.encodeBalance(state.balance(BatchCodec.decodeBalanceQuery(query)));
        } else if (kind == BatchCodec.QUERY_LOOKUP) {
            return BatchCodec.encodeLookup(state.lookup(BatchCodec.decodeLookupQuery(query)));
        } else if (kind == BatchCodec.QUERY_BALANCES) {
            var accounts = BatchCodec.decodeBalancesQuery(query);
            List<Optional<Money>> balances = new ArrayList<>(accounts.size());
            accounts.forEach(account -> balances.add(state.balance(account)));
            return BatchCodec.encodeBalances(balances);
        }
        throw new IllegalArgumentException("unknown query kind " + kind);
    }

    /**
     * The state as of now, cheap to take (balances copied, the window's append-only columns
     * shared), to write or digest later, with the archive files it relies on.
     */
    public Image freeze() {
        LedgerState.Frozen frozen = state.freeze();
        return new Image(frozen, archive.files(frozen.windowStart()));
    }

    /** Saves the id filter, so that the next open does not rebuild it. */
    @Override
    public void close() throws IOException {
        archive.close();
    }

    /** Removes the temporary files of snapshots whose writes a crash cut short. */
    public static void removeLeftovers(Path directory) throws IOException {
        SnapshotStore.removeLeftovers(directory);
    }

    /** Forces a directory's entries (a rename, a new file) to disk. */
    public static void forceDirectory(Path directory) throws IOException {
        SnapshotStore.forceDirectory(directory);
    }

    /** A sealed window on its way to the archive. */
    public static final class ArchiveWrite {

        private final LedgerState.Sealed window;
        private final IdArchive archive;

        private ArchiveWrite(LedgerState.Sealed window, IdArchive archive) {
            this.window = window;
            this.archive = archive;
        }

        /** The last event sequence the window covers. */
        public long lastSequence() {
            return window.lastSequence();
        }

        /**
         * Writes the window as a generation file (atomically and durably); once it returns, the
         * ledger lets go of the window's memory. Called on one thread, in the order the windows
         * were sealed; may be called again after a failure.
         */
        public void write() throws IOException {
            archive.write(window);
            window.markArchived();
        }
    }

    /** A frozen state: its event sequence, its digest, its snapshot file and the archive files it relies on. */
    public static final class Image {

        private final LedgerState.Frozen frozen;
        private final List<Path> archiveFiles;

        private Image(LedgerState.Frozen frozen, List<Path> archiveFiles) {
            this.frozen = frozen;
            this.archiveFiles = List.copyOf(archiveFiles);
        }

        /** The events the state holds. */
        public long sequence() {
            return frozen.sequence();
        }

        /** SHA-256 over everything the state holds in its snapshot: equal digests mean identical states. */
        public byte[] digest() {
            return frozen.digest();
        }

        /** The id generation files a snapshot of this state relies on, oldest first (immutable files). */
        public List<Path> archiveFiles() {
            return archiveFiles;
        }

        /** Writes the snapshot to a temporary file, forces it, and renames it to {@code target}. */
        public void writeAtomically(Path target) throws IOException {
            SnapshotStore.writeAtomically(frozen, target);
        }
    }
}
