package dev.wallet.api;

import java.util.Currency;
import java.util.Objects;

/**
 * An exact amount of one currency as a signed count of its minor units (cents for USD, yen for
 * JPY, fils for KWD). Never a floating-point number. Balances may be negative (the funding account
 * of a currency always is, once money entered); amounts of commands are strictly positive and at
 * most {@link #MAX_AMOUNT_MINOR}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param currency a currency with defined fraction digits (see {@link Currencies})
 * @param minor    the amount in minor units
 */
public record Money(Currency currency, long minor) {

    /**
     * The largest amount one command may move: 10^15 minor units (USD 10,000,000,000,000.00,
     * JPY 1,000,000,000,000,000, KWD 1,000,000,000,000.000).
     */
    public static final long MAX_AMOUNT_MINOR = 1_000_000_000_000_000L;

    /** Longest amount string {@link #parseAmount} looks at; anything longer is rejected unread. */
    public static final int AMOUNT_TEXT_LENGTH_MAX = 32;

    public Money {
        Currencies.requireSupported("currency", currency);
    }

    public static Money of(Currency currency, long minor) {
        return new Money(currency, minor);
    }

    /** Zero of a currency. */
    public static Money zero(Currency currency) {
        return new Money(currency, 0);
    }

    /**
     * Parses the {@code amount} string of a request: a plain ASCII decimal such as {@code "12"} or
     * {@code "12.34"}, with no sign, exponent, grouping separator, whitespace, leading zero (other
     * than a single {@code 0} before the point) or trailing point, with at most as many fraction
     * digits as the currency allows, strictly positive and at most {@link #MAX_AMOUNT_MINOR} minor
     * units.
     *
     * @throws InvalidInputException naming the field {@code amount} and the value
     */
    public static Money parseAmount(String text, Currency currency) {
        return parseAmount("amount", text, currency);
    }

    /** As {@link #parseAmount(String, Currency)}, naming {@code field} in errors. */
    public static Money parseAmount(String field, String text, Currency currency) {
        Objects.requireNonNull(field, "field");
        if (currency == null) {
            throw new InvalidInputException("currency", null, "is missing");
        }
        int digitsAllowed = Currencies.fractionDigits(currency);
        if (text == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (text.isBlank()) {
            throw new InvalidInputException(field, text, "is empty");
        }
        if (text.length() > AMOUNT_TEXT_LENGTH_MAX) {
            throw new InvalidInputException(field, text, "is longer than " + AMOUNT_TEXT_LENGTH_MAX + " characters");
        }
        int point = checkCharacters(field, text);
        String integerPart = point < 0 ? text : text.substring(0, point);
        String fractionPart = point < 0 ? "" : text.substring(point + 1);
        if (integerPart.isEmpty()) {
            throw new InvalidInputException(field, text, "needs a digit before the decimal point");
        }
        if (point >= 0 && fractionPart.isEmpty()) {
            throw new InvalidInputException(field, text, "needs a digit after the decimal point");
        }
        if (integerPart.length() > 1 && integerPart.charAt(0) == '0') {
            throw new InvalidInputException(field, text, "has a leading zero");
        }
        if (fractionPart.length() > digitsAllowed) {
            throw new InvalidInputException(field, text, "has " + fractionPart.length() + " fraction digits but "
                    + currency.getCurrencyCode() + " allows at most " + digitsAllowed);
        }
        long minor = toMinor(field, text, integerPart, fractionPart, digitsAllowed);
        if (minor == 0) {
            throw new InvalidInputException(field, text, "must be greater than zero");
        }
        return new Money(currency, minor);
    }

    /** Returns the index of the decimal point, or -1; rejects every character but ASCII digits and one point. */
    private static int checkCharacters(String field, String text) {
        int point = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                continue;
            }
            if (c == '.' && point < 0) {
                point = i;
                continue;
            }
            throw new InvalidInputException(field, text, describeBadCharacter(c, i));
        }
        return point;
    }

    private static String describeBadCharacter(char c, int index) {
        String what;
        if (c == '-' || c == '+') {
            what = "a sign";
        } else if (c == 'e' || c == 'E') {
            what = "an exponent";
        } else if (c == ',' || c == '_' || c == '\'' || c == ' ' || c == '\u00a0') {
            what = "a grouping separator or space";
        } else if (c == '.') {
            what = "a second decimal point";
        } else if (Character.isDigit(c)) {
            what = "a non-ASCII digit";
        } else {
            what = "a character that is not an ASCII digit or '.'";
        }
        return String.format("contains %s (U+%04X) at index %d; only plain ASCII decimals like 12.34 are accepted",
                what, (int) c, index);
    }

    private static long toMinor(String field, String text, String integerPart, String fractionPart, int digitsAllowed) {
        // An integer part of more than 18 digits is over the maximum whatever the currency (the
        // maximum has 16); checking the length first keeps Long.parseLong and the arithmetic
        // below free of overflow.
        if (integerPart.length() > 18) {
            throw overMaximum(field, text);
        }
        long value = Long.parseLong(integerPart);
        long scale = 1;
        for (int i = 0; i < digitsAllowed; i++) {
            scale *= 10;
        }
        if (value > MAX_AMOUNT_MINOR / scale) {
            throw overMaximum(field, text);
        }
        long fraction = fractionPart.isEmpty() ? 0 : Long.parseLong(fractionPart);
        for (int i = fractionPart.length(); i < digitsAllowed; i++) {
            fraction *= 10;
        }
        long minor = value * scale + fraction;
        if (minor > MAX_AMOUNT_MINOR) {
            throw overMaximum(field, text);
        }
        return minor;
    }

    private static InvalidInputException overMaximum(String field, String text) {
        return new InvalidInputException(field, text, "is over the maximum of " + MAX_AMOUNT_MINOR + " minor units");
    }

    /** Whether this is a valid amount for a command: positive and at most {@link #MAX_AMOUNT_MINOR}. */
    public boolean isValidAmount() {
        return minor > 0 && minor <= MAX_AMOUNT_MINOR;
    }

    /**
     * Checks that this is a valid amount for a command.
     *
     * @throws InvalidInputException naming {@code field} otherwise
     */
    public Money requireValidAmount(String field) {
        if (minor <= 0) {
            throw new InvalidInputException(field, toPlainString(), "must be greater than zero");
        }
        if (minor > MAX_AMOUNT_MINOR) {
            throw overMaximum(field, toPlainString());
        }
        return this;
    }

    /** The amount as a plain decimal with exactly the currency's fraction digits: {@code "-12.30"}. */
    public String toPlainString() {
        int digits = currency.getDefaultFractionDigits();
        if (digits == 0) {
            return Long.toString(minor);
        }
        String magnitude = minor == Long.MIN_VALUE ? Long.toString(minor).substring(1) : Long.toString(Math.abs(minor));
        StringBuilder text = new StringBuilder(magnitude);
        while (text.length() <= digits) {
            text.insert(0, '0');
        }
        text.insert(text.length() - digits, '.');
        if (minor < 0) {
            text.insert(0, '-');
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return currency.getCurrencyCode() + " " + toPlainString();
    }
}
