package dev.wallet.examples.custom;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Readiness;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Currency;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * "Write your own strategy": the smallest strategy that passes the shared contract, as a starting
 * point and as the testkit guide's worked example. One map behind one lock; the state lives in the
 * {@link Deployment} (what a process restart finds), a {@link Wallet} is one "process" over it.
 *
 * <p>Two variants: {@link #atomic()} applies a command's debit and credit in one step, so a crash
 * (at its one crash point, before anything changes) leaves nothing half-done; {@link #nonAtomic()}
 * debits, passes a crash point, then credits, and declares no atomicity: the contract then shows
 * money lost at that point. Neither is durable (a new deployment starts empty), and the contract
 * shows that too. Both read consistently, because every call holds the one lock.
 *
 * <p>Immutable and thread-safe.
 */
public final class MapLedgerStrategy implements WalletStrategy {

    static final CrashPoint BEFORE_APPLY = new CrashPoint("map.before-apply",
            "the id is claimed and the command decided; no balance has changed");
    static final CrashPoint AFTER_DEBIT = new CrashPoint("map.after-debit",
            "the debited account lost the amount; the credited one has not received it");

    private final boolean atomic;

    private MapLedgerStrategy(boolean atomic) {
        this.atomic = atomic;
    }

    /** Debit and credit in one step under one lock. */
    public static MapLedgerStrategy atomic() {
        return new MapLedgerStrategy(true);
    }

    /** Debit, a crash point, then credit: a crash in between loses the amount. */
    public static MapLedgerStrategy nonAtomic() {
        return new MapLedgerStrategy(false);
    }

    @Override
    public String name() {
        return atomic ? "map-ledger" : "map-ledger-non-atomic";
    }

    @Override
    public String summary() {
        return "One synchronized map in the process; the testkit guide's worked example.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        Set<Guarantee> guarantees = EnumSet.of(Guarantee.CONSISTENT_READS);
        if (atomic) {
            guarantees.add(Guarantee.ATOMIC_UNDER_CRASH);
        }
        return guarantees;
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return atomic ? List.of(BEFORE_APPLY) : List.of(BEFORE_APPLY, AFTER_DEBIT);
    }

    @Override
    public Deployment deploy(Path directory) {
        Ledger ledger = new Ledger();
        return new Deployment() {
            @Override
            public WalletStrategy strategy() {
                return MapLedgerStrategy.this;
            }

            @Override
            public Wallet open(FaultInjector faults) {
                return new MapLedgerWallet(ledger, Objects.requireNonNull(faults, "faults"), atomic);
            }

            @Override
            public void close() {
                // The ledger is on the heap; it goes with the deployment.
            }
        };
    }

    /** What outlives one wallet: accounts, balances and the record of every transaction id. */
    private static final class Ledger {
        final Map<AccountId, Currency> currencies = new HashMap<>();
        final Map<AccountId, Long> balances = new HashMap<>();
        final Map<TransactionId, MoneyCommand> commands = new HashMap<>();
        final Map<TransactionId, Status> statuses = new HashMap<>();
    }

    private static final class MapLedgerWallet implements Wallet {

        private final Ledger ledger;
        private final FaultInjector faults;
        private final boolean atomic;
        /** Guarded by the ledger's monitor. */
        private String closedBecause;

        MapLedgerWallet(Ledger ledger, FaultInjector faults, boolean atomic) {
            this.ledger = ledger;
            this.faults = faults;
            this.atomic = atomic;
        }

        @Override
        public OpenResult openAccount(AccountId account, Currency currency) {
            LedgerRules.checkOpenable(account, currency);
            synchronized (ledger) {
                checkOpen();
                Currency existing = ledger.currencies.putIfAbsent(account, currency);
                if (existing == null) {
                    ledger.balances.put(account, 0L);
                    return OpenResult.OPENED;
                }
                return existing.equals(currency) ? OpenResult.ALREADY_OPEN : OpenResult.EXISTS_IN_OTHER_CURRENCY;
            }
        }

        @Override
        public Outcome execute(MoneyCommand command) {
            Objects.requireNonNull(command, "command");
            synchronized (ledger) {
                checkOpen();
                TransactionId id = command.transactionId();
                MoneyCommand first = ledger.commands.get(id);
                if (first != null) {
                    return first.equals(command) ? Outcome.replayOf(id, ledger.statuses.get(id)) : Outcome.of(id, Status.CONFLICT);
                }
                Status status = LedgerRules.checkAccounts(command, currencyOf(command.debited()), currencyOf(command.credited()));
                long amount = command.amount().minor();
                if (status == null) {
                    status = LedgerRules.checkDebit(command.debited(), balanceMinor(command.debited()), amount);
                }
                // The id is recorded before any money moves: a retry after a crash answers IN_DOUBT
                // (non-atomic) instead of moving the money a second time.
                ledger.commands.put(id, command);
                ledger.statuses.put(id, atomic ? status : Status.IN_DOUBT);
                try {
                    faults.reach(BEFORE_APPLY);
                    if (status == Status.SUCCESS) {
                        ledger.balances.put(command.debited(), balanceMinor(command.debited()) - amount);
                        if (!atomic) {
                            faults.reach(AFTER_DEBIT);
                        }
                        ledger.balances.put(command.credited(), LedgerRules.credit(balanceMinor(command.credited()), amount));
                    }
                } catch (SimulatedCrashException crash) {
                    if (atomic) {
                        // Nothing changed yet: a dead process would have left no record either.
                        ledger.commands.remove(id);
                        ledger.statuses.remove(id);
                    }
                    closedBecause = "crashed (simulated) at " + crash.crashPoint();
                    throw crash;
                }
                ledger.statuses.put(id, status);
                return Outcome.of(id, status);
            }
        }

        private Currency currencyOf(AccountId account) {
            return account.isFunding() ? account.fundingCurrency().orElseThrow() : ledger.currencies.get(account);
        }

        private long balanceMinor(AccountId account) {
            return ledger.balances.getOrDefault(account, 0L);
        }

        /** One by one, as the default; a closed wallet refuses an empty batch too. */
        @Override
        public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
            Objects.requireNonNull(commands, "commands");
            synchronized (ledger) {
                checkOpen();
            }
            return Wallet.super.executeBatch(commands);
        }

        @Override
        public Optional<Money> balance(AccountId account) {
            Objects.requireNonNull(account, "account");
            synchronized (ledger) {
                checkOpen();
                Currency currency = currencyOf(account);
                return currency == null ? Optional.empty() : Optional.of(Money.of(currency, balanceMinor(account)));
            }
        }

        /** Consistent: every account is read under the lock every command holds. */
        @Override
        public BalanceSnapshot balances(Collection<AccountId> accounts) {
            List<AccountId> requested = BalanceSnapshot.requested(accounts);
            synchronized (ledger) {
                checkOpen();
                Map<AccountId, Money> read = new LinkedHashMap<>();
                for (AccountId account : requested) {
                    Currency currency = currencyOf(account);
                    if (currency != null) {
                        read.put(account, Money.of(currency, balanceMinor(account)));
                    }
                }
                return BalanceSnapshot.of(read);
            }
        }

        @Override
        public Optional<TransactionLookup> lookup(TransactionId transactionId) {
            Objects.requireNonNull(transactionId, "transactionId");
            synchronized (ledger) {
                checkOpen();
                Status status = ledger.statuses.get(transactionId);
                return status == null ? Optional.empty() : Optional.of(TransactionLookup.decided(transactionId, status));
            }
        }

        private void checkOpen() {
            if (closedBecause != null) {
                throw new WalletClosedException("this map-ledger wallet " + closedBecause);
            }
        }

        /** What a health check reads: the contract checks that a closed wallet says it is not ready. */
        @Override
        public Readiness readiness() {
            synchronized (ledger) {
                return closedBecause == null ? Readiness.ready("open") : Readiness.notReady("this map-ledger wallet " + closedBecause);
            }
        }

        @Override
        public void close() {
            synchronized (ledger) {
                if (closedBecause == null) {
                    closedBecause = "is closed";
                }
            }
        }
    }
}
