package dev.wallet.examples;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.Partitioner;
import dev.wallet.examples.bench.Directories;
import dev.wallet.examples.bench.JdbcBaselines;
import dev.wallet.examples.bench.LoadRun;
import dev.wallet.examples.bench.TransferSource;
import dev.wallet.examples.bench.Workload;
import dev.wallet.twopc.CompensatingWallet;
import dev.wallet.twopc.ShardConfig;
import dev.wallet.twopc.TwoPhaseCommitWallet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The two-phase-commit strategy against its baselines, on file-based H2 (every commit forced):
 *
 * <pre>
 * mvn -q -pl wallet-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.wallet.examples.TwoPhaseCommitBenchmark -Dexec.args="--runs 3"
 * </pre>
 *
 * Same-shard transfers (both accounts and the transaction id on one shard: one local
 * transaction) and cross-shard transfers (two or three shards: two-phase commit), with 1, 2 and 4
 * client threads; the same cross-shard transfers under TC/C and under the Saga (each on fresh
 * shards); then, on the 2PC shard files, the same cross-shard transfers under Atomikos (JTA/XA);
 * and the same transfer as a local transaction on one unsharded database.
 */
public final class TwoPhaseCommitBenchmark {

    private static final int SHARDS = 4;
    private static final int ACCOUNTS_PER_SHARD = 250;
    private static final long BALANCE_MINOR = 1_000_000_000_000L;

    private TwoPhaseCommitBenchmark() {
    }

    /** Held so that the level set on it is not lost when the logger would be collected. */
    private static final java.util.logging.Logger ATOMIKOS_LOG = java.util.logging.Logger.getLogger("com.atomikos");

