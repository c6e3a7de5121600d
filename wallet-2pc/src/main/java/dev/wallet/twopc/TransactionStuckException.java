package dev.wallet.twopc;

import dev.wallet.api.TransactionId;
import dev.wallet.api.WalletException;
import java.util.Objects;

/**
 * A TC/C or Saga transaction that recovery failed to finish too many times: part of it may have
 * taken effect (the money may be in flight), and no automatic pass touches it any more. Not
 * retryable: repeating the command cannot finish it. Repair the cause (the log names it), then
 * call {@link CompensatingWallet#recover()}, which drives stuck transactions too.
 */
public final class TransactionStuckException extends WalletException {

    private final TransactionId transactionId;

    TransactionStuckException(TransactionId transactionId, String phase, int failures) {
        super("transaction " + Objects.requireNonNull(transactionId, "transactionId") + " is stuck in phase " + phase
                + " after " + failures + " failed recovery passes; its money may be in flight: repair the cause, then "
                + "call recover()");
        this.transactionId = transactionId;
    }

    /** The stuck transaction. */
    public TransactionId transactionId() {
        return transactionId;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
