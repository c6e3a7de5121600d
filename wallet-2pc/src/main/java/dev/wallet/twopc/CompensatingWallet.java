package dev.wallet.twopc;

import dev.wallet.api.FaultInjector;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategy;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * A wallet over sharded JDBC databases whose cross-shard transfers are made of local
 * transactions and compensations instead of a distributed lock: TC/C (try, then confirm or
 * cancel) or an orchestrated Saga (debit, then credit, refunding on failure). Each step commits
 * on its own shard; a log in the coordinator's database records where every transaction stands,
 * and {@link #recover()} drives unfinished ones forward or back.
 *
 * <p>Thread-safe. Between the first and the last step, the money in flight is in no customer
 * account: balances read mid-flight sum to less than before (the "unbalanced window"); they sum
 * to the same total again once the transfer finishes or is compensated.
 */
public interface CompensatingWallet extends Wallet {

    /** TC/C over the shards of {@code config}; recovers unfinished transactions first. */
    static CompensatingWallet tcc(ShardConfig config) {
        return builder(config, Protocol.TCC).build();
    }

    /** An orchestrated Saga over the shards of {@code config}; recovers unfinished transactions first. */
    static CompensatingWallet saga(ShardConfig config) {
        return builder(config, Protocol.SAGA).build();
    }

    static Builder builder(ShardConfig config, Protocol protocol) {
        return new Builder(config, protocol);
    }

    /**
     * Drives every unfinished transaction no thread of this process is running to an end:
     * forward when it can complete, compensated otherwise; a transaction that fails
     * {@value GlobalCoordinator#RECOVERY_ATTEMPTS_MAX} passes is marked STUCK. Runs on open.
     */
    CompensationReport recover();

    /** The two application-level protocols. */
    enum Protocol {
        /** Try reserves (debits) the source, confirm credits the target, cancel refunds the source. */
        TCC("tcc"),
        /** Debit the source, credit the target; compensation refunds the source. */
        SAGA("saga");

        private final String strategyName;

        Protocol(String strategyName) {
            this.strategyName = strategyName;
        }

        /** The strategy's name in {@link dev.wallet.api.WalletStrategies}. */
        public String strategyName() {
            return strategyName;
        }
    }

    /** Configures a TC/C or Saga wallet. Not thread-safe. */
    final class Builder {

        private final ShardConfig config;
        private final Protocol protocol;
        private FaultInjector faults = FaultInjector.none();
        private boolean recoverOnOpen = true;

        Builder(ShardConfig config, Protocol protocol) {
            this.config = Objects.requireNonNull(config, "config");
            this.protocol = Objects.requireNonNull(protocol, "protocol");
        }

        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Whether opening runs {@link #recover()} (the default). */
        public Builder recoverOnOpen(boolean recover) {
            this.recoverOnOpen = recover;
            return this;
        }

        public CompensatingWallet build() {
            Shards shards = new Shards(config, java.util.List.of("global-schema.sql"));
            GlobalCoordinator coordinator = protocol == Protocol.TCC
                    ? new TccCoordinator(shards, faults) : new SagaCoordinator(shards, faults);
            if (recoverOnOpen) {
                try {
                    coordinator.recover();
                } catch (RuntimeException e) {
                    shards.close();
                    throw e;
                }
            }
            return coordinator;
        }

        /** A strategy whose deployments use {@code layout} to place their databases in their directory. */
        public static WalletStrategy strategy(Protocol protocol, Function<Path, ShardConfig> layout) {
            return new CompensatingStrategy(protocol, layout);
        }
    }
}
