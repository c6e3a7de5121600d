package dev.wallet.contract.mutants;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
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
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A correct, deliberately small strategy: one map behind one lock, state kept in the deployment
 * (so it survives a reopen but not a new deployment), consistent reads because every call holds
 * the lock. The mutants are this class with one thing broken each; the contract must pass this one
 * and fail every mutant.
 */
class MapStrategy implements WalletStrategy {

    @Override
    public String name() {
        return "map-reference";
    }

    @Override
    public String summary() {
        return "One synchronized map; the contract's own reference.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        return Set.of(Guarantee.CONSISTENT_READS);
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return List.of();
    }

    @Override
    public Deployment deploy(Path directory) {
        Ledger ledger = new Ledger();
        MapStrategy strategy = this;
        return new Deployment() {
            @Override
            public WalletStrategy strategy() {
                return strategy;
            }

            @Override
            public Wallet open(FaultInjector faults) {
                return strategy.open(ledger);
            }

            @Override
            public void close() {
            }
        };
    }

    /** A wallet over the deployment's ledger; mutants override this to break it. */
    Wallet open(Ledger ledger) {
        return new MapWallet(ledger);
    }

    /** What survives a reopen: accounts, balances and every decided id. */
    static final class Ledger {
        final Map<AccountId, Currency> currencies = new HashMap<>();
        final Map<AccountId, Long> balances = new HashMap<>();
        final Map<TransactionId, MoneyCommand> commands = new HashMap<>();
        final Map<TransactionId, Status> statuses = new HashMap<>();
    }

    static class MapWallet implements Wallet {

        final Ledger ledger;
        private boolean closed;

        MapWallet(Ledger ledger) {
            this.ledger = ledger;
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
                MoneyCommand earlier = remembered(id);
                if (earlier != null) {
                    return earlier.equals(command) ? Outcome.replayOf(id, ledger.statuses.get(id)) : Outcome.of(id, Status.CONFLICT);
                }
                Status status = LedgerRules.checkAccounts(command, currencyOf(command.debited()), currencyOf(command.credited()));
                long amount = command.amount().minor();
                if (status == null) {
                    status = LedgerRules.checkDebit(command.debited(), balanceMinor(command.debited()), amount);
                }
                if (status == Status.SUCCESS) {
                    move(command.debited(), command.credited(), amount);
                }
                remember(command, status);
                return Outcome.of(id, status);
            }
        }

        /** Moves money; a mutant may split it. */
        void move(AccountId debited, AccountId credited, long amount) {
            ledger.balances.put(debited, balanceMinor(debited) - amount);
            ledger.balances.put(credited, LedgerRules.credit(balanceMinor(credited), amount));
        }

        MoneyCommand remembered(TransactionId id) {
            return ledger.commands.get(id);
        }

        void remember(MoneyCommand command, Status status) {
            ledger.commands.put(command.transactionId(), command);
            ledger.statuses.put(command.transactionId(), status);
        }

        private Currency currencyOf(AccountId account) {
            return account.isFunding() ? account.fundingCurrency().orElseThrow() : ledger.currencies.get(account);
        }

        long balanceMinor(AccountId account) {
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

        @Override
        public BalanceSnapshot balances(Collection<AccountId> accounts) {
            Objects.requireNonNull(accounts, "accounts");
            synchronized (ledger) {
                checkOpen();
                Map<AccountId, Money> read = new LinkedHashMap<>();
                for (AccountId account : accounts) {
                    balance(account).ifPresent(money -> read.put(account, money));
                }
                return BalanceSnapshot.of(read);
            }
        }

        @Override
        public Optional<TransactionLookup> lookup(TransactionId transactionId) {
            Objects.requireNonNull(transactionId, "transactionId");
            synchronized (ledger) {
                checkOpen();
                return remembered(transactionId) == null ? Optional.empty()
                        : Optional.of(TransactionLookup.decided(transactionId, ledger.statuses.get(transactionId)));
            }
        }

        void checkOpen() {
            if (closed) {
                throw new WalletClosedException("this map wallet is closed");
            }
        }

        @Override
        public dev.wallet.api.Readiness readiness() {
            synchronized (ledger) {
                return closed ? dev.wallet.api.Readiness.notReady("closed") : dev.wallet.api.Readiness.ready("open");
            }
        }

        @Override
        public void close() {
            synchronized (ledger) {
                closed = true;
            }
        }
    }
}
