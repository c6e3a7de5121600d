package dev.wallet.eventsourcing;

import dev.wallet.api.CrashPoint;
import dev.wallet.api.Deployment;
import dev.wallet.api.FaultInjector;
import dev.wallet.api.Guarantee;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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
        return Set.of(Guarantee.ATOMIC_UNDER_CRASH, Guarantee.DURABLE_ACROSS_RESTART, Guarantee.REPLICATED);
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

    private record ClusterDeployment(ReplicatedStrategy strategy, Path directory) implements Deployment {

        @Override
        public Wallet open(FaultInjector faults) {
            return strategy.config.copy(directory, Objects.requireNonNull(faults, "faults")).start().wallet();
        }

        @Override
        public void close() {
            // The replicas stop with their wallet; their storage stays in the directory.
        }
    }
}
