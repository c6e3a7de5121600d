package dev.wallet.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Currency;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccountIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "alice", "Alice-01", "user@example.com", "acct:42", "x.y_z", "9"})
    void of_acceptsDocumentedCharacters(String value) {
        assertEquals(value, AccountId.of(value).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "  alice", "al ice", "-alice", ".x", "älice", "a/b", "a#b", "#funding:USD",
            "a\nb", "x\u0000"})
    void of_rejectsMalformedIds(String value) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> AccountId.of("from_account", value));
        assertEquals("from_account", e.field());
        assertEquals(value, e.rejectedValue());
    }

    @Test
    void of_rejectsIdsLongerThanTheMaximum() {
        AccountId.of("a".repeat(AccountId.LENGTH_MAX));
        assertThrows(InvalidInputException.class, () -> AccountId.of("a".repeat(AccountId.LENGTH_MAX + 1)));
    }

    @Test
    void funding_isDistinctPerCurrencyAndNotACustomerId() {
        AccountId usd = AccountId.funding(Currency.getInstance("USD"));
        assertTrue(usd.isFunding());
        assertEquals(Optional.of(Currency.getInstance("USD")), usd.fundingCurrency());
        assertFalse(AccountId.of("USD").isFunding());
        assertEquals(usd, new AccountId("#funding:USD"));
        assertThrows(InvalidInputException.class, () -> new AccountId("#funding:XXX"));
        assertThrows(InvalidInputException.class, () -> new AccountId("#funding:usd"));
    }

    @Test
    void commands_refuseFundingAccounts() {
        Currency usd = Currency.getInstance("USD");
        AccountId funding = AccountId.funding(usd);
        AccountId alice = AccountId.of("alice");
        Money one = Money.of(usd, 100);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new Transfer(TransactionId.random(), funding, alice, one));
        assertEquals("from_account", e.field());
        assertThrows(InvalidInputException.class, () -> new Transfer(TransactionId.random(), alice, funding, one));
        assertThrows(InvalidInputException.class, () -> new Deposit(TransactionId.random(), funding, one));
        assertThrows(InvalidInputException.class, () -> new Withdrawal(TransactionId.random(), funding, one));
    }

    @Test
    void commands_refuseInvalidAmounts() {
        Currency usd = Currency.getInstance("USD");
        AccountId alice = AccountId.of("alice");
        AccountId bob = AccountId.of("bob");
        assertThrows(InvalidInputException.class, () -> new Transfer(TransactionId.random(), alice, bob, Money.of(usd, 0)));
        assertThrows(InvalidInputException.class, () -> new Deposit(TransactionId.random(), alice, Money.of(usd, -5)));
        assertThrows(InvalidInputException.class,
                () -> new Withdrawal(TransactionId.random(), alice, Money.of(usd, Money.MAX_AMOUNT_MINOR + 1)));
    }

    @Test
    void depositAndWithdrawal_moveMoneyThroughTheFundingAccount() {
        Currency jpy = Currency.getInstance("JPY");
        AccountId alice = AccountId.of("alice");
        Deposit deposit = new Deposit(TransactionId.random(), alice, Money.of(jpy, 5));
        assertEquals(AccountId.funding(jpy), deposit.debited());
        assertEquals(alice, deposit.credited());
        Withdrawal withdrawal = new Withdrawal(TransactionId.random(), alice, Money.of(jpy, 5));
        assertEquals(alice, withdrawal.debited());
        assertEquals(AccountId.funding(jpy), withdrawal.credited());
    }
}
