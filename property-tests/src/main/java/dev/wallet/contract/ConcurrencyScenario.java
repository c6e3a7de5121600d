package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertTrue;
import static dev.wallet.contract.Checks.fail;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletException;
import dev.wallet.api.spi.WalletStrategy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import net.jqwik.api.statistics.Statistics;

/**
 * Jepsen's bank test, in process: several threads move money between a few hot accounts through
 * the synchronous, asynchronous and batch paths, some of them submitting the same command at the
 * same time and some reusing one id for different payloads at the same time. Afterwards: every id has exactly one first execution, balances are exactly what the
 * reported outcomes imply, money is conserved and no balance is negative. A run that does not
 * finish within a bound fails as a suspected deadlock, with a thread dump.
 */
final class ConcurrencyScenario {

    static final int HOT_ACCOUNTS = 4;
    static final long INITIAL_BALANCE_MINOR = 20_000;
    static final int COMMANDS_PER_THREAD = 200;
    static final int SHARED_COMMANDS = 24;
    static final int CONFLICTING_IDS = 8;
    static final int RETRIES_MAX = 50;
    static final long FINISH_WITHIN_SECONDS = 120;

    private record Executed(MoneyCommand command, Outcome outcome) {
    }

    private ConcurrencyScenario() {
    }

    static void run(WalletStrategy strategy, int threads, long seed) {
        List<AccountId> hot = new ArrayList<>();
        for (int i = 0; i < HOT_ACCOUNTS; i++) {
            hot.add(AccountId.of("hot-" + i));
        }
        try (ContractRun run = ContractRun.start(strategy, hot)) {
            Wallet wallet = run.wallet();
            Map<AccountId, Long> expected = new HashMap<>();
            for (AccountId account : hot) {
                run.open(account, ContractRun.USD);
                run.execute(new Deposit(TransactionId.random(), account, Money.of(ContractRun.USD, INITIAL_BALANCE_MINOR)));
                expected.put(account, INITIAL_BALANCE_MINOR);
            }
            Random planner = new Random(seed);
            List<MoneyCommand> shared = new ArrayList<>();
            for (int i = 0; i < SHARED_COMMANDS; i++) {
                shared.add(randomTransfer(planner, hot));
            }
            // Ids reused with different payloads at the same time: one payload wins, the others conflict.
            for (int i = 0; i < CONFLICTING_IDS; i++) {
                Transfer base = randomTransfer(planner, hot);
                for (int variant = 0; variant < 3; variant++) {
                    shared.add(new Transfer(base.transactionId(), base.source(), base.target(),
                            Money.of(ContractRun.USD, base.amount().minor() + variant)));
                }
            }
            ConcurrentLinkedQueue<Executed> executed = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            Set<TransactionId> unobserved = ConcurrentHashMap.newKeySet();
            runThreads(wallet, hot, shared, threads, seed, executed, errors, unobserved);
            if (!errors.isEmpty()) {
                AssertionError error = new AssertionError("a worker failed: " + errors.peek(), errors.peek());
                errors.stream().skip(1).forEach(error::addSuppressed);
                throw error;
            }
            checkOutcomes(executed, expected, unobserved);
            Map<AccountId, Optional<Money>> actual = Ledgers.snapshot(wallet, hot);
            for (AccountId account : hot) {
                assertEquals(Optional.of(Money.of(ContractRun.USD, expected.get(account))), actual.get(account),
                        "balance of " + account + " against what the reported outcomes imply");
            }
            run.checkConservation();
            run.checkNoNegativeBalance();
        }
    }

