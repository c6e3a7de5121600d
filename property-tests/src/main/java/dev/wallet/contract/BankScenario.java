package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.Withdrawal;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Jepsen's bank test: writer threads move money among a few accounts (and in and out through the
 * funding account) while a reader reads every account together with {@link Wallet#balances}. A
 * read is <em>torn</em> when, per currency, its balances plus the money in flight do not sum to
 * zero, or when it shows a customer balance below zero.
 *
 * <p>{@link #demonstrateTornRead} shows the violation on purpose where a strategy does not promise
 * consistent reads: it holds one command at each of the strategy's crash points in turn (with a
 * {@link dev.wallet.api.spi.FaultInjector#onReach} hook) and reads meanwhile.
 */
final class BankScenario {

    static final int CUSTOMERS = 4;
    static final int WRITERS = 2;
    static final int COMMANDS_PER_WRITER = 100;
    static final int READS_MAX = 100_000;
    static final long OPENING_BALANCE_MINOR = 100_000;
    static final long WAIT_SECONDS = 60;
    static final int RETRIES_MAX = 20;

    /** What the reader saw. */
    record Report(int reads, int torn, String firstTorn) {

        @Override
        public String toString() {
            return reads + " whole-ledger reads, " + torn + " torn" + (firstTorn == null ? "" : "; first: " + firstTorn);
        }
    }

    private BankScenario() {
    }

    static List<AccountId> customers() {
        List<AccountId> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            customers.add(AccountId.of("bank-" + i));
        }
        return customers;
    }

    /** Runs writers and a reader together; every writer's outcome must be a success or a refusal for funds. */
    static Report run(WalletStrategy strategy, long seed) {
        List<AccountId> customers = customers();
        try (ContractRun run = ContractRun.start(strategy, customers)) {
            fund(run, customers);
            Wallet wallet = run.wallet();
            List<AccountId> everything = Ledgers.withFunding(customers, List.of(ContractRun.USD));
            ExecutorService threads = Executors.newFixedThreadPool(WRITERS + 1);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    Random random = new Random(seed * 31 + w);
                    writers.add(threads.submit(() -> write(wallet, customers, random)));
                }
                AtomicBoolean writing = new AtomicBoolean(true);
                Future<Report> reader = threads.submit(() -> read(wallet, everything, writing));
                for (Future<?> writer : writers) {
                    Futures.await(writer, WAIT_SECONDS * 4, "a bank writer");
                }
                writing.set(false);
                Report report = Futures.await(reader, WAIT_SECONDS * 4, "the bank reader");
                Map<String, Long> sums = wallet.balances(everything).sumsByCurrency();
                assertEquals(0L, sums.getOrDefault("USD", 0L), "the USD balances sum to zero once the writers are done");
                return report;
            } finally {
                threads.shutdownNow();
            }
        }
    }

    static void fund(ContractRun run, List<AccountId> customers) {
        for (AccountId account : customers) {
            run.open(account, ContractRun.USD);
            run.execute(new Deposit(TransactionId.random(), account, Money.of(ContractRun.USD, OPENING_BALANCE_MINOR)));
        }
    }

    private static void write(Wallet wallet, List<AccountId> customers, Random random) {
        for (int i = 0; i < COMMANDS_PER_WRITER; i++) {
            MoneyCommand command = command(random, customers);
            Outcome outcome = executeRetrying(wallet, command);
            assertTrue(outcome.status() == Status.SUCCESS || outcome.status() == Status.INSUFFICIENT_FUNDS,
                    () -> "a bank writer's " + command + " answered " + outcome);
        }
    }

    /**
     * Executes a command, retrying it with the same id (safe by the idempotency rule) while the
     * wallet answers {@link WalletUnavailableException}, as when a reader's locks outlast a lock
     * timeout; at most {@link #RETRIES_MAX} times.
     */
    private static Outcome executeRetrying(Wallet wallet, MoneyCommand command) {
        for (int attempt = 1; ; attempt++) {
            try {
                return wallet.execute(command);
            } catch (WalletUnavailableException e) {
                if (attempt == RETRIES_MAX) {
                    throw e;
                }
            }
        }
    }

    private static MoneyCommand command(Random random, List<AccountId> customers) {
        TransactionId id = TransactionId.of(random.nextLong(), random.nextLong() | 1L);
        AccountId source = customers.get(random.nextInt(customers.size()));
        Money amount = Money.of(ContractRun.USD, 1 + random.nextInt((int) (OPENING_BALANCE_MINOR / 4)));
        int kind = random.nextInt(10);
        if (kind == 0) {
            return new Deposit(id, source, amount);
        }
        if (kind == 1) {
            return new Withdrawal(id, source, amount);
        }
        AccountId target = customers.get((customers.indexOf(source) + 1 + random.nextInt(customers.size() - 1))
                % customers.size());
        return new Transfer(id, source, target, amount);
    }

    private static Report read(Wallet wallet, List<AccountId> everything, AtomicBoolean writing) {
        int reads = 0;
        int torn = 0;
        String first = null;
        // At least one read, however fast the writers were; at most READS_MAX attempts.
        for (int attempt = 0; attempt < READS_MAX && (writing.get() || reads == 0); attempt++) {
            BalanceSnapshot snapshot;
            try {
                snapshot = wallet.balances(everything);
            } catch (WalletUnavailableException e) {
                // A locking read that timed out shows nothing; the next one tries again.
                continue;
            }
            reads++;
            String problem = tornBy(snapshot);
            if (problem != null) {
                torn++;
                first = first == null ? problem : first;
            }
        }
        return new Report(reads, torn, first);
    }

    /** Why a read is torn, or {@code null} when it is not. */
    static String tornBy(BalanceSnapshot snapshot) {
        for (Map.Entry<String, Long> sum : snapshot.sumsByCurrency().entrySet()) {
            if (sum.getValue() != 0) {
                return "the " + sum.getKey() + " balances and money in flight sum to " + sum.getValue() + ": " + snapshot;
            }
        }
        for (Map.Entry<AccountId, Money> balance : snapshot.balances().entrySet()) {
            if (!balance.getKey().isFunding() && balance.getValue().minor() < 0) {
                return balance.getKey() + " is negative: " + snapshot;
            }
        }
        return null;
    }

    /**
     * Holds one transfer at each crash point of the strategy in turn and reads every account
     * meanwhile; returns the first torn read, or {@code null} when none was seen.
     */
    static String demonstrateTornRead(WalletStrategy strategy, long seed) {
        for (CrashPoint point : strategy.crashPoints()) {
            String torn = tornWhileHeldAt(strategy, point, new Random(seed ^ point.name().hashCode()));
            if (torn != null) {
                return point.name() + ": " + torn;
            }
        }
        return null;
    }

    private static String tornWhileHeldAt(WalletStrategy strategy, CrashPoint point, Random random) {
        List<AccountId> customers = customers();
        try (ContractRun run = ContractRun.start(strategy, customers)) {
            fund(run, customers);
            List<AccountId> everything = Ledgers.withFunding(customers, List.of(ContractRun.USD));
            return HeldCommand.probe(run, point, customers, random, (wallet, held) -> wallet.balances(everything))
                    .flatMap(HeldCommand.Probe::answer)
                    .map(BankScenario::tornBy)
                    .orElse(null);
        }
    }
}
