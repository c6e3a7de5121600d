package dev.wallet.examples;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletMetric;
import dev.wallet.eventsourcing.EventSourcedWallet;
import dev.wallet.eventsourcing.RecoveryReport;
import dev.wallet.examples.bench.Directories;
import dev.wallet.examples.bench.Workload;
import dev.wallet.raft.EmbeddedCluster;
import dev.wallet.raft.ReplicatedWallet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The event-sourced wallet held at its headline rate for hundreds of millions of durable transfers
 * with a bounded heap: a separate command, not part of the test run. {@code --strategy
 * event-sourcing} (the default) runs the single node; {@code --strategy event-sourcing-raft} an
 * embedded cluster of three replicas in this JVM.
 *
 * <pre>
 * MAVEN_OPTS="-Xmx4g -XX:+UseTransparentHugePages" mvn -q -pl wallet-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.wallet.examples.EventSourcingSoak -Dexec.args="--transfers 300000000"
 * MAVEN_OPTS="-Xmx8g -XX:+UseTransparentHugePages" mvn -q -pl wallet-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.wallet.examples.EventSourcingSoak \
 *     -Dexec.args="--strategy event-sourcing-raft --transfers 100000000 --threads 8 --batch 16000"
 * </pre>
 *
 * Every {@code --report-seconds} (10) it prints transfers/s over the window, the heap used after
 * the last garbage collection, the ids held in memory (summed over the replicas) and archived on
 * disk (single node), bytes on disk, and the
 * oldest id still answered (the run's very first transfer, looked up). At the end it repeats a
 * transfer from the first second (it must answer its original outcome, and a conflict with
 * another amount), compares the last minute's rate with the first, and reopens the wallet to time
 * recovery. Options: {@code --dir} (kept afterwards; default a temporary directory, deleted),
 * {@code --transfers}, {@code --accounts} (100,000, uniform), {@code --threads} (2),
 * {@code --batch} (8,000), {@code --history} (on), {@code --report-seconds}.
 */
public final class EventSourcingSoak {

    private EventSourcingSoak() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("strategy", "dir", "transfers", "accounts", "threads", "batch", "history",
                "report-seconds"));
        String strategy = args.get("strategy", "event-sourcing");
        if (!strategy.equals("event-sourcing") && !strategy.equals("event-sourcing-raft")) {
            throw new IllegalArgumentException("--strategy must be event-sourcing or event-sourcing-raft: " + strategy);
        }
        boolean replicated = strategy.equals("event-sourcing-raft");
        boolean keep = args.get("dir", null) != null;
        Path directory = keep ? Files.createDirectories(Path.of(args.get("dir", null)))
                : Files.createTempDirectory("wallet-es-soak-");
        long target = Long.parseLong(args.get("transfers", "300000000"));
        Workload workload = Workload.uniform(args.intValue("accounts", 100_000));
        int threads = args.intValue("threads", 2);
        int batchSize = args.intValue("batch", 8_000);
        boolean history = !args.get("history", "on").equals("off");
        double reportSeconds = args.doubleValue("report-seconds", 10);
        HeapAfterGc heap = HeapAfterGc.watch();
        System.out.printf(Locale.ROOT, "cores=%d  java=%s  max-heap=%d MiB  dir=%s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20, directory);
        System.out.printf(Locale.ROOT, "%s: %,d durable transfers, %s, history projection %s, batches of %,d from %d threads%n",
                strategy, target, workload, replicated ? "not offered" : history ? "on" : "off", batchSize, threads);
        try {
            if (replicated) {
                soakReplicated(directory, workload, target, threads, batchSize, reportSeconds, heap);
                return;
            }
            Soak soak;
            try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(history).build()) {
                soak = new Soak(wallet, workload, target, threads, batchSize, name -> metric(wallet, name));
                soak.runAndCheck(reportSeconds, heap, directory);
            }
            long started = System.nanoTime();
            try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).history(history).build()) {
                RecoveryReport recovery = wallet.recovery();
                System.out.printf(Locale.ROOT, "reopened in %,d ms: snapshot at %,d, %,d events replayed; first transfer %s%n",
                        (System.nanoTime() - started) / 1_000_000, recovery.snapshotSequence(), recovery.eventsReplayed(),
                        wallet.lookup(soak.first.get().transactionId()).map(TransactionLookup::toString).orElse("NOT FOUND"));
            }
        } finally {
            if (!keep) {
                Directories.deleteRecursively(directory);
            }
        }
    }

    /** Three replicas in this JVM: the same load, ids in memory summed over the replicas, then a restart of the cluster. */
    private static void soakReplicated(Path directory, Workload workload, long target, int threads, int batchSize,
                                       double reportSeconds, HeapAfterGc heap) throws Exception {
        Soak soak;
        try (EmbeddedCluster cluster = ReplicatedWallet.embedded(directory).start()) {
            soak = new Soak(cluster.wallet(), workload, target, threads, batchSize, name -> name.equals("wallet.ids.memory")
                    ? cluster.runningReplicas().stream().mapToLong(replica -> cluster.state(replica).idsInMemory()).sum()
                    : Double.NaN);
            soak.runAndCheck(reportSeconds, heap, directory);
        }
        long started = System.nanoTime();
        try (EmbeddedCluster cluster = ReplicatedWallet.embedded(directory).start()) {
            Optional<TransactionLookup> first = cluster.wallet().lookup(soak.first.get().transactionId());
            System.out.printf(Locale.ROOT, "restarted the cluster and looked up the first transfer in %,d ms: %s; %s%n",
                    (System.nanoTime() - started) / 1_000_000, first.map(TransactionLookup::toString).orElse("NOT FOUND"),
                    cluster.runningReplicas().stream().map(cluster::state).toList());
        }
    }

    private static double metric(Wallet wallet, String name) {
        return wallet.metrics().stream().filter(m -> m.name().equals(name)).findFirst().map(WalletMetric::value)
                .orElse(Double.NaN);
    }

    /** The load: client threads sending batches until the target is reached, and what they remember of the first second. */
    private static final class Soak {
        private final Wallet wallet;
        private final ToDoubleFunction<String> metrics;
        private final Workload workload;
        private final long target;
        private final int threads;
        private final int batchSize;
        private final AtomicLong claimed = new AtomicLong();
        private final AtomicLong done = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicReference<Transfer> first = new AtomicReference<>();
        private final List<Transfer> firstSecond = new ArrayList<>();
        private volatile long startedNanos;

        Soak(Wallet wallet, Workload workload, long target, int threads, int batchSize, ToDoubleFunction<String> metrics) {
            this.wallet = wallet;
            this.metrics = metrics;
            this.workload = workload;
            this.target = target;
            this.threads = threads;
            this.batchSize = batchSize;
        }

        /** Opens the accounts, runs the load, then checks the first second's transfers and that money is conserved. */
        void runAndCheck(double reportSeconds, HeapAfterGc heap, Path directory) throws Exception {
            workload.setUp(wallet);
            run(reportSeconds, heap, directory);
            checkFirstSecond();
            if (workload.conservationSum(wallet) != 0) {
                throw new IllegalStateException("money was not conserved");
            }
            System.out.println("money conserved: every balance sums to zero");
        }

        private void run(double reportSeconds, HeapAfterGc heap, Path directory) throws Exception {
            List<Thread> clients = new ArrayList<>();
            startedNanos = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(1000 + t);
                Thread client = new Thread(() -> drive(random), "soak-client-" + t);
                client.start();
                clients.add(client);
            }
            System.out.printf(Locale.ROOT, "%8s %14s %12s %12s %14s %14s %12s  %s%n", "seconds", "transfers", "per second",
                    "heap MiB", "ids in memory", "ids on disk", "disk MiB", "first transfer");
            List<long[]> samples = new ArrayList<>();
            samples.add(new long[] {startedNanos, 0});
            long next = startedNanos;
            while (clients.stream().anyMatch(Thread::isAlive)) {
                next += (long) (reportSeconds * 1e9);
                for (Thread client : clients) {
                    client.join(Math.max(1, (next - System.nanoTime()) / 1_000_000));
                }
                while (System.nanoTime() < next && clients.stream().anyMatch(Thread::isAlive)) {
                    Thread.sleep(Math.max(1, (next - System.nanoTime()) / 1_000_000));
                }
                long now = System.nanoTime();
                long count = done.get();
                long[] previous = samples.get(samples.size() - 1);
                samples.add(new long[] {now, count});
                Transfer firstTransfer = first.get();
                Optional<TransactionLookup> answer = firstTransfer == null ? Optional.empty() : wallet.lookup(firstTransfer.transactionId());
                System.out.printf(Locale.ROOT, "%8.0f %,14d %,12.0f %,12d %,14.0f %,14.0f %,12d  %s%n", (now - startedNanos) / 1e9,
                        count, (count - previous[1]) / ((now - previous[0]) / 1e9), heap.usedAfterLastGc() >> 20,
                        metrics.applyAsDouble("wallet.ids.memory"), metrics.applyAsDouble("wallet.ids.archived"),
                        bytesUnder(directory) >> 20,
                        answer.map(a -> a.status().map(Status::name).orElse("IN FLIGHT")).orElse("-"));
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a client failed", failure.get());
            }
            long[] last = samples.get(samples.size() - 1);
            double seconds = (last[0] - startedNanos) / 1e9;
            System.out.printf(Locale.ROOT, "%,d transfers in %.0f s: %,.0f transfers/s on average%n", last[1], seconds,
                    last[1] / seconds);
            double firstMinute = rateOver(samples, 0, 60);
            double lastMinute = rateOver(samples, seconds - 60, seconds);
            System.out.printf(Locale.ROOT, "first minute %,.0f/s, last minute %,.0f/s: ratio %.2f%n", firstMinute, lastMinute,
                    lastMinute / firstMinute);
        }

        private void drive(SplittableRandom random) {
            try {
                List<MoneyCommand> batch = new ArrayList<>(batchSize);
                while (true) {
                    long from = claimed.getAndAdd(batchSize);
                    if (from >= target) {
                        return;
                    }
                    batch.clear();
                    for (long i = from; i < Math.min(target, from + batchSize); i++) {
                        batch.add(workload.next(random));
                    }
                    List<Outcome> outcomes = wallet.executeBatch(batch);
                    for (Outcome outcome : outcomes) {
                        if (outcome.status() != Status.SUCCESS) {
                            throw new IllegalStateException("unexpected outcome " + outcome);
                        }
                    }
                    if (System.nanoTime() - startedNanos < 1_000_000_000L) {
                        synchronized (firstSecond) {
                            first.compareAndSet(null, (Transfer) batch.get(0));
                            if (firstSecond.size() < 1_000) {
                                firstSecond.add((Transfer) batch.get(batch.size() / 2));
                            }
                        }
                    }
                    done.addAndGet(batch.size());
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }

        /** Transfers from the first second still answer their outcome, and a conflict with another amount. */
        private void checkFirstSecond() {
            List<Transfer> sample;
            synchronized (firstSecond) {
                sample = new ArrayList<>(firstSecond);
                sample.add(0, first.get());
            }
            int replayed = 0;
            int conflicts = 0;
            for (Transfer transfer : sample) {
                Outcome again = wallet.execute(transfer);
                if (again.replay() && again.status() == Status.SUCCESS) {
                    replayed++;
                }
                Transfer altered = new Transfer(transfer.transactionId(), transfer.source(), transfer.target(),
                        Money.of(transfer.amount().currency(), transfer.amount().minor() + 1));
                if (wallet.execute(altered).status() == Status.CONFLICT) {
                    conflicts++;
                }
            }
            System.out.printf(Locale.ROOT, "%d transfers of the first second repeated: %d replayed with their original outcome,"
                    + " %d conflicts with another amount%n", sample.size(), replayed, conflicts);
            if (replayed != sample.size() || conflicts != sample.size()) {
                throw new IllegalStateException("an id from the first second lost its outcome");
            }
        }

        private double rateOver(List<long[]> samples, double fromSeconds, double toSeconds) {
            long[] from = null;
            long[] to = null;
            for (long[] sample : samples) {
                double at = (sample[0] - startedNanos) / 1e9;
                if (from == null && at >= fromSeconds - 1e-9) {
                    from = sample;
                }
                if (at <= toSeconds + 1e-9) {
                    to = sample;
                }
            }
            if (from == null || to == null || to[0] <= from[0]) {
                return Double.NaN;
            }
            return (to[1] - from[1]) / ((to[0] - from[0]) / 1e9);
        }
    }

    private static long bytesUnder(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> {
                try {
                    return Files.size(path);
                } catch (IOException e) {
                    return 0;   // removed while counting
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The heap in use right after the most recent garbage collection, from the collectors' notifications. */
    private static final class HeapAfterGc {
        private final AtomicLong used = new AtomicLong();

        static HeapAfterGc watch() {
            HeapAfterGc watcher = new HeapAfterGc();
            Set<String> heapPools = new HashSet<>();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPools.add(pool.getName());
                }
            }
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) collector).addNotificationListener((notification, handback) -> {
                    if (notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                                (CompositeData) notification.getUserData());
                        long total = 0;
                        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                            if (heapPools.contains(pool.getKey())) {
                                total += pool.getValue().getUsed();
                            }
                        }
                        watcher.used.set(total);
                    }
                }, null, null);
            }
            return watcher;
        }

        long usedAfterLastGc() {
            return used.get();
        }
    }
}
