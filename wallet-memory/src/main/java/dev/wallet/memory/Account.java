package dev.wallet.memory;

import dev.wallet.api.AccountId;
import java.util.Currency;

/** One account in a partition. The balance is guarded by the owning {@link Partition}'s monitor. */
final class Account {

    final AccountId id;
    final Currency currency;
    long balanceMinor;

    Account(AccountId id, Currency currency) {
        this.id = id;
        this.currency = currency;
    }
}
