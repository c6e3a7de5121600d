package dev.wallet.api;

/**
 * The wallet reached a documented capacity limit (for example, the number of transaction ids it
 * can remember) and refused the command without changing anything. Not retryable as such: the
 * limit, and how to raise it, is in the message.
 */
public final class WalletCapacityException extends WalletException {

    public WalletCapacityException(String message) {
        super(message);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
