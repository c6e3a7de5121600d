package dev.wallet.api;

/**
 * Base of every exception the library throws for a reason a caller can act on.
 *
 * <p>Expected business failures (insufficient funds, unknown account, ...) are never exceptions:
 * they are {@link Status} values inside an {@link Outcome}. Exceptions are for malformed input,
 * for infrastructure that could not complete a call, and for misuse (a closed wallet).
 */
public abstract class WalletException extends RuntimeException {

    protected WalletException(String message) {
        super(message);
    }

    protected WalletException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether repeating the same call may succeed. Repeating a money command with the
     * <em>same</em> transaction id is always safe: it either returns the original outcome or
     * executes the command exactly once.
     */
    public abstract boolean isRetryable();
}
