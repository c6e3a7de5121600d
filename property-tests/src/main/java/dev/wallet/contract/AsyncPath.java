package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.ReplayableHistory;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs the contract through a strategy's asynchronous path: the wrapped wallets answer
 * {@link Wallet#execute} by calling {@link Wallet#executeAsync} and waiting, so every property
 * exercises the asynchronous implementation.
 */
public final class AsyncPath {

    private AsyncPath() {
    }

    /** {@code strategy}, with every {@code execute} going through {@code executeAsync}. */
    public static WalletStrategy of(WalletStrategy strategy) {
        return new WalletStrategy() {
            @Override
            public String name() {
                return strategy.name();
            }

            @Override
            public String summary() {
                return strategy.summary() + " (asynchronous path)";
            }

            @Override
            public Set<Guarantee> guarantees() {
                return strategy.guarantees();
            }

            @Override
            public List<CrashPoint> crashPoints() {
                return strategy.crashPoints();
            }

            @Override
            public Deployment deploy(Path directory) {
                Deployment deployment = strategy.deploy(directory);
                WalletStrategy self = this;
                return new Deployment() {
                    @Override
                    public WalletStrategy strategy() {
                        return self;
                    }

                    @Override
                    public Wallet open(FaultInjector faults) {
                        return new AsyncWallet(deployment.open(faults));
                    }

                    @Override
                    public Optional<dev.wallet.api.spi.Replicas> replicas() {
                        return deployment.replicas();
                    }

                    @Override
                    public void close() {
                        deployment.close();
                    }
                };
            }
        };
    }

    private record AsyncWallet(Wallet wallet) implements Wallet {

        @Override
        public OpenResult openAccount(AccountId account, Currency currency) {
            return wallet.openAccount(account, currency);
        }

        @Override
        public Outcome execute(MoneyCommand command) {
            CompletableFuture<Outcome> future = wallet.executeAsync(command);
            try {
                return future.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw e;
            }
        }

        @Override
        public CompletableFuture<Outcome> executeAsync(MoneyCommand command) {
            return wallet.executeAsync(command);
        }

        @Override
        public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
            return wallet.executeBatch(commands);
        }

        @Override
        public Optional<Money> balance(AccountId account) {
            return wallet.balance(account);
        }

        @Override
        public dev.wallet.api.Readiness readiness() {
            return wallet.readiness();
        }

        @Override
        public List<dev.wallet.api.WalletMetric> metrics() {
            return wallet.metrics();
        }

        @Override
        public BalanceSnapshot balances(Collection<AccountId> accounts) {
            return wallet.balances(accounts);
        }

        @Override
        public Optional<TransactionLookup> lookup(TransactionId transactionId) {
            return wallet.lookup(transactionId);
        }

        @Override
        public Optional<ReplayableHistory> replayableHistory() {
            return wallet.replayableHistory();
        }

        @Override
        public void close() {
            wallet.close();
        }
    }
}
