package dev.wallet.api;

import java.util.Currency;
import java.util.Objects;

/**
 * ISO 4217 currencies the wallet accepts: those with a defined number of minor-unit digits
 * (JPY 0, USD 2, KWD 3, ...). Codes without one (XXX, XAU, XDR, ...) are rejected, since an
 * amount in them cannot be stored as exact minor units.
 */
public final class Currencies {

    private Currencies() {
    }

    /**
     * Parses an ISO 4217 code: exactly three upper-case ASCII letters naming a known currency with
     * defined fraction digits.
     *
     * @param field the field name used in the error message
     * @throws InvalidInputException naming {@code field} when the code is missing, malformed,
     *                               unknown or has no defined fraction digits
     */
    public static Currency parse(String field, String code) {
        Objects.requireNonNull(field, "field");
        if (code == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (code.length() != 3 || !isUpperAsciiLetters(code)) {
            throw new InvalidInputException(field, code, "is not an ISO 4217 code (three upper-case letters)");
        }
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, code, "is not a known ISO 4217 currency");
        }
        requireSupported(field, currency);
        return currency;
    }

    /**
     * Checks that a currency has a defined number of fraction digits.
     *
     * @throws InvalidInputException naming {@code field} otherwise, or when it is missing
     */
    public static Currency requireSupported(String field, Currency currency) {
        if (currency == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (currency.getDefaultFractionDigits() < 0) {
            throw new InvalidInputException(field, currency.getCurrencyCode(),
                    "has no defined number of fraction digits, so amounts in it cannot be exact");
        }
        return currency;
    }

    /** Number of digits after the decimal point for a supported currency (JPY 0, USD 2, KWD 3). */
    public static int fractionDigits(Currency currency) {
        return requireSupported("currency", currency).getDefaultFractionDigits();
    }

    private static boolean isUpperAsciiLetters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 'A' || c > 'Z') {
                return false;
            }
        }
        return true;
    }
}
