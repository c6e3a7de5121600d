package dev.wallet.twopc;

import dev.wallet.api.Guarantee;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code 2pc} strategy for {@link java.util.ServiceLoader}: four embedded H2 file shards and
 * the coordinator's H2 database in each deployment's directory. Other layouts through
 * {@link TwoPhaseCommitWallet.Builder#strategy(Function)}.
 */
public final class TwoPhaseCommitStrategy implements WalletStrategy {

    private final Function<Path, ShardConfig> layout;

    /** Four H2 file shards per deployment directory. */
    public TwoPhaseCommitStrategy() {
        this(directory -> ShardConfig.h2Files(directory, ShardConfig.DEFAULT_SHARDS));
    }

    TwoPhaseCommitStrategy(Function<Path, ShardConfig> layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    @Override
    public String name() {
        return "2pc";
    }

    @Override
    public String summary() {
        return "Two-phase commit over sharded JDBC databases: lock, prepare every shard, log the decision, commit. "
                + "Atomic and durable; locks are held across the round trips.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        return Set.of(Guarantee.ATOMIC_UNDER_CRASH, Guarantee.DURABLE_ACROSS_RESTART, Guarantee.CONSISTENT_READS);
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return TwoPhaseCoordinator.CRASH_POINTS;
    }

    @Override
    public Deployment deploy(Path directory) {
        ShardConfig config = layout.apply(directory);
        return new ShardDeployment(this, config, faults -> TwoPhaseCommitWallet.builder(config).faultInjector(faults).build());
    }
}
