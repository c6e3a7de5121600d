package dev.wallet.api;

import java.util.Objects;

/**
 * Money leaves a customer account to the funding account of its currency.
 *
 * @param transactionId the idempotency key
 * @param account       the customer account debited
 * @param amount        positive, at most {@link Money#MAX_AMOUNT_MINOR}
 */
public record Withdrawal(TransactionId transactionId, AccountId account, Money amount) implements MoneyCommand {

    public Withdrawal {
        Objects.requireNonNull(transactionId, "transactionId");
        Commands.requireCustomer("account", account);
        Objects.requireNonNull(amount, "amount").requireValidAmount("amount");
    }

    @Override
    public AccountId debited() {
        return account;
    }

    @Override
    public AccountId credited() {
        return AccountId.funding(amount.currency());
    }
}
