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

/** The {@code tcc} and {@code saga} strategies: deployments are shard layouts in a directory. */
final class CompensatingStrategy implements WalletStrategy {

    private final CompensatingWallet.Protocol protocol;
    private final Function<Path, ShardConfig> layout;

    CompensatingStrategy(CompensatingWallet.Protocol protocol, Function<Path, ShardConfig> layout) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    @Override
    public String name() {
        return protocol.strategyName();
    }

    @Override
    public String summary() {
        return protocol == CompensatingWallet.Protocol.TCC
                ? "TC/C over sharded JDBC databases: try reserves the source, confirm credits the target, cancel refunds; "
                + "local transactions only, money visibly in flight between phases."
                : "Orchestrated Saga over sharded JDBC databases: debit, then credit, refunding on failure; "
                + "local transactions only, money visibly in flight between steps.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        return Set.of(Guarantee.ATOMIC_UNDER_CRASH, Guarantee.DURABLE_ACROSS_RESTART, Guarantee.CONSISTENT_READS);
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return protocol == CompensatingWallet.Protocol.TCC ? TccCoordinator.CRASH_POINTS : SagaCoordinator.CRASH_POINTS;
    }

    @Override
    public Deployment deploy(Path directory) {
        ShardConfig config = layout.apply(directory);
        return new ShardDeployment(this, config,
                faults -> CompensatingWallet.builder(config, protocol).faultInjector(faults).build());
    }
}
