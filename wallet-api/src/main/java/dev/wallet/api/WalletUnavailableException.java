package dev.wallet.api;

/**
 * The wallet could not complete a call now (a lock wait timed out, a replica group has no quorum,
 * a database is unreachable). It is always retryable with the <em>same</em> transaction id: the
 * retry either returns the original outcome (if the first attempt took effect after all) or
 * executes the command once.
 */
public class WalletUnavailableException extends WalletException {

    public WalletUnavailableException(String message) {
        super(message);
    }

    public WalletUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
