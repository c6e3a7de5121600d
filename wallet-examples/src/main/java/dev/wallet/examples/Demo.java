package dev.wallet.examples;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.TransferRequest;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.examples.bench.Directories;
import dev.wallet.examples.bench.LoadRun;
import dev.wallet.examples.bench.Workload;
import dev.wallet.examples.compare.GuaranteeProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The first thing to run: opens accounts on a strategy (embedded, nothing to install), runs a burst
 * of concurrent transfers, prints the rate, a few balances and the conservation check, shows
 * idempotency and bad input, then crashes the strategy at each of its crash points and says
 * whether money survived.
 *
 * <pre>mvn -q -pl wallet-examples -am -DskipTests compile exec:java</pre>
 *
 * Options: {@code --strategy NAME} (default {@code event-sourcing}), {@code --accounts N},
 * {@code --threads N}, {@code --seconds S}.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("strategy", "accounts", "threads", "seconds"));
        WalletStrategy strategy = WalletStrategies.named(args.get("strategy", "event-sourcing"));
        Workload workload = Workload.uniform(args.intValue("accounts", 10_000));
        int threads = args.intValue("threads", 16);
        double seconds = args.doubleValue("seconds", 2);
        System.out.println("Strategy: " + strategy.name() + " - " + strategy.summary());
        System.out.println("Available strategies: " + WalletStrategies.all().stream().map(WalletStrategy::name).toList());
        Path directory = Files.createTempDirectory("wallet-demo-");
        try (Deployment deployment = strategy.deploy(directory); Wallet wallet = deployment.open()) {
            workload.setUp(wallet);
            System.out.printf(Locale.ROOT, "Opened %,d accounts with %s each.%n", workload.accounts(),
                    Money.of(Workload.USD, Workload.OPENING_BALANCE_MINOR));
            LoadRun.Result burst = LoadRun.run(wallet, workload, "sync", threads, seconds, 7);
            System.out.printf(Locale.ROOT, "Burst: %,d transfers from %d threads in %.1f s = %,.0f transfers/s (p50 %.1f us, p99 %.1f us)%n",
                    burst.transfers(), threads, burst.seconds(), burst.transfersPerSecond(),
                    burst.percentileMicros(50), burst.percentileMicros(99));
            for (int i = 0; i < 3; i++) {
                AccountId account = workload.account(i);
                System.out.println("  balance of " + account + ": " + wallet.balance(account).orElseThrow());
            }
            System.out.println("  funding account: " + wallet.balance(AccountId.funding(Workload.USD)).orElseThrow());
            long sum = workload.conservationSum(wallet);
            System.out.println("Conservation: sum of all USD balances, funding included = " + sum + (sum == 0 ? " (held)" : " (BROKEN)"));
            showIdempotencyAndBadInput(wallet, workload);
        } finally {
            Directories.deleteRecursively(directory);
        }
        showCrashes(strategy);
        System.out.println("Next: -Dexec.args=\"--strategy memory\" shows a crash losing money; "
                + "-Dexec.mainClass=dev.wallet.examples.Compare runs every strategy side by side.");
    }

    private static void showIdempotencyAndBadInput(Wallet wallet, Workload workload) {
        Transfer transfer = new Transfer(TransactionId.random(), workload.account(0), workload.account(1),
                Money.parseAmount("12.34", Workload.USD));
        Outcome first = wallet.transfer(transfer);
        Outcome again = wallet.transfer(transfer);
        System.out.println("Idempotency: first " + first.status() + ", repeat " + again.status()
                + (again.replay() ? " (replay, no money moved)" : ""));
        Transfer tooMuch = new Transfer(TransactionId.random(), workload.account(0), workload.account(1),
                Money.of(Workload.USD, Money.MAX_AMOUNT_MINOR));
        System.out.println("Overdraft: " + wallet.transfer(tooMuch).status());
        try {
            wallet.transfer(new TransferRequest("alice", "bob", "1e3", "USD", TransactionId.random().toString()));
        } catch (RuntimeException e) {
            System.out.println("Bad input: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void showCrashes(WalletStrategy strategy) {
        for (CrashPoint point : strategy.crashPoints()) {
            GuaranteeProbe.CrashResult crash = GuaranteeProbe.crash(strategy, point, point.name().hashCode());
            System.out.printf("Crash at %-34s -> %s, %d/%d acknowledged transfers kept%n", point.name(),
                    crash.conserved() ? "money conserved" : "money " + crash.verdict() + " (" + point.description() + ")",
                    crash.present(), crash.acknowledged());
        }
    }
}
