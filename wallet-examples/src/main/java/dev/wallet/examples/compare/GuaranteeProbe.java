package dev.wallet.examples.compare;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.SimulatedCrashException;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.eventsourcing.AuditReport;
import dev.wallet.eventsourcing.EventSourcedWallet;
import dev.wallet.examples.bench.Directories;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Measures what a strategy keeps, rather than reading what it declares: crashes it at a crash
 * point and counts the money and the acknowledged transfers that survive recovery; restarts it and
 * counts what survives; replays its history where it has one. Every figure comes from a fresh
 * deployment in a temporary directory and a seeded sequence of commands, so the same seed gives the
 * same commands.
 */
public final class GuaranteeProbe {

    static final Currency USD = Currency.getInstance("USD");
    static final int CUSTOMERS = 4;
    static final int ACKNOWLEDGED_BEFORE = 24;
    static final int ATTEMPTS_TO_REACH_POINT = 200;

    /**
     * What one crash did.
     *
     * @param point        where the process died
     * @param reached      whether the seeded commands reached the point at all
     * @param gapMinor     the sum of all USD balances after recovery, funding account included:
     *                     0 when money is conserved, negative when the crash destroyed money
     * @param acknowledged money commands acknowledged before the crash
     * @param present      of those, how many the recovered wallet still knows (a retry is a replay
     *                     with the original status)
     */
    public record CrashResult(CrashPoint point, boolean reached, long gapMinor, int acknowledged, int present) {

        /** Money conserved after recovery; false as well when the point was not reached (nothing was measured). */
        public boolean conserved() {
            return reached && gapMinor == 0;
        }

        /** {@code held}, or {@code broken: USD -25.00}. */
        public String verdict() {
            if (!reached) {
                return "not reached";
            }
            return gapMinor == 0 ? "held" : "broken: " + Money.of(USD, gapMinor);
        }
    }

    /**
     * What survived a restart of the whole process (wallet and deployment closed, a new deployment
     * opened on the same directory).
     */
    public record RestartResult(int acknowledged, int present, boolean balancesIntact) {
    }

    /**
     * Whether history can be replayed: {@code offered} is false when the wallet keeps no history
     * to replay; otherwise the audit's verdict and how many past balances were rebuilt correctly.
     */
    public record HistoryResult(boolean offered, boolean auditPassed, int pastBalancesChecked, int pastBalancesCorrect,
                                String detail) {

        public boolean replayable() {
            return offered && auditPassed && pastBalancesChecked > 0 && pastBalancesCorrect == pastBalancesChecked;
        }

        public String verdict() {
            if (!offered) {
                return "not offered";
            }
            return (replayable() ? "yes" : "NO") + " (audit " + (auditPassed ? "passed" : "failed") + ", "
                    + pastBalancesCorrect + "/" + pastBalancesChecked + " past balances rebuilt)";
        }
    }

    private GuaranteeProbe() {
    }

    /** Crashes {@code strategy} at {@code point} in the middle of a seeded stream of transfers. */
    public static CrashResult crash(WalletStrategy strategy, CrashPoint point, long seed) {
        Path directory = temporaryDirectory(strategy);
        try {
            Random random = new Random(seed);
            Ledger ledger = new Ledger(random);
            int acknowledged;
            MoneyCommand interrupted = null;
            try (Deployment deployment = strategy.deploy(directory)) {
                FaultInjector faults = FaultInjector.create();
                Wallet wallet = deployment.open(faults);
                try {
                    ledger.setUp(wallet);
                    for (int i = 0; i < ACKNOWLEDGED_BEFORE; i++) {
                        ledger.execute(wallet, ledger.nextTransfer());
                    }
                    faults.arm(point);
                    for (int i = 0; i < ATTEMPTS_TO_REACH_POINT && interrupted == null; i++) {
                        MoneyCommand command = ledger.nextTransfer();
                        try {
                            ledger.execute(wallet, command);
                        } catch (SimulatedCrashException crash) {
                            interrupted = command;
                        }
                    }
                } finally {
                    wallet.close();
                }
                acknowledged = ledger.acknowledged.size();
                if (interrupted == null) {
                    return new CrashResult(point, false, 0, acknowledged, 0);
                }
                try (Wallet recovered = deployment.open()) {
                    long gap = ledger.usdSum(recovered);
                    int present = ledger.countPresent(recovered);
                    return new CrashResult(point, true, gap, acknowledged, present);
                }
            }
        } finally {
            deleteRecursively(directory);
        }
    }

    /** Acknowledges a seeded stream of transfers, restarts the process, and counts what survived. */
    public static RestartResult restart(WalletStrategy strategy, long seed) {
        Path directory = temporaryDirectory(strategy);
        try {
            Random random = new Random(seed);
            Ledger ledger = new Ledger(random);
            try (Deployment deployment = strategy.deploy(directory); Wallet wallet = deployment.open()) {
                ledger.setUp(wallet);
                for (int i = 0; i < ACKNOWLEDGED_BEFORE; i++) {
                    ledger.execute(wallet, ledger.nextTransfer());
                }
            }
            try (Deployment deployment = strategy.deploy(directory); Wallet wallet = deployment.open()) {
                boolean intact = ledger.balancesMatch(wallet);
                return new RestartResult(ledger.acknowledged.size(), ledger.countPresent(wallet), intact);
            }
        } finally {
            deleteRecursively(directory);
        }
    }