    public static void main(String[] argv) throws Exception {
        // Atomikos logs every setting at INFO through java.util.logging.
        ATOMIKOS_LOG.setLevel(java.util.logging.Level.WARNING);
        Args args = new Args(argv, Set.of("dir", "threads", "seconds", "warmup", "runs"));
        Path root = args.get("dir", null) == null ? Files.createTempDirectory("wallet-2pc-bench-")
                : Files.createDirectories(Path.of(args.get("dir", null)));
        double seconds = args.doubleValue("seconds", 5);
        double warmup = args.doubleValue("warmup", 3);
        int runs = args.intValue("runs", 3);
        List<Integer> threads = args.list("threads", "1,2,4").stream().map(Integer::parseInt).toList();
        Partitioner partitioner = Partitioner.hashing(SHARDS);
        List<List<AccountId>> byShard = accountsByShard(partitioner);
        List<AccountId> all = byShard.stream().flatMap(List::stream).toList();
        TransferSource sameShard = random -> sameShardTransfer(random, byShard.get(0), partitioner);
        TransferSource crossShard = random -> crossShardTransfer(random, byShard);
        Map<String, LoadRun.Result> results = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "cores=%d  java=%s  %d H2 file shards in %s, median of %d runs of %.0f s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), SHARDS, root, runs, seconds);
        try {
            Path shardDirectory = Files.createDirectories(root.resolve("shards"));
            ShardConfig config = ShardConfig.h2Files(shardDirectory, SHARDS).withPoolSize(16);
            try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).build()) {
                fund(wallet, all);
                for (int n : threads) {
                    results.put("2pc same-shard," + n, measure(wallet, sameShard, n, seconds, warmup, runs));
                    results.put("2pc cross-shard," + n, measure(wallet, crossShard, n, seconds, warmup, runs));
                }
            }
            // Like for like with the XA baseline, whose H2 participants are not forced to disk either.
            Path unforcedDirectory = Files.createDirectories(root.resolve("unforced"));
            try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(ShardConfig.h2Files(unforcedDirectory, SHARDS)
                    .withPoolSize(16).withForcedCommits(false)).build()) {
                fund(wallet, all);
                for (int n : threads) {
                    results.put("2pc cross-shard, unforced," + n, measure(wallet, crossShard, n, seconds, warmup, runs));
                }
            }
            for (CompensatingWallet.Protocol protocol : CompensatingWallet.Protocol.values()) {
                Path directory = Files.createDirectories(root.resolve(protocol.strategyName()));
                try (CompensatingWallet wallet = CompensatingWallet.builder(ShardConfig.h2Files(directory, SHARDS)
                        .withPoolSize(16), protocol).build()) {
                    fund(wallet, all);
                    for (int n : threads) {
                        results.put(protocol.strategyName() + " cross-shard," + n, measure(wallet, crossShard, n, seconds, warmup, runs));
                    }
                }
            }
            List<Path> shardFiles = new ArrayList<>();
            for (int i = 0; i < SHARDS; i++) {
                shardFiles.add(shardDirectory.resolve("shard-" + i));
            }
            try (Wallet xa = new JdbcBaselines.AtomikosXa(shardFiles, Files.createDirectories(root.resolve("atomikos")), 16)) {
                for (int n : threads) {
                    results.put("Atomikos XA cross-shard," + n, measure(xa, crossShard, n, seconds, warmup, runs));
                }
            }
            try (Wallet local = new JdbcBaselines.LocalTransactions(root.resolve("single"), all, Workload.USD,
                    BALANCE_MINOR, 16)) {
                TransferSource anyPair = random -> anyTransfer(random, all);
                for (int n : threads) {
                    results.put("one database, local tx," + n, measure(local, anyPair, n, seconds, warmup, runs));
                }
            }
            print(results, threads);
        } finally {
            Directories.deleteRecursively(root);
        }
    }

    /** Every run on one wallet gets its own seed, so that no transaction id is generated twice. */
    private static long nextSeed = 1;

    private static LoadRun.Result measure(Wallet wallet, TransferSource source, int threads, double seconds, double warmup,
                                          int runs) throws Exception {
        LoadRun.run(wallet, source, "sync", threads, warmup, nextSeed++);
        List<LoadRun.Result> results = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            results.add(LoadRun.run(wallet, source, "sync", threads, seconds, nextSeed++));
        }
        results.sort(Comparator.comparingDouble(LoadRun.Result::transfersPerSecond));
        return results.get(results.size() / 2);
    }

    private static void print(Map<String, LoadRun.Result> results, List<Integer> threads) {
        System.out.printf(Locale.ROOT, "%n%-36s %7s %12s %9s %9s%n", "what", "threads", "transfers/s", "p50 ms", "p99 ms");
        results.forEach((key, result) -> {
            int comma = key.lastIndexOf(',');
            System.out.printf(Locale.ROOT, "%-36s %7s %,12.0f %9.2f %9.2f%n", key.substring(0, comma), key.substring(comma + 1),
                    result.transfersPerSecond(), result.percentileMicros(50) / 1000, result.percentileMicros(99) / 1000);
        });
        System.out.println();
        for (int n : threads) {
            double ours = results.get("2pc cross-shard," + n).transfersPerSecond();
            double unforced = results.get("2pc cross-shard, unforced," + n).transfersPerSecond();
            double xa = results.get("Atomikos XA cross-shard," + n).transfersPerSecond();
            double local = results.get("one database, local tx," + n).transfersPerSecond();
            System.out.printf(Locale.ROOT, "%d threads: 2pc unforced / Atomikos XA = %.2f (like for like); 2pc forced / Atomikos XA = "
                    + "%.2f; cross-shard 2pc costs %.1fx a local transaction%n", n, unforced / xa, ours / xa, local / ours);
        }
    }

    private static List<List<AccountId>> accountsByShard(Partitioner partitioner) {
        List<List<AccountId>> byShard = new ArrayList<>();
        for (int i = 0; i < SHARDS; i++) {
            byShard.add(new ArrayList<>());
        }
        for (int i = 0; byShard.stream().anyMatch(list -> list.size() < ACCOUNTS_PER_SHARD); i++) {
            AccountId account = AccountId.of("bench-" + i);
            List<AccountId> shard = byShard.get(partitioner.partitionOf(account));
            if (shard.size() < ACCOUNTS_PER_SHARD) {
                shard.add(account);
            }
        }
        return byShard;
    }

    private static void fund(Wallet wallet, List<AccountId> accounts) {
        List<MoneyCommand> deposits = new ArrayList<>();
        for (AccountId account : accounts) {
            wallet.openAccount(account, Workload.USD);
            deposits.add(new Deposit(TransactionId.random(), account, Money.of(Workload.USD, BALANCE_MINOR)));
        }
        wallet.executeBatch(deposits);
    }

    private static TransactionId id(SplittableRandom random) {
        return TransactionId.of(random.nextLong(), random.nextLong() | 1L);
    }

    /** Both accounts and the id on shard 0: the strategy's one-local-transaction path. */
    private static Transfer sameShardTransfer(SplittableRandom random, List<AccountId> shard, Partitioner partitioner) {
        TransactionId id = id(random);
        while (partitioner.partitionOf(id) != 0) {
            id = id(random);
        }
        return pair(random, shard, shard, id);
    }

    /** Accounts on two different shards, the id anywhere. */
    private static Transfer crossShardTransfer(SplittableRandom random, List<List<AccountId>> byShard) {
        int from = random.nextInt(SHARDS);
        int to = (from + 1 + random.nextInt(SHARDS - 1)) % SHARDS;
        return pair(random, byShard.get(from), byShard.get(to), id(random));
    }

    private static Transfer anyTransfer(SplittableRandom random, List<AccountId> accounts) {
        return pair(random, accounts, accounts, id(random));
    }

    private static Transfer pair(SplittableRandom random, List<AccountId> sources, List<AccountId> targets, TransactionId id) {
        AccountId source = sources.get(random.nextInt(sources.size()));
        AccountId target = targets.get(random.nextInt(targets.size()));
        while (target.equals(source)) {
            target = targets.get(random.nextInt(targets.size()));
        }
        return new Transfer(id, source, target, Money.of(Workload.USD, 1 + random.nextInt(10_000)));
    }
}
