package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertThrows;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.ReplayableHistory;
import dev.wallet.api.TransactionId;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * {@link Guarantee#REPLAYABLE_HISTORY}: after every command the model's balances are noted at the
 * wallet's {@link ReplayableHistory#lastPosition()}; every one of them must come back from
 * {@link ReplayableHistory#balanceAt}, the full-replay audit must agree, and for a durable strategy
 * both must hold again after a restart.
 */
final class HistoryScenario {

    static final int CUSTOMERS = 3;
    static final int COMMANDS = 30;

    private HistoryScenario() {
    }

    static void run(WalletStrategy strategy, long seed) {
        List<AccountId> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            customers.add(AccountId.of("history-" + i));
        }
        Random random = new Random(seed);
        try (ContractRun run = ContractRun.start(strategy, customers)) {
            ReplayableHistory history = historyOf(run);
            Map<Long, Map<AccountId, Optional<Money>>> past = new TreeMap<>();
            past.put(history.lastPosition(), Ledgers.snapshot(run.model, run.accounts));
            for (AccountId account : customers) {
                run.open(account, ContractRun.USD);
                past.put(history.lastPosition(), Ledgers.snapshot(run.model, run.accounts));
                run.execute(new Deposit(TransactionId.of(random.nextLong(), random.nextLong() | 1L), account,
                        Money.of(ContractRun.USD, 1_000 + random.nextInt(10_000))));
                past.put(history.lastPosition(), Ledgers.snapshot(run.model, run.accounts));
            }
            for (int i = 0; i < COMMANDS; i++) {
                run.execute(CrashScenario.randomCommand(random, run.model, customers));
                past.put(history.lastPosition(), Ledgers.snapshot(run.model, run.accounts));
            }
            check(history, past, run.accounts);
            if (strategy.guarantees().contains(Guarantee.DURABLE_ACROSS_RESTART)) {
                run.restartProcess();
                check(historyOf(run), past, run.accounts);
            }
        }
    }

    private static ReplayableHistory historyOf(ContractRun run) {
        return run.wallet().replayableHistory().orElseThrow(() -> new AssertionError("the strategy declares "
                + Guarantee.REPLAYABLE_HISTORY + " but its wallet's replayableHistory() is empty"));
    }

    private static void check(ReplayableHistory history, Map<Long, Map<AccountId, Optional<Money>>> past,
                              List<AccountId> accounts) {
        for (Map.Entry<Long, Map<AccountId, Optional<Money>>> then : past.entrySet()) {
            for (AccountId account : accounts) {
                assertEquals(then.getValue().get(account), history.balanceAt(account, then.getKey()),
                        () -> "balanceAt(" + account + ", " + then.getKey() + ")");
            }
        }
        assertEquals(Optional.empty(), history.auditReplay(), "a full replay agrees with the live state");
        long last = history.lastPosition();
        assertThrows(IllegalArgumentException.class, () -> history.balanceAt(accounts.get(0), last + 1),
                "a position beyond the last one");
        assertThrows(IllegalArgumentException.class, () -> history.balanceAt(accounts.get(0), -1), "a negative position");
    }
}
