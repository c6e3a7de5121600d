package dev.wallet.examples;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.eventsourcing.EventSourcedWallet;
import dev.wallet.eventsourcing.RecoveryReport;
import dev.wallet.examples.bench.Directories;
import dev.wallet.examples.bench.LoadRun;
import dev.wallet.examples.bench.Workload;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Everything the single-node event-sourcing strategy is measured by, as a command:
 *
 * <pre>
 * MAVEN_OPTS="-Xmx8g -XX:+UseTransparentHugePages" mvn -q -pl wallet-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.wallet.examples.EventSourcingBenchmark -Dexec.args="--runs 5"
 * </pre>
 *
 * <ol>
 *   <li>durable transfers/s and acknowledgement latency, uniform and hot workloads, history
 *       projection on and off, each run on a fresh journal with fsync per batch;</li>
 *   <li>a journal of {@code --events} transfers: bytes per event on disk, recovery time without a
 *       snapshot (the replay rate) and with one;</li>
 *   <li>heap per account and per remembered transaction id.</li>
 * </ol>
 * Options: {@code --dir} (where journals go; default a temporary directory on the same disk as
 * the JVM's temporary files), {@code --runs}, {@code --seconds}, {@code --warmup},
 * {@code --mode} (default {@code batch:8000}), {@code --threads} (default 2), {@code --events}
 * (default 10,000,000).
 */
public final class EventSourcingBenchmark {

    private EventSourcingBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("dir", "runs", "seconds", "warmup", "mode", "threads", "events", "skip"));
        Path root = args.get("dir", null) == null ? Files.createTempDirectory("wallet-es-bench-")
                : Files.createDirectories(Path.of(args.get("dir", null)));
        int runs = args.intValue("runs", 5);
        double seconds = args.doubleValue("seconds", 5);
        double warmup = args.doubleValue("warmup", 5);
        String mode = args.get("mode", "batch:8000");
        int threads = args.intValue("threads", 2);
        int events = args.intValue("events", 10_000_000);
        Set<String> skip = Set.copyOf(args.list("skip", "none"));
        System.out.printf(Locale.ROOT, "cores=%d  java=%s  max-heap=%d MiB  journal dir=%s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20, root);
        try {
            if (!skip.contains("throughput")) {
                throughput(root, runs, seconds, warmup, mode, threads);
            }
            if (!skip.contains("recovery")) {
                recovery(root, events);
            }
            if (!skip.contains("memory")) {
                memory(root);
            }
        } finally {
            Directories.deleteRecursively(root);
        }
    }

    private static void throughput(Path root, int runs, double seconds, double warmup, String mode, int threads)
            throws Exception {
        System.out.println();
        System.out.printf(Locale.ROOT, "Durable transfers (fsync per batch), %s from %d threads, median of %d runs of %.0f s:%n",
                mode, threads, runs, seconds);
        System.out.printf(Locale.ROOT, "%-26s %-8s %14s %10s %10s%n", "workload", "history", "transfers/s", "p50 ms", "p99 ms");
        for (Workload workload : List.of(Workload.uniform(100_000), Workload.hot(4))) {
            for (boolean history : new boolean[] {true, false}) {
                run(root, workload, history, mode, threads, warmup, 99);
                List<LoadRun.Result> results = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    results.add(run(root, workload, history, mode, threads, seconds, i));
                }
                results.sort(Comparator.comparingDouble(LoadRun.Result::transfersPerSecond));
                LoadRun.Result median = results.get(results.size() / 2);
                System.out.printf(Locale.ROOT, "%-26s %-8s %,14.0f %10.2f %10.2f   (runs: %s)%n", workload, history ? "on" : "off",
                        median.transfersPerSecond(), median.percentileMicros(50) / 1000, median.percentileMicros(99) / 1000,
                        results.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r.transfersPerSecond())).toList());
            }
        }
    }

    private static LoadRun.Result run(Path root, Workload workload, boolean history, String mode, int threads,
                                      double seconds, long seed) throws Exception {
        Path directory = Files.createTempDirectory(root, "throughput-");
        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(history).build()) {
            workload.setUp(wallet);
            LoadRun.Result result = LoadRun.run(wallet, workload, mode, threads, seconds, seed);
            if (workload.conservationSum(wallet) != 0) {
                throw new IllegalStateException("money not conserved");
            }
            return result;
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    private static void recovery(Path root, int events) throws Exception {
        Path directory = Files.createTempDirectory(root, "recovery-");
        Workload workload = Workload.uniform(100_000);
        System.out.println();
        System.out.printf(Locale.ROOT, "Journal of %,d transfers over %s:%n", events, workload);
        long written;
        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(false)
                .snapshotEvery(Long.MAX_VALUE).build()) {
            workload.setUp(wallet);
            long started = System.nanoTime();
            SplittableRandom random = new SplittableRandom(5);
            List<MoneyCommand> batch = new ArrayList<>(8_000);
            for (int done = 0; done < events; done += batch.size()) {
                batch.clear();
                for (int i = 0; i < Math.min(8_000, events - done); i++) {
                    batch.add(workload.next(random));
                }
                for (Outcome outcome : wallet.executeBatch(batch)) {
                    if (!outcome.isSuccess()) {
                        throw new IllegalStateException(outcome.toString());
                    }
                }
            }
            written = wallet.lastSequence();
            System.out.printf(Locale.ROOT, "  written in %.1f s (%,.0f transfers/s, one client thread)%n",
                    (System.nanoTime() - started) / 1e9, events / ((System.nanoTime() - started) / 1e9));
        }
        long journalBytes = sizeOf(directory, ".wal");
        System.out.printf(Locale.ROOT, "  journal: %,d events, %,d bytes = %.1f bytes per event on disk%n", written,
                journalBytes, (double) journalBytes / written);
        RecoveryReport cold = reopen(directory);
        System.out.printf(Locale.ROOT, "  recovery without a snapshot: %,d ms (replayed %,d events = %,.0f events/s)%n",
                cold.elapsedMillis(), cold.eventsReplayed(), cold.eventsReplayed() / (cold.elapsedMillis() / 1000.0));
        long snapshotMillis;
        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(false)
                .snapshotEvery(Long.MAX_VALUE).build()) {
            long started = System.nanoTime();
            wallet.snapshot();
            snapshotMillis = (System.nanoTime() - started) / 1_000_000;
        }
        System.out.printf(Locale.ROOT, "  snapshot of %,d accounts and %,d ids: %,d bytes, written in %,d ms%n",
                workload.accounts() + 1, written - workload.accounts() - 1, sizeOf(directory, ".snap"), snapshotMillis);
        RecoveryReport warm = reopen(directory);
        System.out.printf(Locale.ROOT, "  recovery with that snapshot: %,d ms (snapshot at %,d, replayed %,d events)%n",
                warm.elapsedMillis(), warm.snapshotSequence(), warm.eventsReplayed());
        Directories.deleteRecursively(directory);
    }

    private static RecoveryReport reopen(Path directory) {
        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(false)
                .snapshotEvery(Long.MAX_VALUE).build()) {
            return wallet.recovery();
        }
    }

    private static long sizeOf(Path directory, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            long total = 0;
            for (Path file : files.filter(f -> f.toString().endsWith(suffix)).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    private static void memory(Path root) throws Exception {
        Path directory = Files.createTempDirectory(root, "memory-");
        System.out.println();
        System.out.println("Heap, measured as used heap after a full GC, history projection off:");
        Workload workload = Workload.uniform(1_000_000);
        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(false)
                .snapshotEvery(Long.MAX_VALUE).build()) {
            long before = usedHeapAfterGc();
            workload.openAccounts(wallet);
            long afterAccounts = usedHeapAfterGc();
            System.out.printf(Locale.ROOT, "  per account: %.0f bytes (1,000,000 accounts, ids already on the heap)%n",
                    (double) (afterAccounts - before) / workload.accounts());
            workload.fund(wallet);
            afterAccounts = usedHeapAfterGc();
            SplittableRandom random = new SplittableRandom(8);
            int ids = 5_000_000 - workload.accounts();
            List<MoneyCommand> batch = new ArrayList<>(8_000);
            for (int done = 0; done < ids; done += batch.size()) {
                batch.clear();
                for (int i = 0; i < 8_000; i++) {
                    batch.add(workload.next(random));
                }
                wallet.executeBatch(batch);
            }
            long afterIds = usedHeapAfterGc();
            System.out.printf(Locale.ROOT, "  per remembered transaction id: %.0f bytes measured (%,d ids), %.0f bytes by the"
                    + " index's own accounting%n", (double) (afterIds - afterAccounts) / ids, ids + workload.accounts(),
                    wallet.idIndexBytesPerId());
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
