package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * What one replica spends applying a replicated entry, without Raft: the same encoded entries of
 * uniform transfers applied to {@code replicas} states in turn (as the replicas of one machine
 * share its caches), by the canonical path (decode every item into objects, then
 * {@link LedgerState#process}), by {@link BatchApplier} on the entries as a client sends them
 * ({@code batch-applier}) and on the entries as the leader logs them, accounts resolved to numbers
 * ({@code resolved}); all must end with the same state.
 *
 * <pre>
 * mvn -q -pl wallet-eventsourcing -am -DskipTests install
 * MAVEN_OPTS="-Xmx8g" mvn -q -pl wallet-eventsourcing -DskipTests test-compile exec:java -Dexec.skip=false \
 *     -Dexec.classpathScope=test -Dexec.mainClass=dev.wallet.eventsourcing.ReplicaApplyBenchmark \
 *     -Dexec.args="--entries 300 --replicas 3 --runs 5"
 * </pre>
 *
 * {@code --paths canonical,batch-applier,resolved} (the default) chooses the paths to run
 * ({@code leader} times instead what the leader spends turning a client's batch into the entry it
 * logs, against decoding the batch into objects); with millions
 * of ids (more {@code --entries}) a pre-touched heap ({@code -Xms16g -Xmx16g -XX:+AlwaysPreTouch})
 * keeps page faults out of the figures.
 */
final class ReplicaApplyBenchmark {

    private static final Currency USD = Currency.getInstance("USD");
    private static final Consumer<Event> NONE = event -> { };

    private ReplicaApplyBenchmark() {
    }

    public static void main(String[] argv) {
        int entries = option(argv, "--entries", 300);
        int replicas = option(argv, "--replicas", 3);
        int runs = option(argv, "--runs", 5);
        int accounts = option(argv, "--accounts", 100_000);
        int perEntry = option(argv, "--commands", 8_192);
        System.out.printf(Locale.ROOT, "cores=%d java=%s: %d replicas, %,d accounts, entries of %,d uniform transfers, "
                        + "%d runs of %d entries each (fresh states per run, first run discarded as warm-up)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), replicas, accounts, perEntry,
                runs + 1, entries);
        List<ByteBuffer> encoded = entries(accounts, perEntry, entries);
        List<ByteBuffer> resolved = null;
        for (String path : textOption(argv, "--paths", "canonical,batch-applier,resolved").split(",")) {
            if (path.equals("leader")) {
                leader(encoded, accounts, perEntry, runs);
                continue;
            }
            if (path.equals("resolved") && resolved == null) {
                resolved = resolved(encoded, accounts);
            }
            List<ByteBuffer> applied = path.equals("resolved") ? resolved : encoded;
            double[] nanos = new double[runs];
            String digest = null;
            for (int run = 0; run <= runs; run++) {
                LedgerState[] states = new LedgerState[replicas];
                BatchApplier[] appliers = new BatchApplier[replicas];
                for (int r = 0; r < replicas; r++) {
                    states[r] = funded(accounts);
                    appliers[r] = new BatchApplier();
                }
                long start = System.nanoTime();
                for (ByteBuffer entry : applied) {
                    for (int r = 0; r < replicas; r++) {
                        byte[] reply = path.equals("canonical") ? canonical(states[r], entry.duplicate())
                                : appliers[r].apply(states[r], entry.duplicate());
                        if (reply[0] != BatchCodec.outcomeCode(Status.SUCCESS, false)) {
                            throw new IllegalStateException("a transfer of the benchmark did not succeed: " + reply[0]);
                        }
                    }
                }
                long elapsed = System.nanoTime() - start;
                if (run > 0) {
                    nanos[run - 1] = (double) elapsed / ((long) entries * perEntry * replicas);
                }
                digest = HexFormat.of().formatHex(states[replicas - 1].freeze().digest()).substring(0, 16);
            }
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "%-14s median %6.0f ns per transfer per replica (runs %s), state digest %s%n", path,
                    nanos[runs / 2], Arrays.toString(Arrays.stream(nanos).mapToLong(Math::round).toArray()), digest);
        }
    }

    /**
     * What the leader spends on a client's batch before it logs it: decoding it into objects (what
     * a check by the value types costs), and {@link BatchApplier#resolve}, which checks it and
     * writes the resolved entry.
     */
    private static void leader(List<ByteBuffer> encoded, int accounts, int perEntry, int runs) {
        LedgerState state = funded(accounts);
        BatchApplier resolver = new BatchApplier();
        for (String step : List.of("decode", "resolve")) {
            double[] nanos = new double[runs];
            long bytes = 0;
            for (int run = 0; run <= runs; run++) {
                long start = System.nanoTime();
                for (ByteBuffer entry : encoded) {
                    bytes += step.equals("decode") ? BatchCodec.decode(entry.duplicate()).size()
                            : resolver.resolve(state, entry.duplicate()).length;
                }
                if (run > 0) {
                    nanos[run - 1] = (double) (System.nanoTime() - start) / ((long) encoded.size() * perEntry);
                }
            }
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "leader %-8s median %6.0f ns per transfer (runs %s; %,d)%n", step,
                    nanos[runs / 2], Arrays.toString(Arrays.stream(nanos).mapToLong(Math::round).toArray()), bytes);
        }
    }

    /** The entries as a leader holding the funded accounts logs them. */
    private static List<ByteBuffer> resolved(List<ByteBuffer> encoded, int accounts) {
        LedgerState leader = funded(accounts);
        BatchApplier resolver = new BatchApplier();
        List<ByteBuffer> resolved = new ArrayList<>();
        long sent = 0;
        long logged = 0;
        for (ByteBuffer entry : encoded) {
            byte[] bytes = resolver.resolve(leader, entry.duplicate());
            sent += entry.remaining();
            logged += bytes.length;
            resolved.add(ByteBuffer.wrap(bytes));
        }
        System.out.printf(Locale.ROOT, "entries as sent: %,d bytes; as logged (resolved): %,d bytes (%.0f%%)%n", sent, logged,
                100.0 * logged / sent);
        return resolved;
    }

    private static LedgerState funded(int accounts) {
        LedgerState state = new LedgerState();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < accounts; i++) {
            AccountId account = AccountId.of("account-" + i);
            state.open(account, USD, NONE);
            state.process(new Deposit(TransactionId.of(random.nextLong(), random.nextLong() | 1), account,
                    Money.of(USD, 1_000_000_000L)), NONE);
        }
        return state;
    }

    private static List<ByteBuffer> entries(int accounts, int perEntry, int entries) {
        SplittableRandom random = new SplittableRandom(42);
        List<ByteBuffer> encoded = new ArrayList<>();
        for (int e = 0; e < entries; e++) {
            List<BatchCodec.Item> items = new ArrayList<>(perEntry);
            for (int i = 0; i < perEntry; i++) {
                int source = random.nextInt(accounts);
                int target = random.nextInt(accounts - 1);
                target += target >= source ? 1 : 0;
                items.add(new BatchCodec.Command(new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1),
                        AccountId.of("account-" + source), AccountId.of("account-" + target), Money.of(USD, 1 + random.nextInt(10_000)))));
            }
            ByteBuffer entry = BatchCodec.encode(items);
            encoded.add(ByteBuffer.allocate(entry.remaining()).put(entry).flip());
        }
        return encoded;
    }

    private static byte[] canonical(LedgerState state, ByteBuffer entry) {
        List<BatchCodec.Item> items = BatchCodec.decode(entry);
        byte[] reply = new byte[items.size()];
        for (int i = 0; i < reply.length; i++) {
            Outcome outcome = state.process(((BatchCodec.Command) items.get(i)).command(), NONE);
            reply[i] = BatchCodec.outcomeCode(outcome.status(), outcome.replay());
        }
        return reply;
    }

    private static int option(String[] argv, String name, int otherwise) {
        return Integer.parseInt(textOption(argv, name, Integer.toString(otherwise)));
    }

    private static String textOption(String[] argv, String name, String otherwise) {
        for (int i = 0; i + 1 < argv.length; i++) {
            if (argv[i].equals(name)) {
                return argv[i + 1];
            }
        }
        return otherwise;
    }
}
