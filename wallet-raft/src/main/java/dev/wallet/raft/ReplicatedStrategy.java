package dev.wallet.raft;

import dev.wallet.api.Guarantee;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Replicas;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@code event-sourcing-raft} strategy for {@link java.util.ServiceLoader}: an embedded cluster
 * of three replicas. A deployment is the cluster's directory; opening it starts the replicas
 * (recovering each from its own log and snapshots), and closing the wallet stops them, as the end
 * of the process would.
 */
public final class ReplicatedStrategy implements WalletStrategy {

    private final EmbeddedCluster.Builder config;

    /** Three replicas, default settings. */
    public ReplicatedStrategy() {
        this(new EmbeddedCluster.Builder(Path.of(".")));
    }

    /** The strategy of a configured cluster builder; its deployments use their own directories. */
    public ReplicatedStrategy(EmbeddedCluster.Builder config) {
        this.config = config.copy(Path.of("."), FaultInjector.none());
    }

    @Override
    public String name() {
        return "event-sourcing-raft";
    }

    @Override
    public String summary() {
        return "Event sourcing replicated with Raft (Apache Ratis): batches of commands are committed by a majority of "
                + "three replicas, each forcing its log to disk, before any caller hears back.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        return Set.of(Guarantee.ATOMIC_UNDER_CRASH, Guarantee.DURABLE_ACROSS_RESTART, Guarantee.REPLICATED,
                Guarantee.CONSISTENT_READS);
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return RaftWallet.CRASH_POINTS;
    }

    @Override
    public Deployment deploy(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new ClusterDeployment(this, directory);
    }

    /** Opens an embedded cluster per wallet on one directory; its replicas stop when the wallet closes. */
    private static final class ClusterDeployment implements Deployment {

        /** How long {@link Replicas#convergedDigests} waits for the running replicas to reach one applied index. */
        private static final long CONVERGE_WAIT_MILLIS = 30_000;

        private final ReplicatedStrategy strategy;
        private final Path directory;
        private volatile EmbeddedCluster cluster;

        ClusterDeployment(ReplicatedStrategy strategy, Path directory) {
            this.strategy = strategy;
            this.directory = directory;
        }

        @Override
        public WalletStrategy strategy() {
            return strategy;
        }

        /**
         * Starts the replicas and their wallet.
         *
         * @throws IllegalStateException while a wallet of this deployment is open (its replicas hold the storage)
         */
        @Override
        public synchronized Wallet open(FaultInjector faults) {
            EmbeddedCluster current = cluster;
            if (current != null && !current.runningReplicas().isEmpty()) {
                throw new IllegalStateException("a wallet of the replicated deployment in " + directory
                        + " is open; close it before opening another");
            }
            EmbeddedCluster started = strategy.config.copy(directory, Objects.requireNonNull(faults, "faults")).start();
            cluster = started;
            return started.wallet();
        }

        @Override
        public Optional<Replicas> replicas() {
            EmbeddedCluster current = cluster;
            return current == null ? Optional.empty() : Optional.of(new ClusterReplicas(current));
        }

        @Override
        public void close() {
            // The replicas stop with their wallet; their storage stays in the directory.
        }
    }

    private record ClusterReplicas(EmbeddedCluster cluster) implements Replicas {

        @Override
        public List<String> ids() {
            return cluster.replicaIds();
        }

        @Override
        public void stop(String replicaId) {
            cluster.stop(replicaId);
        }

        @Override
        public void start(String replicaId) {
            cluster.start(replicaId);
        }

        /** Polls the running replicas (in this JVM, no leader needed) until they stand at one applied index. */
        @Override
        public List<String> convergedDigests() {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ClusterDeployment.CONVERGE_WAIT_MILLIS);
            List<ReplicaState> states = List.of();
            while (System.nanoTime() < deadline) {
                states = cluster.runningReplicas().stream().map(cluster::state).toList();
                if (!states.isEmpty() && states.stream().map(ReplicaState::appliedIndex).distinct().count() == 1) {
                    return states.stream().map(ReplicaState::digest).toList();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the replicas caught up", e);
                }
            }
            throw new IllegalStateException("the running replicas did not reach one applied index within "
                    + ClusterDeployment.CONVERGE_WAIT_MILLIS + " ms: " + states);
        }
    }
}
