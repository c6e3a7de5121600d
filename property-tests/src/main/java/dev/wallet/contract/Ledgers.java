package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Money;
import dev.wallet.api.Wallet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** Whole-ledger reads over a known set of accounts, as Jepsen's bank test makes them. */
final class Ledgers {

    private Ledgers() {
    }

    /** Each account's balance, empty for an account never opened; in the order given. */
    static Map<AccountId, Optional<Money>> snapshot(Wallet wallet, Collection<AccountId> accounts) {
        Map<AccountId, Optional<Money>> snapshot = new LinkedHashMap<>();
        for (AccountId account : accounts) {
            snapshot.put(account, wallet.balance(account));
        }
        return snapshot;
    }

    static Map<AccountId, Optional<Money>> snapshot(ModelWallet model, Collection<AccountId> accounts) {
        Map<AccountId, Optional<Money>> snapshot = new LinkedHashMap<>();
        for (AccountId account : accounts) {
            snapshot.put(account, model.balanceOf(account));
        }
        return snapshot;
    }

    /** A {@link BalanceSnapshot}'s balances in the shape of {@link #snapshot}: every listed account, empty where absent. */
    static Map<AccountId, Optional<Money>> asSnapshot(BalanceSnapshot read, Collection<AccountId> accounts) {
        Map<AccountId, Optional<Money>> snapshot = new LinkedHashMap<>();
        for (AccountId account : accounts) {
            snapshot.put(account, read.balance(account));
        }
        return snapshot;
    }

    /** The sum of the balances of each currency (funding accounts included when listed). */
    static Map<String, Long> sums(Map<AccountId, Optional<Money>> snapshot) {
        Map<String, Long> sums = new TreeMap<>();
        snapshot.values().forEach(balance -> balance.ifPresent(
                money -> sums.merge(money.currency().getCurrencyCode(), money.minor(), Math::addExact)));
        return sums;
    }

    /** The accounts whose balances differ, as "account: expected -> actual" lines. */
    static String diff(Map<AccountId, Optional<Money>> expected, Map<AccountId, Optional<Money>> actual) {
        List<String> lines = new ArrayList<>();
        for (AccountId account : expected.keySet()) {
            if (!Objects.equals(expected.get(account), actual.get(account))) {
                lines.add(account + ": expected " + show(expected.get(account)) + " but was " + show(actual.get(account)));
            }
        }
        return String.join("; ", lines);
    }

    private static String show(Optional<Money> balance) {
        return balance == null ? "(not read)" : balance.map(Money::toString).orElse("(no account)");
    }

    /** The listed accounts plus the funding account of each currency. */
    static List<AccountId> withFunding(Collection<AccountId> customers, Collection<Currency> currencies) {
        List<AccountId> all = new ArrayList<>(customers);
        currencies.forEach(currency -> all.add(AccountId.funding(currency)));
        return all;
    }
}
