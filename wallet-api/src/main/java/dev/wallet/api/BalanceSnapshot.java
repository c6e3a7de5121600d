package dev.wallet.api;

import java.util.Collection;
import java.util.Collections;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The balances of several accounts read together, as {@link Wallet#balances} answers them, and the
 * money that was in flight between accounts at that moment (debited from one account and not yet
 * credited to another, as a TC/C or Saga transfer between its phases holds it).
 *
 * <p>Where the strategy promises {@link Guarantee#CONSISTENT_READS}, a snapshot shows every account
 * as of one point in the order of commands: per currency, the balances of all accounts (funding
 * accounts included) plus the money in flight sum to zero in every snapshot that covers them all.
 *
 * <p>Immutable and thread-safe.
 *
 * @param balances the balance of each requested account that exists, in request order; accounts
 *                 never opened are absent
 * @param inFlight per currency, the money debited and not yet credited (never negative); absent
 *                 currencies hold none
 */
public record BalanceSnapshot(Map<AccountId, Money> balances, Map<Currency, Money> inFlight) {

    public BalanceSnapshot {
        Objects.requireNonNull(balances, "balances");
        Objects.requireNonNull(inFlight, "inFlight");
        balances = Collections.unmodifiableMap(new LinkedHashMap<>(balances));
        Map<Currency, Money> copy = new TreeMap<>((a, b) -> a.getCurrencyCode().compareTo(b.getCurrencyCode()));
        inFlight.forEach((currency, money) -> {
            Objects.requireNonNull(money, "inFlight money");
            if (!money.currency().equals(currency) || money.minor() < 0) {
                throw new IllegalArgumentException("money in flight must be non-negative and in its key's currency: "
                        + currency + " -> " + money);
            }
            if (money.minor() > 0) {
                copy.put(currency, money);
            }
        });
        inFlight = Collections.unmodifiableMap(copy);
    }

    /** Most accounts one {@link Wallet#balances} read may name: a strategy holds them all at once. */
    public static final int ACCOUNTS_MAX = 10_000;

    /**
     * The accounts a {@link Wallet#balances} read names, checked before anything is read:
     * duplicates dropped (the first kept, in order).
     *
     * @throws NullPointerException     for a null collection or account
     * @throws IllegalArgumentException for more than {@link #ACCOUNTS_MAX} distinct accounts
     */
    public static List<AccountId> requested(Collection<AccountId> accounts) {
        Objects.requireNonNull(accounts, "accounts");
        Set<AccountId> distinct = new LinkedHashSet<>();
        for (AccountId account : accounts) {
            distinct.add(Objects.requireNonNull(account, "an account to read"));
        }
        if (distinct.size() > ACCOUNTS_MAX) {
            throw new IllegalArgumentException("a read names at most " + ACCOUNTS_MAX + " accounts, not "
                    + distinct.size());
        }
        return List.copyOf(distinct);
    }

    /** A snapshot with nothing in flight. */
    public static BalanceSnapshot of(Map<AccountId, Money> balances) {
        return new BalanceSnapshot(balances, Map.of());
    }

    /** One account's balance in this snapshot; empty when it did not exist. */
    public Optional<Money> balance(AccountId account) {
        return Optional.ofNullable(balances.get(Objects.requireNonNull(account, "account")));
    }

    /** Per currency code, the sum of the balances read plus the money in flight. */
    public Map<String, Long> sumsByCurrency() {
        Map<String, Long> sums = new TreeMap<>();
        balances.values().forEach(money -> sums.merge(money.currency().getCurrencyCode(), money.minor(), Math::addExact));
        inFlight.values().forEach(money -> sums.merge(money.currency().getCurrencyCode(), money.minor(), Math::addExact));
        return sums;
    }
}