    private static Transfer randomTransfer(Random random, List<AccountId> hot) {
        int source = random.nextInt(hot.size());
        int target = (source + 1 + random.nextInt(hot.size() - 1)) % hot.size();
        long amount = 1 + random.nextInt((int) (INITIAL_BALANCE_MINOR / 4));
        return new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1L), hot.get(source), hot.get(target),
                Money.of(ContractRun.USD, amount));
    }

    private static void runThreads(Wallet wallet, List<AccountId> hot, List<MoneyCommand> shared, int threads, long seed,
                                   ConcurrentLinkedQueue<Executed> executed, ConcurrentLinkedQueue<Throwable> errors,
                                   Set<TransactionId> unobserved) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed * 31 + t);
            pool.execute(() -> {
                try {
                    start.await();
                    work(wallet, hot, shared, random, executed, unobserved);
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
        }
        start.countDown();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(FINISH_WITHIN_SECONDS, TimeUnit.SECONDS)) {
                String dump = Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(true, true))
                        .map(ThreadInfo::toString).collect(Collectors.joining());
                pool.shutdownNow();
                fail("workers did not finish within " + FINISH_WITHIN_SECONDS + " s (deadlock?):\n" + dump);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** One worker: a seeded mix of synchronous, asynchronous and batch calls; retryable errors retried with the same id. */
    private static void work(Wallet wallet, List<AccountId> hot, List<MoneyCommand> shared, Random random,
                             ConcurrentLinkedQueue<Executed> executed, Set<TransactionId> unobserved) throws Exception {
        List<MoneyCommand> batch = new ArrayList<>();
        for (int i = 0; i < COMMANDS_PER_THREAD; i++) {
            MoneyCommand command = random.nextInt(100) < 20 ? shared.get(random.nextInt(shared.size()))
                    : randomTransfer(random, hot);
            int path = random.nextInt(10);
            if (path < 6) {
                executed.add(new Executed(command, withRetries(() -> wallet.execute(command))));
            } else if (path < 8) {
                executed.add(new Executed(command, withRetries(() -> await(wallet, command))));
            } else {
                batch.add(command);
                if (batch.size() >= 1 + random.nextInt(8)) {
                    flush(wallet, batch, executed, unobserved);
                }
            }
        }
        flush(wallet, batch, executed, unobserved);
    }

    private static Outcome await(Wallet wallet, MoneyCommand command) throws Exception {
        try {
            return wallet.executeAsync(command).get(FINISH_WITHIN_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WalletException walletException) {
                throw walletException;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("asynchronous execution of " + command + " did not complete", e);
        }
    }

    private static void flush(Wallet wallet, List<MoneyCommand> batch, ConcurrentLinkedQueue<Executed> executed,
                              Set<TransactionId> unobserved) throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        List<MoneyCommand> commands = List.copyOf(batch);
        batch.clear();
        List<Outcome> outcomes;
        try {
            outcomes = wallet.executeBatch(commands);
        } catch (WalletException e) {
            if (!e.isRetryable()) {
                throw e;
            }
            // Part of the batch may have run, its first answers lost with the exception: repeat each
            // command on its own with the same id; a replay is then the first answer seen.
            for (MoneyCommand command : commands) {
                unobserved.add(command.transactionId());
                executed.add(new Executed(command, withRetries(() -> wallet.execute(command))));
            }
            return;
        }
        assertEquals(commands.size(), outcomes.size(), "one outcome per command of a batch");
        for (int i = 0; i < commands.size(); i++) {
            executed.add(new Executed(commands.get(i), outcomes.get(i)));
        }
    }

    private interface Call {
        Outcome call() throws Exception;
    }

    private static Outcome withRetries(Call call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (WalletException e) {
                if (!e.isRetryable() || attempt >= RETRIES_MAX) {
                    throw e;
                }
            }
        }
    }

    /**
     * One winning payload per id (the others answered CONFLICT), exactly one first execution of it (at most one for ids whose batch failed with a retryable
     * error, whose first answers the exception hid), the same status for all its answers; applies
     * the successes to {@code expected}.
     */
    private static void checkOutcomes(ConcurrentLinkedQueue<Executed> executed, Map<AccountId, Long> expected,
                                      Set<TransactionId> unobserved) {
        Map<TransactionId, List<Executed>> byId = executed.stream()
                .collect(Collectors.groupingBy(e -> e.command().transactionId()));
        for (Map.Entry<TransactionId, List<Executed>> entry : byId.entrySet()) {
            List<Executed> all = entry.getValue();
            List<Executed> answers = all.stream().filter(e -> e.outcome().status() != Status.CONFLICT).toList();
            assertTrue(!answers.isEmpty(), () -> "every id has a winning payload: " + all);
            MoneyCommand winner = answers.get(0).command();
            assertTrue(answers.stream().allMatch(e -> e.command().equals(winner)),
                    () -> "only one payload of " + entry.getKey() + " may execute: " + all);
            assertTrue(all.stream().filter(e -> e.outcome().status() == Status.CONFLICT)
                    .noneMatch(e -> e.command().equals(winner)), () -> "the winning payload never conflicts: " + all);
            long first = answers.stream().filter(e -> !e.outcome().replay()).count();
            if (unobserved.contains(entry.getKey())) {
                assertTrue(first <= 1, "first executions of " + entry.getKey() + " among " + all);
            } else {
                assertEquals(1, first, "first executions of " + entry.getKey() + " among " + all);
            }
            Status status = answers.get(0).outcome().status();
            assertTrue(answers.stream().allMatch(e -> e.outcome().status() == status),
                    "every answer for one payload carries the same status: " + answers);
            assertTrue(status == Status.SUCCESS || status == Status.INSUFFICIENT_FUNDS,
                    "only success or insufficient funds are possible here: " + answers.get(0));
            all.forEach(e -> {
                Statistics.label("concurrent outcome").collect(e.outcome().status());
                Statistics.label("concurrent replay").collect(e.outcome().replay());
            });
            if (status == Status.SUCCESS) {
                MoneyCommand command = winner;
                expected.merge(command.debited(), -command.amount().minor(), Long::sum);
                expected.merge(command.credited(), command.amount().minor(), Long::sum);
            }
        }
    }
}
