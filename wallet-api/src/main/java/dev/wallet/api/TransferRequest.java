package dev.wallet.api;

import java.util.Currency;

/**
 * A transfer exactly as the HTTP body of {@code POST /v1/wallet/balance_transfer} carries it: every
 * field a string, nothing validated yet. {@link #toTransfer()} validates it.
 *
 * @param fromAccount   {@code from_account}
 * @param toAccount     {@code to_account}
 * @param amount        {@code amount}, a decimal string such as {@code "12.34"}
 * @param currency      {@code currency}, an ISO 4217 code
 * @param transactionId {@code transaction_id}, a UUID
 */
public record TransferRequest(String fromAccount, String toAccount, String amount, String currency,
                              String transactionId) {

    /**
     * Validates every field, in the order {@code transaction_id}, {@code from_account},
     * {@code to_account}, {@code currency}, {@code amount}.
     *
     * @throws InvalidInputException naming the first malformed field and its value
     */
    public Transfer toTransfer() {
        TransactionId id = TransactionId.parse("transaction_id", transactionId);
        AccountId source = AccountId.of("from_account", fromAccount);
        AccountId target = AccountId.of("to_account", toAccount);
        Currency parsedCurrency = Currencies.parse("currency", currency);
        Money money = Money.parseAmount("amount", amount, parsedCurrency);
        return new Transfer(id, source, target, money);
    }
}
