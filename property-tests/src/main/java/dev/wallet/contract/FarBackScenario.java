package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.Withdrawal;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Idempotency reaches far back: a few commands with pinned outcomes (a success and two refusals)
 * are followed by {@link #COMMANDS_BETWEEN} others; their ids must still answer their first
 * outcome (by lookup and by repeat), and another payload under them must still be a conflict;
 * across a restart too where the strategy is durable. A strategy that forgets old ids fails here.
 */
final class FarBackScenario {

    static final int COMMANDS_BETWEEN = 10_240;
    static final int BATCH = 512;
    static final int THREADS = 8;
    static final int CUSTOMERS = 2 * THREADS;
    static final long FILL_WAIT_SECONDS = 600;

    private FarBackScenario() {
    }

    static void run(WalletStrategy strategy, long seed) {
        List<AccountId> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            customers.add(AccountId.of("far-" + i));
        }
        Random random = new Random(seed);
        try (ContractRun run = ContractRun.start(strategy, customers)) {
            for (AccountId account : customers) {
                run.open(account, ContractRun.USD);
                run.execute(new Deposit(id(random), account, Money.of(ContractRun.USD, 1_000_000)));
            }
            List<MoneyCommand> early = List.of(
                    new Transfer(id(random), customers.get(0), customers.get(1), Money.of(ContractRun.USD, 500)),
                    new Withdrawal(id(random), customers.get(2), Money.of(ContractRun.USD, 2_000_000)),
                    new Deposit(id(random), AccountId.of("far-never-opened"), Money.of(ContractRun.USD, 7)));
            List<Status> expected = List.of(Status.SUCCESS, Status.INSUFFICIENT_FUNDS, Status.UNKNOWN_ACCOUNT);
            for (int i = 0; i < early.size(); i++) {
                assertEquals(expected.get(i), run.execute(early.get(i)).status(), "first outcome of " + early.get(i));
            }
            fill(run, customers, random.nextLong());
            checkRemembered(run, early, expected);
            if (strategy.guarantees().contains(Guarantee.DURABLE_ACROSS_RESTART)) {
                run.restartProcess();
                checkRemembered(run, early, expected);
            }
            run.checkBalancesMatchModel();
            run.checkConservation();
        }
    }

    /**
     * Executes {@link #COMMANDS_BETWEEN} small transfers from {@link #THREADS} threads at once, each
     * between accounts of its own (so every one succeeds whatever the order, and the strategies
     * that force a disk per command share their waits), then records them in the model.
     */
    private static void fill(ContractRun run, List<AccountId> customers, long seed) {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<List<MoneyCommand>>> parts = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                AccountId source = customers.get(2 * t);
                AccountId target = customers.get(2 * t + 1);
                Random random = new Random(seed + t);
                parts.add(threads.submit(() -> fillFrom(run.wallet(), source, target, random)));
            }
            for (Future<List<MoneyCommand>> part : parts) {
                for (MoneyCommand command : Futures.await(part, FILL_WAIT_SECONDS, "a thread of far-back commands")) {
                    run.recordExecuted(command, Outcome.of(command.transactionId(), Status.SUCCESS));
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<MoneyCommand> fillFrom(Wallet wallet, AccountId source, AccountId target, Random random) {
        List<MoneyCommand> done = new ArrayList<>();
        for (int sent = 0; sent < COMMANDS_BETWEEN / THREADS; sent += BATCH) {
            List<MoneyCommand> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                boolean forth = random.nextBoolean();
                batch.add(new Transfer(id(random), forth ? source : target, forth ? target : source,
                        Money.of(ContractRun.USD, 1 + random.nextInt(10))));
            }
            List<Outcome> outcomes = wallet.executeBatch(batch);
            for (int i = 0; i < BATCH; i++) {
                assertEquals(Outcome.of(batch.get(i).transactionId(), Status.SUCCESS), outcomes.get(i),
                        "a small transfer between funded accounts: " + batch.get(i));
            }
            done.addAll(batch);
        }
        return done;
    }

    private static void checkRemembered(ContractRun run, List<MoneyCommand> early, List<Status> expected) {
        for (int i = 0; i < early.size(); i++) {
            MoneyCommand command = early.get(i);
            Status status = expected.get(i);
            String when = " after " + COMMANDS_BETWEEN + " later commands";
            assertEquals(Optional.of(TransactionLookup.decided(command.transactionId(), status)),
                    run.wallet().lookup(command.transactionId()), () -> "lookup of " + command + when);
            assertEquals(Outcome.replayOf(command.transactionId(), status), run.execute(command),
                    () -> "a repeat of " + command + when);
            MoneyCommand other = ContractActions.otherPayload(command, 0);
            assertEquals(Outcome.of(command.transactionId(), Status.CONFLICT), run.execute(other),
                    () -> "another payload under the id of " + command + when);
        }
    }

    private static TransactionId id(Random random) {
        return TransactionId.of(random.nextLong(), random.nextLong() | 1L);
    }
}
