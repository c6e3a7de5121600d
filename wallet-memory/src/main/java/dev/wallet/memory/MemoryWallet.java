package dev.wallet.memory;

import dev.wallet.api.Wallet;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Partitioner;
import dev.wallet.api.spi.WalletStrategy;
import java.time.Duration;
import java.util.Objects;

/**
 * The in-memory sharding strategy: balances in N in-process partitions routed by a
 * {@link Partitioner}; a stateless service debits one partition, then credits the other.
 *
 * <pre>{@code
 * Wallet wallet = MemoryWallet.builder().partitions(16).build();
 * }</pre>
 *
 * <p>Guarantees: correct under concurrency (no lost update, no deadlock) and idempotent per
 * transaction id. <b>Not atomic under a crash</b> (a crash between debit and credit loses the
 * amount) and <b>not durable</b> (everything lives in the process).
 */
public final class MemoryWallet {

    /** Partitions unless told otherwise. */
    public static final int DEFAULT_PARTITIONS = 16;
    /** How long a repeat waits for a concurrent first attempt of the same id, unless told otherwise. */
    public static final Duration DEFAULT_CLAIM_WAIT = Duration.ofSeconds(10);

    private MemoryWallet() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures an in-memory wallet. Not thread-safe; validates each value when it is set. */
    public static final class Builder {

        private Partitioner partitioner = Partitioner.hashing(DEFAULT_PARTITIONS);
        private Duration claimWait = DEFAULT_CLAIM_WAIT;
        private FaultInjector faults = FaultInjector.none();

        private Builder() {
        }

        /** Uses {@link Partitioner#hashing} over this many partitions (1 to 65536). */
        public Builder partitions(int partitions) {
            this.partitioner = Partitioner.hashing(partitions);
            return this;
        }

        /** Uses a custom partition map. */
        public Builder partitioner(Partitioner partitioner) {
            this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
            return this;
        }

        /** Bound on how long a repeated id waits for its concurrent first attempt (1 ms to 1 hour). */
        public Builder claimWait(Duration claimWait) {
            Objects.requireNonNull(claimWait, "claimWait");
            if (claimWait.toMillis() < 1 || claimWait.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("claimWait must be between 1 ms and 1 hour: " + claimWait);
            }
            this.claimWait = claimWait;
            return this;
        }

        /** Where tests arm crash points; {@link FaultInjector#none()} by default. */
        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** A wallet with partitions of its own. */
        public Wallet build() {
            return new TransferService(new MemoryNodes(partitioner), faults, claimWait.toMillis());
        }

        /** This configuration as a {@link WalletStrategy}, for deployments and the shared test suite. */
        public WalletStrategy strategy() {
            return new MemoryStrategy(partitioner, claimWait.toMillis());
        }
    }
}
