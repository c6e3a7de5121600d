package dev.wallet.api;

/**
 * The wallet could not make these commands durable: its storage refused the write or the force
 * (a full disk, an I/O error). Nothing of them was kept, and nothing acknowledged before was lost;
 * the wallet stays open and takes commands again once the storage has room. Retry with the
 * <em>same</em> transaction ids.
 */
public class WalletStorageException extends WalletUnavailableException {

    public WalletStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
