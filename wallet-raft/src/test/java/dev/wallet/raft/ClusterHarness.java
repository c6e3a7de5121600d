package dev.wallet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Every cluster test goes through here: the cluster is always shut down, and a failing test
 * prints where each replica was (leader, applied index, state digest).
 */
final class ClusterHarness implements AutoCloseable {

    /** How long a test waits for something the cluster does on its own (an election, a catch-up). */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    interface Body {
        void run(EmbeddedCluster cluster, ReplicatedWallet wallet) throws Exception;
    }

    final EmbeddedCluster cluster;

    private ClusterHarness(EmbeddedCluster cluster) {
        this.cluster = cluster;
    }

    /** Starts a cluster in {@code directory}, runs {@code body}, and always stops the cluster. */
    static void run(Path directory, Consumer<EmbeddedCluster.Builder> settings, Body body) throws Exception {
        EmbeddedCluster.Builder builder = ReplicatedWallet.embedded(directory);
        settings.accept(builder);
        try (ClusterHarness harness = new ClusterHarness(builder.start())) {
            try {
                body.run(harness.cluster, harness.cluster.wallet());
            } catch (Throwable failure) {
                failure.addSuppressed(new AssertionError("cluster state at the failure: " + harness.cluster));
                System.err.println("cluster state at the failure: " + harness.cluster);
                throw failure;
            }
        }
    }

    /** Waits (bounded) until {@code condition} holds; the cluster acts on its own clock, so this polls. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("gave up after " + PATIENCE + " waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static String awaitLeader(EmbeddedCluster cluster) throws InterruptedException {
        await("a leader", () -> cluster.leader().isPresent());
        return cluster.leader().orElseThrow();
    }

    /** A command held at a crash point by a hook: the thread that reaches it waits until released. */
    record Hold(CountDownLatch reached, CountDownLatch released) {

        /** Waits (within the patience) until a thread reached the point. */
        void awaitReached() throws InterruptedException {
            if (!reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                fail("no thread reached the held point within " + PATIENCE);
            }
        }

        void release() {
            released.countDown();
        }
    }

    /** Holds the next thread that reaches {@code point} until {@link Hold#release}. */
    static Hold hold(FaultInjector faults, CrashPoint point) {
        Hold hold = new Hold(new CountDownLatch(1), new CountDownLatch(1));
        faults.onReach(point, () -> {
            hold.reached().countDown();
            try {
                hold.released().await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return hold;
    }

    /** Waits until every running replica applied at least {@code index}, then checks they hold identical states. */
    static void awaitIdenticalReplicas(EmbeddedCluster cluster, long index) throws InterruptedException {
        await("every running replica at index " + index + " with one digest", () -> {
            List<ReplicaState> states = cluster.runningReplicas().stream().map(cluster::state).toList();
            return states.stream().allMatch(state -> state.appliedIndex() >= index)
                    && states.stream().map(ReplicaState::appliedIndex).distinct().count() == 1;
        });
        List<ReplicaState> states = cluster.runningReplicas().stream().map(cluster::state).toList();
        Set<String> digests = states.stream().map(ReplicaState::digest).collect(Collectors.toSet());
        assertEquals(1, digests.size(), () -> "replicas at the same index differ: " + states);
    }

    /** Executes a command, retrying with the same id while the cluster is unavailable (a leader change), within a bound. */
    static Outcome executeRetrying(ReplicatedWallet wallet, MoneyCommand command) throws InterruptedException {
        List<Throwable> failures = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return wallet.execute(command);
            } catch (WalletUnavailableException e) {
                failures.add(e);
                Thread.sleep(50);
            }
        }
        throw new AssertionError("still unavailable after " + PATIENCE + ": " + failures.get(failures.size() - 1));
    }

    @Override
    public void close() {
        cluster.close();
    }
}
