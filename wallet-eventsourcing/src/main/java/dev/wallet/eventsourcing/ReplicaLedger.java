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
 * <p>Not thread-safe: a replica calls it under one lock.
 */
public final class ReplicaLedger {

    private LedgerState state;
    private final BatchApplier applier = new BatchApplier();
    /** The leader's, for {@link #resolve}: separate scratch space, so that resolving never disturbs applying. */
    private final BatchApplier resolver = new BatchApplier();

    /** An empty ledger. */
    public ReplicaLedger() {
        this(new LedgerState());
    }

    private ReplicaLedger(LedgerState state) {
        this.state = state;
    }

    /** The ledger a snapshot written by {@link Image#writeAtomically} holds. */
    public static ReplicaLedger read(Path snapshot) throws IOException {
        return new ReplicaLedger(SnapshotStore.read(Objects.requireNonNull(snapshot, "snapshot")));
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
     * per item (see {@link BatchCodec}).
     *
     * @throws IllegalArgumentException for an entry that is not a valid batch (nothing is applied)
     */
    public byte[] apply(ByteBuffer entry) {
        return applier.apply(state, entry);
    }

    /** Whether a query of {@link BatchCodec} asks for the replica's state ({@link #stateReport}), not for data. */
    public static boolean asksForState(ByteBuffer query) {
        return query.get(query.position()) == BatchCodec.QUERY_STATE;
    }

    /** The answer to a state query: where the replica is ({@code appliedIndex}) and its image's sequence and digest. */
    public static ByteBuffer stateReport(long appliedIndex, Image image) {
        return BatchCodec.encodeState(new BatchCodec.StateReport(appliedIndex, image.sequence(), image.digest()));
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

    /** The state as of now, cheap to take (balances copied, the append-only columns shared), to write or digest later. */
    public Image freeze() {
        return new Image(state.freeze());
    }

    /** Removes the temporary files of snapshots whose writes a crash cut short. */
    public static void removeLeftovers(Path directory) throws IOException {
        SnapshotStore.removeLeftovers(directory);
    }

    /** Forces a directory's entries (a rename, a new file) to disk. */
    public static void forceDirectory(Path directory) throws IOException {
        SnapshotStore.forceDirectory(directory);
    }

    /** A frozen state: its event sequence, its digest, and its snapshot file. */
    public static final class Image {

        private final LedgerState.Frozen frozen;

        private Image(LedgerState.Frozen frozen) {
            this.frozen = frozen;
        }

        /** The events the state holds. */
        public long sequence() {
            return frozen.sequence();
        }

        /** SHA-256 over everything the state holds: equal digests mean identical states. */
        public byte[] digest() {
            return frozen.digest();
        }

        /** Writes the snapshot to a temporary file, forces it, and renames it to {@code target}. */
        public void writeAtomically(Path target) throws IOException {
            SnapshotStore.writeAtomically(frozen, target);
        }
    }
}
