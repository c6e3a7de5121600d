package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertThrows;
import static dev.wallet.contract.Checks.assertTrue;
import static dev.wallet.contract.Checks.fail;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.Withdrawal;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.SimulatedCrashException;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Arms one crash point, runs random commands until it fires, "restarts the process" by opening a
 * new wallet on the same deployment, and checks what survived.
 *
 * <p>For a strategy that promises {@link Guarantee#ATOMIC_UNDER_CRASH}: every acknowledged command
 * is present, the interrupted one is wholly applied or not at all, money is conserved, a retry of
 * the interrupted id gives the right answer, and the wallet goes on agreeing with the model. For
 * one that does not: acknowledged commands are still present, the damage is confined to the two
 * legs of the interrupted command, and the report says how much money the crash created or
 * destroyed.
 */
final class CrashScenario {

    static final int CUSTOMERS = 4;
    static final int COMMANDS_TO_REACH_MAX = 200;
    static final int COMMANDS_AFTER_RECOVERY = 12;

    /**
     * What one crash did.
     *
     * @param point              where the process died
     * @param interrupted        the command it was executing
     * @param conservationGapMinor the sum of all balances of the command's currency after recovery
     *                           (0 when money is conserved; negative when money was destroyed)
     */
    record Report(CrashPoint point, MoneyCommand interrupted, long conservationGapMinor) {

        boolean conserved() {
            return conservationGapMinor == 0;
        }

        @Override
        public String toString() {
            return point.name() + ": " + (conserved() ? "money conserved"
                    : "conservation broken by " + Money.of(interrupted.amount().currency(), conservationGapMinor));
        }
    }

    private CrashScenario() {
    }

    static Report run(WalletStrategy strategy, CrashPoint point, long seed) {
        List<AccountId> customers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            customers.add(AccountId.of("crash-" + i));
        }
        Random random = new Random(seed);
        try (ContractRun run = ContractRun.start(strategy, customers)) {
            for (AccountId account : customers) {
                run.open(account, ContractRun.USD);
                run.execute(new Deposit(TransactionId.random(), account, Money.of(ContractRun.USD, 10_000 + random.nextInt(40_000))));
            }
            for (int warmUp = random.nextInt(4); warmUp > 0; warmUp--) {
                run.execute(randomCommand(random, run.model, customers));
            }
            Wallet crashed = run.wallet();
            run.faults.arm(point);
            MoneyCommand interrupted = executeUntilCrash(run, random, customers, point);
            assertThrows(WalletClosedException.class, () -> crashed.balance(customers.get(0)),
                    "a crashed wallet takes no more calls");
            Wallet recovered = run.recoverAfterCrash();
            ModelWallet withInterrupted = run.model.copy();
            Outcome expectedIfApplied = withInterrupted.execute(interrupted);
            Map<AccountId, Optional<Money>> observed = Ledgers.snapshot(recovered, run.accounts);
            long gap = Ledgers.sums(observed).getOrDefault(interrupted.amount().currency().getCurrencyCode(), 0L);
            if (strategy.guarantees().contains(Guarantee.ATOMIC_UNDER_CRASH)) {
                checkAtomic(run, recovered, interrupted, withInterrupted, expectedIfApplied, observed);
                for (int i = 0; i < COMMANDS_AFTER_RECOVERY; i++) {
                    run.execute(randomCommand(random, run.model, customers));
                }
                run.checkBalancesMatchModel();
                run.checkConservation();
                return new Report(point, interrupted, gap);
            }
            checkConfined(run, interrupted, withInterrupted, observed);
            checkKeepsWorking(recovered, run, interrupted, observed, gap, random, customers);
            return new Report(point, interrupted, gap);
        }
    }

    private static MoneyCommand executeUntilCrash(ContractRun run, Random random, List<AccountId> customers, CrashPoint point) {
        for (int i = 0; i < COMMANDS_TO_REACH_MAX; i++) {
            MoneyCommand command = randomCommand(random, run.model, customers);
            try {
                run.execute(command);
            } catch (SimulatedCrashException crash) {
                assertEquals(point, crash.crashPoint());
                return command;
            }
        }
        return fail("crash point " + point.name() + " was not reached by " + COMMANDS_TO_REACH_MAX + " commands");
    }

    private static void checkAtomic(ContractRun run, Wallet recovered, MoneyCommand interrupted,
                                    ModelWallet withInterrupted, Outcome expectedIfApplied,
                                    Map<AccountId, Optional<Money>> observed) {
        Map<AccountId, Optional<Money>> without = Ledgers.snapshot(run.model, run.accounts);
        Map<AccountId, Optional<Money>> with = Ledgers.snapshot(withInterrupted, run.accounts);
        boolean applied = observed.equals(with);
        boolean notApplied = observed.equals(without);
        assertTrue(applied || notApplied, () -> "after recovery the interrupted " + interrupted
                + " must be wholly applied or not at all; against 'not applied': " + Ledgers.diff(without, observed)
                + "; against 'applied': " + Ledgers.diff(with, observed));
        run.checkConservation();
        Outcome retry = recovered.execute(interrupted);
        if (applied && expectedIfApplied.status().movedMoney()) {
            assertEquals(Outcome.replayOf(interrupted.transactionId(), expectedIfApplied.status()), retry,
                    "a retry of a command that took effect before the crash is a replay");
        } else {
            assertEquals(expectedIfApplied, retry, "a retry of a command that had not taken effect executes it");
        }
        run.model.execute(interrupted);
        run.history.add(interrupted);
        run.checkBalancesMatchModel();
    }

    /** Without atomicity: acknowledged commands intact, each leg of the interrupted command applied or not, nothing else touched. */
    private static void checkConfined(ContractRun run, MoneyCommand interrupted, ModelWallet withInterrupted,
                                      Map<AccountId, Optional<Money>> observed) {
        Map<AccountId, Optional<Money>> without = Ledgers.snapshot(run.model, run.accounts);
        Map<AccountId, Optional<Money>> with = Ledgers.snapshot(withInterrupted, run.accounts);
        for (AccountId account : run.accounts) {
            boolean leg = account.equals(interrupted.debited()) || account.equals(interrupted.credited());
            Optional<Money> actual = observed.get(account);
            if (leg) {
                assertTrue(actual.equals(without.get(account)) || actual.equals(with.get(account)),
                        () -> "each leg of the interrupted " + interrupted + " is applied or not; " + account + " holds "
                                + actual + ", expected " + without.get(account) + " or " + with.get(account));
            } else {
                assertEquals(without.get(account), actual, "an account the interrupted command does not touch");
            }
        }
    }

    /**
     * Without atomicity, after recovery: a retry of the interrupted id moves no money a second time
     * (whatever it answers), and new commands neither widen nor mend the damage.
     */
    private static void checkKeepsWorking(Wallet recovered, ContractRun run, MoneyCommand interrupted,
                                          Map<AccountId, Optional<Money>> observed, long gap, Random random,
                                          List<AccountId> customers) {
        Outcome retry = recovered.execute(interrupted);
        assertTrue(retry.replay() || !retry.status().movedMoney(), () -> "a retry of the interrupted command must not "
                + "move money again: " + retry);
        assertEquals(observed, Ledgers.snapshot(recovered, run.accounts), "balances after the retry");
        String currency = interrupted.amount().currency().getCurrencyCode();
        for (int i = 0; i < COMMANDS_AFTER_RECOVERY; i++) {
            TransactionId id = TransactionId.of(random.nextLong(), random.nextLong() | 1L);
            AccountId account = customers.get(random.nextInt(customers.size()));
            Outcome outcome = recovered.execute(new Deposit(id, account, Money.of(ContractRun.USD, 1 + random.nextInt(100))));
            assertEquals(dev.wallet.api.Status.SUCCESS, outcome.status(), "the recovered wallet keeps taking deposits");
        }
        assertEquals(gap, Ledgers.sums(Ledgers.snapshot(recovered, run.accounts)).getOrDefault(currency, 0L),
                "the crash's damage stays what it was");
    }

    /** A command that will succeed on the model: a transfer between two customers, or a deposit or withdrawal. */
    static MoneyCommand randomCommand(Random random, ModelWallet model, List<AccountId> customers) {
        TransactionId id = TransactionId.of(random.nextLong(), random.nextLong() | 1L);
        AccountId source = customers.get(random.nextInt(customers.size()));
        int kind = random.nextInt(10);
        if (kind == 0) {
            return new Deposit(id, source, Money.of(ContractRun.USD, 1 + random.nextInt(5_000)));
        }
        long balance = model.balance(source);
        if (balance < 2) {
            return new Deposit(id, source, Money.of(ContractRun.USD, 1 + random.nextInt(5_000)));
        }
        Money amount = Money.of(ContractRun.USD, 1 + (long) (random.nextDouble() * (balance / 2)));
        if (kind == 1) {
            return new Withdrawal(id, source, amount);
        }
        AccountId target = customers.get((customers.indexOf(source) + 1 + random.nextInt(customers.size() - 1)) % customers.size());
        return new Transfer(id, source, target, amount);
    }
}
