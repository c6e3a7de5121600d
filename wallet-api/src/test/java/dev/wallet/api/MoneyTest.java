package dev.wallet.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Currency;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final Currency JPY = Currency.getInstance("JPY");
    private static final Currency KWD = Currency.getInstance("KWD");

    @ParameterizedTest
    @CsvSource({
            "1, USD, 100",
            "0.01, USD, 1",
            "12.3, USD, 1230",
            "12.34, USD, 1234",
            "0.5, USD, 50",
            "7, JPY, 7",
            "1.234, KWD, 1234",
            "10000000000000.00, USD, 1000000000000000",
            "1000000000000000, JPY, 1000000000000000",
    })
    void parseAmount_acceptsPlainDecimals(String text, String code, long minor) {
        assertEquals(Money.of(Currency.getInstance(code), minor), Money.parseAmount(text, Currency.getInstance(code)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-1", "+1", "1e3", "1E3", "1,000", "1_000", "1 000", "1'000", ".5", "5.",
            "1.2.3", "01", "00.5", "0", "0.00", "1.234", "١٢", "１", "12a", "0x10", "NaN", "Infinity", " 1", "1 ",
            "10000000000000.01", "99999999999999999999999", "123456789012345678901234567890123",
            "9999999999999999999", "9999999999999999999.99", "9223372036854775808", "100000000000000000"})
    void parseAmount_rejectsMalformedUsdAmounts(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Money.parseAmount(text, USD));
        assertEquals("amount", e.field());
        assertEquals(text, e.rejectedValue());
        assertTrue(e.getMessage().startsWith("amount: "), e.getMessage());
    }

    @Test
    void parseAmount_rejectsMoreFractionDigitsThanTheCurrencyAllows() {
        InvalidInputException jpy = assertThrows(InvalidInputException.class, () -> Money.parseAmount("1.0", JPY));
        assertEquals("amount: \"1.0\" has 1 fraction digits but JPY allows at most 0", jpy.getMessage());
        assertThrows(InvalidInputException.class, () -> Money.parseAmount("1.2345", KWD));
        assertThrows(InvalidInputException.class, () -> Money.parseAmount("1.230", USD));
    }

    @Test
    void parseAmount_rejectsAMissingCurrencyAsBadInput() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Money.parseAmount("1", null));
        assertEquals("currency", e.field());
    }

    @Test
    void parseAmount_rejectsMissingValue() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Money.parseAmount(null, USD));
        assertEquals("amount: (missing) is missing", e.getMessage());
    }

    @Test
    void parseAmount_namesNonAsciiDigitsInTheMessage() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Money.parseAmount("1٢", USD));
        assertTrue(e.getMessage().contains("non-ASCII digit"), e.getMessage());
        assertTrue(e.getMessage().contains("\\u0662"), e.getMessage());
    }

    @Test
    void money_rejectsCurrenciesWithoutFractionDigits() {
        Currency xxx = Currency.getInstance("XXX");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Money.of(xxx, 1));
        assertEquals("currency", e.field());
        assertThrows(InvalidInputException.class, () -> Money.parseAmount("1", Currency.getInstance("XAU")));
    }

    @Test
    void toPlainString_printsExactlyTheCurrencyDigits() {
        assertEquals("0.05", Money.of(USD, 5).toPlainString());
        assertEquals("-12.30", Money.of(USD, -1230).toPlainString());
        assertEquals("7", Money.of(JPY, 7).toPlainString());
        assertEquals("0.001", Money.of(KWD, 1).toPlainString());
        assertEquals("USD 1.00", Money.of(USD, 100).toString());
        assertEquals("-92233720368547758.08", Money.of(USD, Long.MIN_VALUE).toPlainString());
    }

    @Test
    void requireValidAmount_rejectsZeroNegativeAndOverMaximum() {
        assertThrows(InvalidInputException.class, () -> Money.of(USD, 0).requireValidAmount("amount"));
        assertThrows(InvalidInputException.class, () -> Money.of(USD, -1).requireValidAmount("amount"));
        assertThrows(InvalidInputException.class,
                () -> Money.of(USD, Money.MAX_AMOUNT_MINOR + 1).requireValidAmount("amount"));
        assertEquals(Money.MAX_AMOUNT_MINOR, Money.of(USD, Money.MAX_AMOUNT_MINOR).requireValidAmount("amount").minor());
    }
}
