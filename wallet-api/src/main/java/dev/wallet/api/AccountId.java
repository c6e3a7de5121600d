package dev.wallet.api;

import java.util.Currency;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The id of a wallet account.
 *
 * <p>A <em>customer</em> account id is 1 to {@value #LENGTH_MAX} ASCII characters: letters,
 * digits and {@code . _ : @ -}, starting with a letter or digit. Ids are case-sensitive
 * ({@code alice} and {@code Alice} are two accounts).
 *
 * <p>Each currency also has one <em>funding</em> account, {@code #funding:USD} for USD, through
 * which money enters (deposit) and leaves (withdrawal). It exists implicitly, may go negative down
 * to {@code -}{@link dev.wallet.api.spi.LedgerRules#MAX_OUTSTANDING_MINOR}, and cannot be opened,
 * transferred from or to, or named by {@link #of(String)}. Because every movement of money is a
 * debit of one account and a credit of another, the sum of all balances of one currency, funding
 * account included, is always zero.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the id's text, in one of the two forms above
 */
public record AccountId(String value) {

    /** Longest customer account id. */
    public static final int LENGTH_MAX = 64;

    private static final String FUNDING_PREFIX = "#funding:";
    private static final Map<Currency, AccountId> FUNDING = new ConcurrentHashMap<>();

    public AccountId {
        Objects.requireNonNull(value, "value");
        if (value.startsWith(FUNDING_PREFIX)) {
            Currencies.parse("account", value.substring(FUNDING_PREFIX.length()));
        } else {
            checkCustomer("account", value);
        }
    }

    /**
     * A customer account id.
     *
     * @throws InvalidInputException naming the field {@code account} when the id is malformed or
     *                               uses the reserved funding form
     */
    public static AccountId of(String value) {
        return of("account", value);
    }

    /** As {@link #of(String)}, naming {@code field} in errors. */
    public static AccountId of(String field, String value) {
        checkCustomer(field, value);
        return new AccountId(value);
    }

    /** The funding account of a currency. */
    public static AccountId funding(Currency currency) {
        AccountId funding = FUNDING.get(currency);
        if (funding == null) {
            Currencies.requireSupported("currency", currency);
            funding = FUNDING.computeIfAbsent(currency, c -> new AccountId(FUNDING_PREFIX + c.getCurrencyCode()));
        }
        return funding;
    }

    /** Whether this is the funding account of a currency. */
    public boolean isFunding() {
        return value.startsWith(FUNDING_PREFIX);
    }

    /** The currency of a funding account; empty for a customer account. */
    public Optional<Currency> fundingCurrency() {
        return isFunding() ? Optional.of(Currency.getInstance(value.substring(FUNDING_PREFIX.length()))) : Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }

    private static void checkCustomer(String field, String value) {
        if (value == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (value.isBlank()) {
            throw new InvalidInputException(field, value, "must not be blank");
        }
        if (value.length() > LENGTH_MAX) {
            throw new InvalidInputException(field, value, "is longer than " + LENGTH_MAX + " characters");
        }
        if (value.startsWith(FUNDING_PREFIX)) {
            throw new InvalidInputException(field, value, "is a funding account, which only deposits and withdrawals use");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            boolean allowed = alphanumeric || (i > 0 && (c == '.' || c == '_' || c == ':' || c == '@' || c == '-'));
            if (!allowed) {
                throw new InvalidInputException(field, value, String.format(
                        "contains U+%04X at index %d; an account id is ASCII letters, digits and . _ : @ -, "
                                + "starting with a letter or digit", (int) c, i));
            }
        }
    }
}
