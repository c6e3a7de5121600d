package dev.wallet.memory;

import dev.wallet.api.Guarantee;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Partitioner;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code memory} strategy for {@link java.util.ServiceLoader}; build configured ones with
 * {@link MemoryWallet.Builder#strategy()}. A deployment is a set of partitions in this process;
 * "restarting" a crashed service opens a new one over the same partitions, as a new service
 * process would find the key-value nodes of the design.
 */
public final class MemoryStrategy implements WalletStrategy {

    private final Partitioner partitioner;
    private final long claimWaitMillis;

    /** The default configuration. */
    public MemoryStrategy() {
        this(Partitioner.hashing(MemoryWallet.DEFAULT_PARTITIONS), MemoryWallet.DEFAULT_CLAIM_WAIT.toMillis());
    }

    MemoryStrategy(Partitioner partitioner, long claimWaitMillis) {
        this.partitioner = partitioner;
        this.claimWaitMillis = claimWaitMillis;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String summary() {
        return "In-memory sharding: a stateless service debits one partition, then credits another. "
                + "Fastest; not atomic under a crash and not durable.";
    }

    @Override
    public Set<Guarantee> guarantees() {
        return Set.of();
    }

    @Override
    public List<CrashPoint> crashPoints() {
        return TransferService.CRASH_POINTS;
    }

    @Override
    public Deployment deploy(Path directory) {
        return new MemoryDeployment(this, new MemoryNodes(partitioner));
    }

    private record MemoryDeployment(MemoryStrategy strategy, MemoryNodes nodes) implements Deployment {

        @Override
        public Wallet open(FaultInjector faults) {
            return new TransferService(nodes, Objects.requireNonNull(faults, "faults"), strategy.claimWaitMillis);
        }

        @Override
        public void close() {
            // Partitions live on the heap; dropping the deployment drops them.
        }
    }
}
