package dev.wallet.api;

/** What a money command did. Every status but {@link #CONFLICT} is pinned to its transaction id. */
public enum Status {
    /** The money moved. */
    SUCCESS,
    /** The debited customer account holds less than the amount. Nothing moved. */
    INSUFFICIENT_FUNDS,
    /** One of the two accounts was never opened. Nothing moved. */
    UNKNOWN_ACCOUNT,
    /** An account's currency differs from the amount's currency. Nothing moved. */
    CURRENCY_MISMATCH,
    /** A transfer from an account to itself. Nothing moved. */
    SAME_ACCOUNT,
    /**
     * A deposit would take the money outstanding in its currency (minus the funding account's
     * balance) over {@link dev.wallet.api.spi.LedgerRules#MAX_OUTSTANDING_MINOR}. Nothing moved.
     */
    LIMIT_EXCEEDED,
    /**
     * The transaction id was used before for a different command. Nothing moved and nothing was
     * recorded: the id stays bound to its first command.
     */
    CONFLICT,
    /**
     * An earlier attempt with this id was cut off by a crash in a strategy that is not atomic
     * under a crash; whether money moved, and how much of it, cannot be known. Only strategies
     * without {@link Guarantee#ATOMIC_UNDER_CRASH} answer this.
     */
    IN_DOUBT;

    /** Whether this status moved money. */
    public boolean movedMoney() {
        return this == SUCCESS;
    }
}
