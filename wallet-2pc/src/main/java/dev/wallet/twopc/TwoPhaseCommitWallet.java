package dev.wallet.twopc;

import dev.wallet.api.FaultInjector;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategy;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * A wallet over sharded JDBC databases whose cross-shard transfers commit atomically with
 * two-phase commit: the coordinator locks the rows in a global order, writes the debit, the credit
 * and the ledger row, prepares every participant, durably logs its commit decision in its own
 * database, then commits every participant. A transfer that touches one shard is one local
 * transaction.
 *
 * <p>Thread-safe. Prepared transactions hold their row locks until they are decided: while the
 * coordinator is down, other transfers on those rows wait for the lock timeout and fail with a
 * retryable {@link dev.wallet.api.WalletUnavailableException} until {@link #recover()} runs.
 */
public interface TwoPhaseCommitWallet extends Wallet {

    /** Opens the shards (creating schemas if missing) and recovers what a crash left in doubt. */
    static TwoPhaseCommitWallet open(ShardConfig config) {
        return builder(config).build();
    }

    static Builder builder(ShardConfig config) {
        return new Builder(config);
    }

    /** The strategy over H2 files in each deployment's directory, with default settings. */
    static WalletStrategy strategy() {
        return new TwoPhaseCommitStrategy();
    }

    /**
     * Resolves every prepared transaction that no live coordinator thread owns: committed if the
     * log holds its commit decision, rolled back otherwise (presumed abort); then marks finished
     * every decision whose participants are all committed. Runs on open unless turned off.
     */
    RecoveryReport recover();

    /** Configures a two-phase-commit wallet. Not thread-safe. */
    final class Builder {

        private final ShardConfig config;
        private FaultInjector faults = FaultInjector.none();
        private boolean recoverOnOpen = true;

        Builder(ShardConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where tests arm crash points. */
        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /**
         * Whether opening runs {@link #recover()} (the default). Turning it off shows what a
         * coordinator outage does: prepared transactions keep their locks.
         */
        public Builder recoverOnOpen(boolean recover) {
            this.recoverOnOpen = recover;
            return this;
        }

        public TwoPhaseCommitWallet build() {
            return TwoPhaseCoordinator.open(config, faults, recoverOnOpen);
        }

        /** A strategy whose deployments use {@code layout} to place their databases in their directory. */
        public static WalletStrategy strategy(Function<Path, ShardConfig> layout) {
            return new TwoPhaseCommitStrategy(layout);
        }
    }
}
