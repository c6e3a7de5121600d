package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.TransactionId;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.Replicas;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@link Guarantee#REPLICATED}: with a minority of replicas stopped (a round per replica, each
 * round starting at another one, so that every replica is stopped once), commands are still
 * acknowledged and everything acknowledged before is still read; once the stopped replicas are
 * back, every replica converges to one state.
 */
final class ReplicationScenario {

    static final int CUSTOMERS = 3;
    static final int COMMANDS_PER_ROUND = 10;
    static final long RETRY_SECONDS = 60;

    private ReplicationScenario() {
    }

    static void run(WalletStrategy strategy, long seed) {
        List<AccountId> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            customers.add(AccountId.of("replicated-" + i));
        }
        Random random = new Random(seed);
        try (ContractRun run = ContractRun.start(strategy, customers)) {
            Replicas replicas = run.deployment().replicas().orElseThrow(() -> new AssertionError("the strategy declares "
                    + Guarantee.REPLICATED + " but its deployment's replicas() is empty"));
            List<String> ids = replicas.ids();
            int minority = (ids.size() - 1) / 2;
            assertTrue(minority >= 1, () -> "a replicated deployment has at least three replicas: " + ids);
            for (AccountId account : customers) {
                run.open(account, ContractRun.USD);
                run.execute(new Deposit(TransactionId.of(random.nextLong(), random.nextLong() | 1L), account,
                        Money.of(ContractRun.USD, 10_000 + random.nextInt(10_000))));
            }
            for (int round = 0; round < ids.size(); round++) {
                List<String> stopped = new ArrayList<>();
                for (int k = 0; k < minority; k++) {
                    stopped.add(ids.get((round + k) % ids.size()));
                }
                stopped.forEach(replicas::stop);
                for (int i = 0; i < COMMANDS_PER_ROUND; i++) {
                    executeRetrying(run, CrashScenario.randomCommand(random, run.model, customers));
                }
                run.checkBalancesMatchModel();
                stopped.forEach(replicas::start);
                List<String> digests = replicas.convergedDigests();
                assertEquals(ids.size(), digests.size(), "every replica runs again");
                assertEquals(1, new HashSet<>(digests).size(), () -> "replicas differ after round " + ids + ": " + digests);
            }
            run.checkBalancesMatchModel();
            run.checkConservation();
        }
    }

    /**
     * Executes a command, retrying with the same id while the replicas elect a leader (within a
     * bound); the status must be the model's, a replay allowed when an earlier attempt took effect.
     */
    private static void executeRetrying(ContractRun run, MoneyCommand command) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RETRY_SECONDS);
        WalletUnavailableException last = null;
        while (System.nanoTime() < deadline) {
            Outcome outcome;
            try {
                outcome = run.wallet().execute(command);
            } catch (WalletUnavailableException e) {
                last = e;
                continue;
            }
            Outcome expected = run.model.execute(command);
            run.history.add(command);
            assertEquals(expected.status(), outcome.status(), () -> "outcome of " + command);
            assertTrue(!outcome.replay() || last != null, () -> "a replay without an earlier attempt: " + outcome);
            return;
        }
        throw new AssertionError("no quorum for " + RETRY_SECONDS + " s with a minority stopped", last);
    }
}
