package dev.wallet.api;

import java.util.Objects;

/**
 * Money enters a customer account from the funding account of its currency.
 *
 * @param transactionId the idempotency key
 * @param account       the customer account credited
 * @param amount        positive, at most {@link Money#MAX_AMOUNT_MINOR}
 */
public record Deposit(TransactionId transactionId, AccountId account, Money amount) implements MoneyCommand {

    public Deposit {
        Objects.requireNonNull(transactionId, "transactionId");
        Commands.requireCustomer("account", account);
        Objects.requireNonNull(amount, "amount").requireValidAmount("amount");
    }

    @Override
    public AccountId debited() {
        return AccountId.funding(amount.currency());
    }

    @Override
    public AccountId credited() {
        return account;
    }
}
