package dev.wallet.api;

import java.util.Objects;

/**
 * The result of a money command, a value rather than an exception.
 *
 * @param transactionId the command's idempotency key
 * @param status        what the command did (or, for a replay, what its first execution did)
 * @param replay        {@code true} when this answers a repeat of an earlier command with the same
 *                      id and payload: the original status, and no money moved this time
 */
public record Outcome(TransactionId transactionId, Status status, boolean replay) {

    public Outcome {
        Objects.requireNonNull(transactionId, "transactionId");
        Objects.requireNonNull(status, "status");
        if (replay && status == Status.CONFLICT) {
            throw new IllegalArgumentException("a conflict is never a replay");
        }
    }

    /** A first execution's outcome. */
    public static Outcome of(TransactionId transactionId, Status status) {
        return new Outcome(transactionId, status, false);
    }

    /** The answer to a repeat of a command that ended with {@code status}. */
    public static Outcome replayOf(TransactionId transactionId, Status status) {
        return new Outcome(transactionId, status, true);
    }

    /** Whether the command's money moved (now or, for a replay, the first time). */
    public boolean isSuccess() {
        return status == Status.SUCCESS;
    }
}
