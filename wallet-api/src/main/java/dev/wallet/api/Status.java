package dev.wallet.api;

/** What a money command did. Every status but {@link #CONFLICT} is pinned to its transaction id. */
public enum Status {
    /** The money moved. */
    SUCCESS(1),
    /** The debited customer account holds less than the amount. Nothing moved. */
    INSUFFICIENT_FUNDS(2),
    /** One of the two accounts was never opened. Nothing moved. */
    UNKNOWN_ACCOUNT(3),
    /** An account's currency differs from the amount's currency. Nothing moved. */
    CURRENCY_MISMATCH(4),
    /** A transfer from an account to itself. Nothing moved. */
    SAME_ACCOUNT(5),
    /**
     * A deposit would take the money outstanding in its currency (minus the funding account's
     * balance) over {@link dev.wallet.api.spi.LedgerRules#MAX_OUTSTANDING_MINOR}. Nothing moved.
     */
    LIMIT_EXCEEDED(6),
    /**
     * The transaction id was used before for a different command. Nothing moved and nothing was
     * recorded: the id stays bound to its first command.
     */
    CONFLICT(7),
    /**
     * An earlier attempt with this id was cut off by a crash in a strategy that is not atomic
     * under a crash; whether money moved, and how much of it, cannot be known. Only strategies
     * without {@link Guarantee#ATOMIC_UNDER_CRASH} answer this.
     */
    IN_DOUBT(8);

    private static final Status[] BY_CODE = new Status[9];

    static {
        for (Status status : values()) {
            if (BY_CODE[status.code] != null) {
                throw new ExceptionInInitializerError("two statuses share code " + status.code);
            }
            BY_CODE[status.code] = status;
        }
    }

    private final byte code;

    Status(int code) {
        this.code = (byte) code;
    }

    /**
     * A stable one-byte code for storage formats (journals, snapshots). Unlike the ordinal, it
     * never changes when statuses are added or reordered.
     */
    public byte code() {
        return code;
    }

    /**
     * The status with a {@link #code()}.
     *
     * @throws IllegalArgumentException for a code no status has
     */
    public static Status fromCode(byte code) {
        Status status = code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (status == null) {
            throw new IllegalArgumentException("no status has code " + code);
        }
        return status;
    }

    /** Whether this status moved money. */
    public boolean movedMoney() {
        return this == SUCCESS;
    }
}
