package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import net.jqwik.api.statistics.Statistics;

/**
 * One wallet under test beside its model: every call goes to both and their answers must agree.
 * Owns a temporary directory, the deployment in it and the current wallet; {@link #close()}
 * releases all three. Not thread-safe.
 */
final class ContractRun implements AutoCloseable {

    static final Currency USD = Currency.getInstance("USD");
    static final Currency JPY = Currency.getInstance("JPY");
    static final Currency KWD = Currency.getInstance("KWD");
    static final List<Currency> CURRENCIES = List.of(USD, JPY, KWD);
    static final List<AccountId> POOL = List.of(AccountId.of("a0"), AccountId.of("a1"), AccountId.of("a2"),
            AccountId.of("a3"), AccountId.of("a4"));

    static final long ASYNC_WAIT_SECONDS = 60;

    final WalletStrategy strategy;
    final Path directory;
    final FaultInjector faults = FaultInjector.create();
    final ModelWallet model = new ModelWallet();
    final List<MoneyCommand> history = new ArrayList<>();
    final List<AccountId> accounts;
    private Deployment deployment;
    private Wallet wallet;

    private ContractRun(WalletStrategy strategy, List<AccountId> customers) {
        this.strategy = strategy;
        this.accounts = Ledgers.withFunding(customers, CURRENCIES);
        try {
            this.directory = Files.createTempDirectory("wallet-contract-" + strategy.name() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            this.deployment = strategy.deploy(directory);
            this.wallet = deployment.open(faults);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A run over the shared account pool. */
    static ContractRun start(WalletStrategy strategy) {
        return new ContractRun(strategy, POOL);
    }

    /** A run over the given customer accounts. */
    static ContractRun start(WalletStrategy strategy, List<AccountId> customers) {
        return new ContractRun(strategy, customers);
    }

    Wallet wallet() {
        return wallet;
    }

    Deployment deployment() {
        return deployment;
    }

    /** Opens on both and checks they agree. */
    void open(AccountId account, Currency currency) {
        OpenResult expected = model.openAccount(account, currency);
        OpenResult actual = wallet.openAccount(account, currency);
        assertEquals(expected, actual, "openAccount(" + account + ", " + currency + ")");
    }

    /** Executes on both, checks the outcomes agree, and counts the outcome for coverage statistics. */
    Outcome execute(MoneyCommand command) {
        return compare(command, wallet.execute(command));
    }

    /** As {@link #execute}, through {@link Wallet#executeAsync}. */
    Outcome executeAsync(MoneyCommand command) {
        return compare(command, await(wallet.executeAsync(command), command));
    }

    /**
     * Submits every command through {@link Wallet#executeAsync} before waiting for any, then checks
     * the outcomes against the model in submission order.
     */
    List<Outcome> executeAsyncAll(List<MoneyCommand> commands) {
        List<java.util.concurrent.CompletableFuture<Outcome>> futures = new ArrayList<>();
        for (MoneyCommand command : commands) {
            futures.add(wallet.executeAsync(command));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            outcomes.add(compare(commands.get(i), await(futures.get(i), commands.get(i))));
        }
        return outcomes;
    }

    private static Outcome await(java.util.concurrent.CompletableFuture<Outcome> future, MoneyCommand command) {
        try {
            return future.get(ASYNC_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new AssertionError("executeAsync(" + command + ") failed", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("executeAsync(" + command + ") did not complete in " + ASYNC_WAIT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** As {@link #execute}, through {@link Wallet#executeBatch}: outcomes as if one by one in order. */
    List<Outcome> executeBatch(List<MoneyCommand> commands) {
        List<Outcome> actual = wallet.executeBatch(commands);
        assertEquals(commands.size(), actual.size(), "one outcome per command of a batch");
        List<Outcome> compared = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            compared.add(compare(commands.get(i), actual.get(i)));
        }
        return compared;
    }

    /** Checks an outcome the wallet gave outside this run (on another thread) against the model and records it. */
    Outcome recordExecuted(MoneyCommand command, Outcome actual) {
        return compare(command, actual);
    }

    private Outcome compare(MoneyCommand command, Outcome actual) {
        Outcome expected = model.execute(command);
        assertEquals(expected, actual, () -> "outcome of " + command);
        Statistics.label("outcome").collect(actual.status());
        Statistics.label("replay").collect(actual.replay());
        history.add(command);
        return actual;
    }

    /**
     * Every known account's balance equals the model's, read one by one and read together with
     * {@link Wallet#balances} (which, with no command running, shows nothing in flight).
     */
    void checkBalancesMatchModel() {
        Map<AccountId, Optional<Money>> expected = Ledgers.snapshot(model, accounts);
        Map<AccountId, Optional<Money>> actual = Ledgers.snapshot(wallet, accounts);
        assertEquals(expected, actual, () -> "balances differ from the model: " + Ledgers.diff(expected, actual));
        BalanceSnapshot together = wallet.balances(accounts);
        Map<AccountId, Optional<Money>> read = Ledgers.asSnapshot(together, accounts);
        assertEquals(expected, read, () -> "balances(...) differs from the model: " + Ledgers.diff(expected, read));
        assertEquals(Map.of(), together.inFlight(), "money in flight while no command runs");
    }

    /** The wallet's lookup of an id equals the model's: decided with the first outcome, or empty. */
    void checkLookup(TransactionId id) {
        Optional<TransactionLookup> expected = model.lookup(id);
        assertEquals(expected, wallet.lookup(id), () -> "lookup(" + id + ")");
        Statistics.label("lookup").collect(expected.flatMap(TransactionLookup::status).map(Status::name).orElse("unknown"));
    }

    /** Per currency, the balances of all accounts, funding included, sum to zero. */
    void checkConservation() {
        Ledgers.sums(Ledgers.snapshot(wallet, accounts)).forEach((currency, sum) ->
                assertEquals(0L, sum, "sum of all " + currency + " balances (funding included)"));
    }

    /** No customer balance is below zero. */
    void checkNoNegativeBalance() {
        Ledgers.snapshot(wallet, accounts).forEach((account, balance) -> {
            if (!account.isFunding()) {
                balance.ifPresent(money -> assertTrue(money.minor() >= 0, account + " is negative: " + money));
            }
        });
    }

    /** Closes the wallet (not the deployment) and opens a new one on the same storage. */
    Wallet reopen(FaultInjector newFaults) {
        wallet.close();
        wallet = deployment.open(newFaults);
        return wallet;
    }

    /**
     * Opens a new wallet on the same storage after the current one crashed, as a new process
     * would. The crashed wallet is closed first only to release what a dead process's operating
     * system would (threads, file handles); it writes nothing.
     */
    Wallet recoverAfterCrash() {
        wallet.close();
        wallet = deployment.open(FaultInjector.none());
        return wallet;
    }

    /** Closes wallet and deployment, then deploys again on the same directory: a restart of the whole process. */
    Wallet restartProcess() {
        wallet.close();
        deployment.close();
        deployment = strategy.deploy(directory);
        wallet = deployment.open(FaultInjector.none());
        return wallet;
    }

    @Override
    public void close() {
        try {
            if (wallet != null) {
                wallet.close();
            }
        } finally {
            try {
                if (deployment != null) {
                    deployment.close();
                }
            } finally {
                deleteRecursively(directory);
            }
        }
    }

    static void deleteRecursively(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return strategy.name() + " run in " + directory;
    }
}
