package dev.wallet.examples;

import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.examples.bench.LoadRun;
import dev.wallet.examples.bench.Workload;
import dev.wallet.examples.compare.ComparisonReport;
import dev.wallet.examples.compare.GuaranteeProbe;
import dev.wallet.examples.compare.StrategyResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs the same workload through every strategy on the class path and prints, per strategy,
 * transfers/s, p50/p99 latency and the guarantees as measured: money after a crash at each of its
 * crash points (held, or broken by how much), acknowledged transfers kept after the crash and after
 * a restart, and whether history replays. Writes {@code comparison.csv}, {@code crashes.csv},
 * {@code comparison.svg} and {@code comparison.html} (the chart inline) to {@code --out}.
 *
 * <pre>
 * mvn -q -pl wallet-examples -am -DskipTests compile exec:java -Dexec.mainClass=dev.wallet.examples.Compare
 * </pre>
 *
 * Options: {@code --strategies a,b} (default: all), {@code --seed} (42; the same seed gives the
 * same commands, crash scenarios and verdicts — throughput is measured, so it varies),
 * {@code --seconds} per measured run (2), {@code --runs} (3, the median is reported),
 * {@code --warmup} seconds (1), {@code --threads} (16, as many as the HTTP server's request threads), {@code --mode} ({@code sync},
 * {@code batch:N} or {@code async:N}), {@code --accounts} (1000), {@code --out}
 * ({@code target/comparison}).
 */
public final class Compare {

    private Compare() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("strategies", "seed", "seconds", "runs", "warmup", "threads", "mode", "accounts", "out"));
        List<WalletStrategy> strategies = args.get("strategies", "").isEmpty() ? WalletStrategies.all()
                : args.list("strategies", "").stream().map(WalletStrategies::named).toList();
        long seed = Long.parseLong(args.get("seed", "42"));
        double seconds = args.doubleValue("seconds", 2);
        int runs = args.intValue("runs", 3);
        double warmup = args.doubleValue("warmup", 1);
        int threads = args.intValue("threads", 16);
        String mode = args.get("mode", "sync");
        Workload workload = Workload.uniform(args.intValue("accounts", 1_000));
        Path out = Path.of(args.get("out", "target/comparison"));
        if (runs < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--runs must be at least 1 and --seconds positive");
        }
        String title = String.format(Locale.ROOT, "%s, %d threads, mode %s, median of %d x %.1f s; %d cores, Java %s; seed %d",
                workload, threads, mode, runs, seconds, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), seed);
        System.out.println("Comparing " + strategies.size() + " strategies: " + title);
        long started = System.nanoTime();
        List<StrategyResult> results = new ArrayList<>();
        for (int i = 0; i < strategies.size(); i++) {
            WalletStrategy strategy = strategies.get(i);
            String step = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, strategies.size(), strategy.name());
            results.add(measure(strategy, step, workload, mode, threads, seconds, runs, warmup, seed));
        }
        ComparisonReport report = new ComparisonReport(title, results);
        Files.createDirectories(out);
        Files.writeString(out.resolve("comparison.csv"), report.csv());
        Files.writeString(out.resolve("crashes.csv"), report.crashesCsv());
        Files.writeString(out.resolve("comparison.svg"), report.svg());
        Files.writeString(out.resolve("comparison.html"), report.html());
        System.out.println();
        System.out.print(report.markdown());
        System.out.printf(Locale.ROOT, "%nWrote %s (chart), comparison.svg, comparison.csv and crashes.csv in %s; %.0f s in all.%n",
                "comparison.html", out.toAbsolutePath(), (System.nanoTime() - started) / 1e9);
    }

    static StrategyResult measure(WalletStrategy strategy, String step, Workload workload, String mode, int threads,
                                  double seconds, int runs, double warmup, long seed) throws Exception {
        System.out.printf(Locale.ROOT, "%s: load, %.1f s warm-up then %d x %.1f s ...%n", step, warmup, runs, seconds);
        if (warmup > 0) {
            Benchmark.runOnFreshDeployment(strategy, workload, mode, threads, warmup, seed - 1);
        }
        List<LoadRun.Result> loads = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            loads.add(Benchmark.runOnFreshDeployment(strategy, workload, mode, threads, seconds, seed + run));
        }
        loads.sort(Comparator.comparingDouble(LoadRun.Result::transfersPerSecond));
        LoadRun.Result median = loads.get(loads.size() / 2);
        System.out.printf(Locale.ROOT, "%s:   %,.0f transfers/s, p50 %s, p99 %s%n", step, median.transfersPerSecond(),
                ComparisonReport.latency(median.percentileMicros(50)), ComparisonReport.latency(median.percentileMicros(99)));
        List<GuaranteeProbe.CrashResult> crashes = new ArrayList<>();
        for (CrashPoint point : strategy.crashPoints()) {
            GuaranteeProbe.CrashResult crash = GuaranteeProbe.crash(strategy, point, seed ^ point.name().hashCode());
            System.out.printf(Locale.ROOT, "%s:   crash at %-34s money %s, %d/%d acknowledged kept%n", step, point.name(),
                    crash.verdict(), crash.present(), crash.acknowledged());
            crashes.add(crash);
        }
        GuaranteeProbe.RestartResult restart = GuaranteeProbe.restart(strategy, seed);
        System.out.printf(Locale.ROOT, "%s:   restart: %d/%d acknowledged kept%s%n", step, restart.present(),
                restart.acknowledged(), restart.balancesIntact() ? ", balances intact" : ", balances lost");
        GuaranteeProbe.HistoryResult history = GuaranteeProbe.history(strategy, seed);
        System.out.printf(Locale.ROOT, "%s:   history replayable: %s%n", step, history.verdict());
        return new StrategyResult(strategy.name(), median.transfersPerSecond(), median.percentileMicros(50),
                median.percentileMicros(99), crashes, restart, history);
    }
}