    /**
     * Where the wallet keeps a history: records every balance after the deposits, runs the seeded
     * transfers, rebuilds each recorded balance at that past point from the history, and audits a
     * full replay against the live state.
     */
    public static HistoryResult history(WalletStrategy strategy, long seed) {
        Path directory = temporaryDirectory(strategy);
        try (Deployment deployment = strategy.deploy(directory); Wallet wallet = deployment.open()) {
            if (!(wallet instanceof EventSourcedWallet events)) {
                return new HistoryResult(false, false, 0, 0, wallet.getClass().getSimpleName() + " keeps no replayable history");
            }
            Ledger ledger = new Ledger(new Random(seed));
            ledger.setUp(wallet);
            long then = events.lastSequence();
            Map<AccountId, Long> before = new HashMap<>(ledger.balances);
            for (int i = 0; i < ACKNOWLEDGED_BEFORE; i++) {
                ledger.execute(wallet, ledger.nextTransfer());
            }
            int correct = 0;
            for (Map.Entry<AccountId, Long> entry : before.entrySet()) {
                Optional<Money> rebuilt = events.balanceAt(entry.getKey(), then);
                if (rebuilt.equals(Optional.of(Money.of(USD, entry.getValue())))) {
                    correct++;
                }
            }
            AuditReport audit = events.audit();
            return new HistoryResult(true, audit.passed(), before.size(), correct,
                    audit.firstDivergence().orElse(audit.eventsReplayed() + " events replayed"));
        } finally {
            deleteRecursively(directory);
        }
    }

    /** A few customer accounts, a model of their balances, and the commands acknowledged so far. */
    private static final class Ledger {
        private final Random random;
        private final List<AccountId> customers = new ArrayList<>();
        private final Map<AccountId, Long> balances = new HashMap<>();
        private final List<Acknowledged> acknowledged = new ArrayList<>();

        Ledger(Random random) {
            this.random = random;
            for (int i = 0; i < CUSTOMERS; i++) {
                customers.add(AccountId.of("probe-" + i));
            }
        }

        void setUp(Wallet wallet) {
            for (AccountId account : customers) {
                wallet.openAccount(account, USD);
                balances.put(account, 0L);
            }
            for (AccountId account : customers) {
                execute(wallet, new Deposit(nextId(), account, Money.of(USD, 10_000 + random.nextInt(40_000))));
            }
        }

        Transfer nextTransfer() {
            AccountId source = customers.get(random.nextInt(CUSTOMERS));
            AccountId target = customers.get((customers.indexOf(source) + 1 + random.nextInt(CUSTOMERS - 1)) % CUSTOMERS);
            long amount = 1 + (long) (random.nextDouble() * Math.max(1, balances.get(source) / 2));
            return new Transfer(nextId(), source, target, Money.of(USD, amount));
        }

        private TransactionId nextId() {
            return TransactionId.of(random.nextLong(), random.nextLong() | 1L);
        }

        void execute(Wallet wallet, MoneyCommand command) {
            Outcome outcome = wallet.execute(command);
            acknowledged.add(new Acknowledged(command, outcome.status()));
            if (outcome.status() == Status.SUCCESS) {
                if (balances.containsKey(command.debited())) {
                    balances.merge(command.debited(), -command.amount().minor(), Long::sum);
                }
                balances.merge(command.credited(), command.amount().minor(), Long::sum);
            }
        }

        long usdSum(Wallet wallet) {
            long sum = wallet.balance(AccountId.funding(USD)).map(Money::minor).orElse(0L);
            for (AccountId account : customers) {
                sum += wallet.balance(account).map(Money::minor).orElse(0L);
            }
            return sum;
        }

        boolean balancesMatch(Wallet wallet) {
            for (AccountId account : customers) {
                if (!wallet.balance(account).equals(Optional.of(Money.of(USD, balances.get(account))))) {
                    return false;
                }
            }
            return true;
        }

        /** Retries every acknowledged command: a replay with the original status means the wallet still has it. */
        int countPresent(Wallet wallet) {
            int present = 0;
            for (Acknowledged earlier : acknowledged) {
                Outcome retry = wallet.execute(earlier.command());
                if (retry.replay() && retry.status() == earlier.status()) {
                    present++;
                }
            }
            return present;
        }
    }

    private record Acknowledged(MoneyCommand command, Status status) {
    }

    static Path temporaryDirectory(WalletStrategy strategy) {
        return Directories.temporary("wallet-compare-" + strategy.name() + "-");
    }

    static void deleteRecursively(Path directory) {
        Directories.deleteRecursively(directory);
    }
}
