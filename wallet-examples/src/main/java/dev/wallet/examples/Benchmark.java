package dev.wallet.examples;

import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.examples.bench.Directories;
import dev.wallet.examples.bench.LoadRun;
import dev.wallet.examples.bench.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Transfers/s and latency percentiles of a strategy, as a command (never a timed test):
 *
 * <pre>
 * mvn -q -pl wallet-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.wallet.examples.Benchmark \
 *     -Dexec.args="--strategy memory --workload uniform,hot --threads 1,2 --mode sync"
 * </pre>
 *
 * For each workload, thread count and mode: one warm-up run, then {@code --runs} measured runs,
 * each on a fresh deployment; it prints each run and the median of the runs.
 */
public final class Benchmark {

    private Benchmark() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("strategy", "workload", "threads", "mode", "seconds", "warmup", "runs", "seed"));
        WalletStrategy strategy = WalletStrategies.named(args.get("strategy", "memory"));
        double seconds = args.doubleValue("seconds", 3);
        double warmup = args.doubleValue("warmup", 3);
        int runs = args.intValue("runs", 5);
        long seed = args.intValue("seed", 42);
        System.out.printf(Locale.ROOT, "strategy=%s  cores=%d  java=%s  max-heap=%d MiB  runs=%d x %.1f s after %.1f s warm-up%n",
                strategy.name(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20, runs, seconds, warmup);
        System.out.printf(Locale.ROOT, "%-26s %-10s %7s %14s %10s %10s%n", "workload", "mode", "threads", "transfers/s", "p50 us", "p99 us");
        for (String workloadName : args.list("workload", "uniform,hot")) {
            Workload workload = Workload.parse(workloadName);
            for (String mode : args.list("mode", "sync")) {
                for (String threadCount : args.list("threads", "1,2")) {
                    int threads = Integer.parseInt(threadCount);
                    measure(strategy, workload, mode, threads, seconds, warmup, runs, seed);
                }
            }
        }
    }

    private static void measure(WalletStrategy strategy, Workload workload, String mode, int threads, double seconds,
                                double warmup, int runs, long seed) throws Exception {
        if (warmup > 0) {
            runOnFreshDeployment(strategy, workload, mode, threads, warmup, seed - 1);
        }
        List<LoadRun.Result> results = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            LoadRun.Result result = runOnFreshDeployment(strategy, workload, mode, threads, seconds, seed + run);
            results.add(result);
            System.out.printf(Locale.ROOT, "  run %d: %,.0f transfers/s  p50 %.1f us  p99 %.1f us%n", run + 1,
                    result.transfersPerSecond(), result.percentileMicros(50), result.percentileMicros(99));
        }
        results.sort(Comparator.comparingDouble(LoadRun.Result::transfersPerSecond));
        LoadRun.Result median = results.get(results.size() / 2);
        System.out.printf(Locale.ROOT, "%-26s %-10s %7d %,14.0f %10.1f %10.1f%n", workload, mode, threads,
                median.transfersPerSecond(), median.percentileMicros(50), median.percentileMicros(99));
    }

    /**
     * One run on a new deployment, so that every run starts with the same state (an empty
     * idempotency index, the workload's accounts freshly funded) and runs are comparable.
     */
    static LoadRun.Result runOnFreshDeployment(WalletStrategy strategy, Workload workload, String mode, int threads,
                                               double seconds, long seed) throws Exception {
        Path directory = Files.createTempDirectory("wallet-bench-");
        try (Deployment deployment = strategy.deploy(directory); Wallet wallet = deployment.open()) {
            workload.setUp(wallet);
            LoadRun.Result result = LoadRun.run(wallet, workload, mode, threads, seconds, seed);
            long sum = workload.conservationSum(wallet);
            if (sum != 0) {
                throw new IllegalStateException("money not conserved after the benchmark: sum " + sum);
            }
            return result;
        } finally {
            Directories.deleteRecursively(directory);
        }
    }
}
