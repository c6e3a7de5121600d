package dev.wallet.api;

import java.util.Currency;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

class MoneyProperties {

    @Property
    boolean plainStringOfAValidAmountParsesBack(@ForAll("currencies") Currency currency,
                                                @ForAll @LongRange(min = 1, max = Money.MAX_AMOUNT_MINOR) long minor) {
        Money money = Money.of(currency, minor);
        return Money.parseAmount(money.toPlainString(), currency).equals(money);
    }

    @Property
    boolean parsedAmountsAreAlwaysValid(@ForAll("decimals") String text, @ForAll("currencies") Currency currency) {
        try {
            return Money.parseAmount(text, currency).isValidAmount();
        } catch (InvalidInputException e) {
            return e.field().equals("amount") && text.equals(e.rejectedValue());
        }
    }

    @Provide
    Arbitrary<Currency> currencies() {
        return Arbitraries.of("USD", "JPY", "KWD", "EUR", "BHD", "CLF").map(Currency::getInstance);
    }

    @Provide
    Arbitrary<String> decimals() {
        return Arbitraries.strings().withChars("0123456789.-+eE, ").ofMinLength(0).ofMaxLength(24);
    }
}
