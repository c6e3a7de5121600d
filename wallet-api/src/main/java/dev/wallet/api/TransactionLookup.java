package dev.wallet.api;

import java.util.Objects;
import java.util.Optional;

/**
 * What a wallet has recorded for a transaction id, as {@link Wallet#lookup} answers it without
 * executing anything: the design's "pull" of a command's status.
 *
 * <ul>
 *   <li>{@link #isDecided() decided}: the command ran and its outcome is pinned to the id; a repeat
 *       of the same command would answer {@link #status()} as a replay. Failed outcomes are decided
 *       too ({@link Status#INSUFFICIENT_FUNDS}, ...); {@link Status#CONFLICT} never is, because a
 *       conflicting repeat records nothing.</li>
 *   <li>{@link #isInFlight() in flight}: the strategy has started the command and not decided it yet
 *       (a TC/C or Saga transaction between its phases, a two-phase commit between prepare and
 *       commit, a replicated batch not yet committed). Ask again later: it ends decided, or without
 *       a lookup when the attempt is undone as a whole and records nothing (a two-phase commit rolled
 *       back after a crash, an aborted TC/C or Saga attempt), so that a repeat of the id runs afresh.</li>
 * </ul>
 * An id the wallet never recorded has no lookup at all ({@link Wallet#lookup} answers empty).
 *
 * <p>Immutable and thread-safe.
 */
public final class TransactionLookup {

    private final TransactionId transactionId;
    private final Status status;

    private TransactionLookup(TransactionId transactionId, Status status) {
        this.transactionId = Objects.requireNonNull(transactionId, "transactionId");
        this.status = status;
    }

    /** An id whose command has started and is not decided yet. */
    public static TransactionLookup inFlight(TransactionId transactionId) {
        return new TransactionLookup(transactionId, null);
    }

    /**
     * An id whose command ended with {@code status}.
     *
     * @throws IllegalArgumentException for {@link Status#CONFLICT}, which is never recorded
     */
    public static TransactionLookup decided(TransactionId transactionId, Status status) {
        Objects.requireNonNull(status, "status");
        if (status == Status.CONFLICT) {
            throw new IllegalArgumentException("a conflict is never recorded under an id");
        }
        return new TransactionLookup(transactionId, status);
    }

    public TransactionId transactionId() {
        return transactionId;
    }

    /** Whether the command is decided; {@link #status()} then holds its outcome. */
    public boolean isDecided() {
        return status != null;
    }

    /** Whether the command has started and is not decided yet. */
    public boolean isInFlight() {
        return status == null;
    }

    /** The decided outcome; empty while in flight. */
    public Optional<Status> status() {
        return Optional.ofNullable(status);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TransactionLookup that && transactionId.equals(that.transactionId)
                && status == that.status;
    }

    @Override
    public int hashCode() {
        return 31 * transactionId.hashCode() + Objects.hashCode(status);
    }

    @Override
    public String toString() {
        return transactionId + (status == null ? " in flight" : " decided " + status);
    }
}
