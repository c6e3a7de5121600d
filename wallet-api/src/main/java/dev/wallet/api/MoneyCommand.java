package dev.wallet.api;

/**
 * A command that moves money: it debits one account and credits another by the same amount, so
 * the sum of all balances of a currency never changes. Its {@link #transactionId()} is the
 * idempotency key; two commands are "the same payload" exactly when they are {@code equals}.
 *
 * <p>Implementations are immutable records that reject invalid values at construction.
 */
public sealed interface MoneyCommand permits Transfer, Deposit, Withdrawal {

    /** The idempotency key. */
    TransactionId transactionId();

    /** The amount moved: positive, at most {@link Money#MAX_AMOUNT_MINOR}. */
    Money amount();

    /** The account the money leaves. */
    AccountId debited();

    /** The account the money enters. */
    AccountId credited();
}
