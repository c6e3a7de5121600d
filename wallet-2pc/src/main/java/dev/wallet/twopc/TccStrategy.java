package dev.wallet.twopc;

import dev.wallet.api.Guarantee;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The {@code tcc} strategy for {@link java.util.ServiceLoader}: four H2 file shards per deployment directory. */
public final class TccStrategy implements WalletStrategy {

    private final WalletStrategy delegate = new CompensatingStrategy(CompensatingWallet.Protocol.TCC,
            directory -> ShardConfig.h2Files(directory, ShardConfig.DEFAULT_SHARDS));

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String summary() {
        return delegate.summary();
    }

    @Override
    public Set<Guarantee> guarantees() {
        return delegate.guarantees();
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return delegate.crashPoints();
    }

    @Override
    public Deployment deploy(Path directory) {
        return delegate.deploy(directory);
    }
}
