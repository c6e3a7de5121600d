package dev.wallet.examples;

import dev.wallet.raft.EmbeddedCluster;
import dev.wallet.raft.ReplicatedWallet;
import dev.wallet.examples.bench.Directories;
import dev.wallet.examples.bench.LoadRun;
import dev.wallet.examples.bench.TransferSource;
import dev.wallet.examples.bench.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Replicated transfers/s and acknowledgement latency of the Raft strategy: three replicas in this
 * JVM, each forcing its log to disk, for a range of commands per log entry.
 *
 * <pre>
 * MAVEN_OPTS="-Xms16g -Xmx16g -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages" mvn -q -pl wallet-examples -am \
 *     -DskipTests compile exec:java -Dexec.mainClass=dev.wallet.examples.ReplicatedBenchmark
 * </pre>
 *
 * Every measurement starts a fresh cluster in a temporary directory, opens and funds the
 * workload's accounts, runs a warm-up, then {@code --runs} measured runs of {@code --seconds}
 * each; the median run is printed. Options: {@code --dir}, {@code --runs} (5), {@code --seconds}
 * (4), {@code --warmup} (30: the JIT compiles Ratis, gRPC and Netty code for 20 to 30 s of load),
 * {@code --mode} (the load: {@code batch:16000} from each of {@code --threads} (8) threads, enough
 * transfers in flight that the acknowledgement latency does not cap the figure), {@code --sizes}
 * (commands per entry, default 128,1024,2048,4096,8192,16384), {@code --snapshot-every} (log
 * entries between snapshots; the embedded cluster's default when absent), {@code --id-window} (ids
 * each replica holds in memory; the embedded cluster's default when absent), {@code --ids} ({@code fresh},
 * the default: each transfer's account ids are built afresh, as a server parsing requests builds
 * them; {@code shared}: drawn from one table, see {@link Workload#freshIds}).
 */
public final class ReplicatedBenchmark {

    /** What one measurement does; see the class comment for each option. */
    private record Options(int runs, double seconds, double warmup, String mode, int threads, String snapshotEvery,
                           boolean freshIds, String idWindow) {
    }

    private ReplicatedBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("dir", "runs", "seconds", "warmup", "mode", "threads", "sizes", "accounts",
                "snapshot-every", "ids", "id-window"));
        Path root = args.get("dir", null) == null ? Files.createTempDirectory("wallet-raft-bench-")
                : Files.createDirectories(Path.of(args.get("dir", null)));
        String ids = args.get("ids", "fresh");
        if (!ids.equals("fresh") && !ids.equals("shared")) {
            throw new IllegalArgumentException("--ids must be fresh or shared: " + ids);
        }
        Options options = new Options(args.intValue("runs", 5), args.doubleValue("seconds", 4), args.doubleValue("warmup", 30),
                args.get("mode", "batch:16000"), args.intValue("threads", 8), args.get("snapshot-every", null),
                ids.equals("fresh"), args.get("id-window", null));
        int accounts = args.intValue("accounts", 100_000);
        List<String> sizes = args.list("sizes", "128,1024,2048,4096,8192,16384");
        System.out.printf(Locale.ROOT, "cores=%d  java=%s  max-heap=%d MiB  dir=%s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20, root);
        System.out.printf(Locale.ROOT, "Replicated transfers (3 replicas, durable logs), uniform over %,d accounts (%s ids), %s "
                        + "from %d threads, median of %d runs of %.0f s after a %.0f s warm-up:%n", accounts, ids, options.mode,
                options.threads, options.runs, options.seconds, options.warmup);
        System.out.printf(Locale.ROOT, "%-18s %14s %14s %10s %10s%n", "commands/entry", "transfers/s", "entries/s", "p50 ms",
                "p99 ms");
        try {
            for (String size : sizes) {
                measure(root, Integer.parseInt(size.trim()), Workload.uniform(accounts), options);
            }
        } finally {
            Directories.deleteRecursively(root);
        }
    }

    private static void measure(Path root, int batch, Workload workload, Options options) throws Exception {
        Path directory = Files.createTempDirectory(root, "cluster-");
        EmbeddedCluster.Builder builder = ReplicatedWallet.embedded(directory).batchCommandsMax(batch);
        if (options.idWindow != null) {
            builder.idWindow(Integer.parseInt(options.idWindow));
        }
        if (options.snapshotEvery != null) {
            builder.snapshotEveryEntries(Long.parseLong(options.snapshotEvery));
        }
        try (EmbeddedCluster cluster = builder.start()) {
            ReplicatedWallet wallet = cluster.wallet();
            workload.setUp(wallet);
            String mode = batch == 1 && options.mode.startsWith("batch") ? "async:64" : options.mode;
            TransferSource source = options.freshIds ? workload.freshIds() : workload;
            LoadRun.run(wallet, source, mode, options.threads, options.warmup, 99);
            List<LoadRun.Result> results = new ArrayList<>();
            List<Long> entries = new ArrayList<>();
            for (int i = 0; i < options.runs; i++) {
                long before = wallet.lastWriteIndex();
                LoadRun.Result result = LoadRun.run(wallet, source, mode, options.threads, options.seconds, i);
                results.add(result);
                entries.add(wallet.lastWriteIndex() - before);
            }
            if (workload.conservationSum(wallet) != 0) {
                throw new IllegalStateException("money not conserved");
            }
            int median = medianIndex(results);
            LoadRun.Result result = results.get(median);
            System.out.printf(Locale.ROOT, "%-18s %,14.0f %,14.0f %10.2f %10.2f   (runs: %s)%n",
                    batch + (mode.equals(options.mode) ? "" : " (" + mode + ")"), result.transfersPerSecond(),
                    entries.get(median) / result.seconds(), result.percentileMicros(50) / 1000, result.percentileMicros(99) / 1000,
                    results.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r.transfersPerSecond())).toList());
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    private static int medianIndex(List<LoadRun.Result> results) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(i -> results.get(i).transfersPerSecond()));
        return order.get(order.size() / 2);
    }
}
