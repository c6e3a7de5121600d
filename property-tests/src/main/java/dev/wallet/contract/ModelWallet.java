package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The oracle: a plain sequential wallet written from the documented rules alone, sharing no code
 * with any strategy (not even {@link dev.wallet.api.spi.LedgerRules}), so that a mistake in the
 * shared rules shows up as a difference. Not thread-safe.
 */
public final class ModelWallet {

    /** Mirrors the documented outstanding limit of a currency (10^18 minor units). */
    static final long OUTSTANDING_LIMIT_MINOR = 1_000_000_000_000_000_000L;

    private record Recorded(MoneyCommand command, Status status) {
    }

    private final Map<AccountId, Currency> currencies = new HashMap<>();
    private final Map<AccountId, Long> balances = new HashMap<>();
    private final Map<TransactionId, Recorded> recorded = new HashMap<>();

    public ModelWallet() {
    }

    /** A deep copy. */
    public ModelWallet copy() {
        ModelWallet copy = new ModelWallet();
        copy.currencies.putAll(currencies);
        copy.balances.putAll(balances);
        copy.recorded.putAll(recorded);
        return copy;
    }

    public OpenResult openAccount(AccountId account, Currency currency) {
        Currency existing = currencies.get(account);
        if (existing == null) {
            currencies.put(account, currency);
            balances.put(account, 0L);
            return OpenResult.OPENED;
        }
        return existing.equals(currency) ? OpenResult.ALREADY_OPEN : OpenResult.EXISTS_IN_OTHER_CURRENCY;
    }

    public Outcome execute(MoneyCommand command) {
        Recorded earlier = recorded.get(command.transactionId());
        if (earlier != null) {
            return earlier.command().equals(command)
                    ? Outcome.replayOf(command.transactionId(), earlier.status())
                    : Outcome.of(command.transactionId(), Status.CONFLICT);
        }
        Status status = decide(command);
        if (status == Status.SUCCESS) {
            long amount = command.amount().minor();
            balances.merge(command.debited(), -amount, Long::sum);
            balances.merge(command.credited(), amount, Long::sum);
        }
        recorded.put(command.transactionId(), new Recorded(command, status));
        return Outcome.of(command.transactionId(), status);
    }

    private Status decide(MoneyCommand command) {
        Money amount = command.amount();
        if (command instanceof Transfer transfer) {
            if (transfer.source().equals(transfer.target())) {
                return Status.SAME_ACCOUNT;
            }
            if (!currencies.containsKey(transfer.source()) || !currencies.containsKey(transfer.target())) {
                return Status.UNKNOWN_ACCOUNT;
            }
            if (!currencies.get(transfer.source()).equals(amount.currency())
                    || !currencies.get(transfer.target()).equals(amount.currency())) {
                return Status.CURRENCY_MISMATCH;
            }
            return balances.get(transfer.source()) < amount.minor() ? Status.INSUFFICIENT_FUNDS : Status.SUCCESS;
        }
        if (command instanceof Deposit deposit) {
            if (!currencies.containsKey(deposit.account())) {
                return Status.UNKNOWN_ACCOUNT;
            }
            if (!currencies.get(deposit.account()).equals(amount.currency())) {
                return Status.CURRENCY_MISMATCH;
            }
            long outstanding = -balance(AccountId.funding(amount.currency()));
            return outstanding + amount.minor() > OUTSTANDING_LIMIT_MINOR ? Status.LIMIT_EXCEEDED : Status.SUCCESS;
        }
        Withdrawal withdrawal = (Withdrawal) command;
        if (!currencies.containsKey(withdrawal.account())) {
            return Status.UNKNOWN_ACCOUNT;
        }
        if (!currencies.get(withdrawal.account()).equals(amount.currency())) {
            return Status.CURRENCY_MISMATCH;
        }
        return balances.get(withdrawal.account()) < amount.minor() ? Status.INSUFFICIENT_FUNDS : Status.SUCCESS;
    }

    /** The balance in minor units; zero for a funding account never used, and for an unknown account. */
    public long balance(AccountId account) {
        return balances.getOrDefault(account, 0L);
    }

    /** As {@link dev.wallet.api.Wallet#balance}: empty for a customer account never opened. */
    public Optional<Money> balanceOf(AccountId account) {
        if (account.isFunding()) {
            return Optional.of(Money.of(account.fundingCurrency().orElseThrow(), balance(account)));
        }
        Currency currency = currencies.get(account);
        return currency == null ? Optional.empty() : Optional.of(Money.of(currency, balance(account)));
    }

    /** The currency of an open customer account. */
    public Optional<Currency> currencyOf(AccountId account) {
        return Optional.ofNullable(currencies.get(account));
    }

    /** As {@link dev.wallet.api.Wallet#lookup}: the decided status of an id, empty if never recorded. */
    public Optional<TransactionLookup> lookup(TransactionId id) {
        Recorded earlier = recorded.get(id);
        return earlier == null ? Optional.empty() : Optional.of(TransactionLookup.decided(id, earlier.status()));
    }

    /** Whether a command with this id was executed. */
    public boolean knows(TransactionId id) {
        return recorded.containsKey(id);
    }
}
