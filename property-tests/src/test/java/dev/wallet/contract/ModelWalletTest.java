package dev.wallet.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.util.Currency;
import org.junit.jupiter.api.Test;

/** The oracle itself, on the documented rules, so that the contract does not compare against a wrong model. */
class ModelWalletTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final Currency JPY = Currency.getInstance("JPY");
    private static final AccountId A = AccountId.of("a");
    private static final AccountId B = AccountId.of("b");

    @Test
    void rulesApplyInTheDocumentedOrder() {
        ModelWallet model = new ModelWallet();
        model.openAccount(A, USD);
        model.openAccount(B, JPY);
        assertEquals(Status.SAME_ACCOUNT, execute(model, new Transfer(id(), AccountId.of("x"), AccountId.of("x"), usd(1))));
        assertEquals(Status.UNKNOWN_ACCOUNT, execute(model, new Transfer(id(), A, AccountId.of("x"), usd(1))));
        assertEquals(Status.CURRENCY_MISMATCH, execute(model, new Transfer(id(), A, B, usd(1))));
        assertEquals(Status.INSUFFICIENT_FUNDS, execute(model, new Withdrawal(id(), A, usd(1))));
        assertEquals(Status.SUCCESS, execute(model, new Deposit(id(), A, usd(5))));
        assertEquals(-5, model.balance(AccountId.funding(USD)));
        assertEquals(5, model.balance(A));
    }

    @Test
    void outcomesArePinnedToTheirIdsAndOtherPayloadsConflict() {
        ModelWallet model = new ModelWallet();
        model.openAccount(A, USD);
        Withdrawal overdraft = new Withdrawal(id(), A, usd(10));
        assertEquals(Outcome.of(overdraft.transactionId(), Status.INSUFFICIENT_FUNDS), model.execute(overdraft));
        model.execute(new Deposit(id(), A, usd(100)));
        assertEquals(Outcome.replayOf(overdraft.transactionId(), Status.INSUFFICIENT_FUNDS), model.execute(overdraft));
        Withdrawal other = new Withdrawal(overdraft.transactionId(), A, usd(11));
        assertEquals(Outcome.of(overdraft.transactionId(), Status.CONFLICT), model.execute(other));
        assertEquals(100, model.balance(A));
    }

    @Test
    void depositsStopAtTheOutstandingLimit() {
        ModelWallet model = new ModelWallet();
        model.openAccount(A, JPY);
        for (int i = 0; i < 1000; i++) {
            assertEquals(Status.SUCCESS, execute(model, new Deposit(id(), A, Money.of(JPY, Money.MAX_AMOUNT_MINOR))));
        }
        assertEquals(Status.LIMIT_EXCEEDED, execute(model, new Deposit(id(), A, Money.of(JPY, 1))));
    }

    private static Status execute(ModelWallet model, dev.wallet.api.MoneyCommand command) {
        return model.execute(command).status();
    }

    private static TransactionId id() {
        return TransactionId.random();
    }

    private static Money usd(long minor) {
        return Money.of(USD, minor);
    }
}
