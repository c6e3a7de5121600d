package dev.wallet.api;

/** The wallet instance was closed (or crashed) and takes no more calls; open a new one. */
public final class WalletClosedException extends WalletException {

    public WalletClosedException(String message) {
        super(message);
    }

    public WalletClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
