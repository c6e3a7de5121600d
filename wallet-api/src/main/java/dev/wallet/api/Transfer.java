package dev.wallet.api;

import java.util.Objects;

/**
 * Moves {@code amount} from the customer account {@code source} to the customer account
 * {@code target}. A transfer whose source equals its target is a valid command whose outcome is
 * {@link Status#SAME_ACCOUNT}.
 *
 * @param transactionId the idempotency key
 * @param source        the customer account debited
 * @param target        the customer account credited
 * @param amount        positive, at most {@link Money#MAX_AMOUNT_MINOR}
 */
public record Transfer(TransactionId transactionId, AccountId source, AccountId target, Money amount)
        implements MoneyCommand {

    public Transfer {
        Objects.requireNonNull(transactionId, "transactionId");
        Commands.requireCustomer("from_account", source);
        Commands.requireCustomer("to_account", target);
        Objects.requireNonNull(amount, "amount").requireValidAmount("amount");
    }

    @Override
    public AccountId debited() {
        return source;
    }

    @Override
    public AccountId credited() {
        return target;
    }
}
