package dev.wallet.twopc;

import dev.wallet.api.Wallet;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.time.Duration;
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
 * retryable {@link dev.wallet.api.WalletUnavailableException} until {@link #recover()} runs. One
 * open wallet at a time coordinates a set of databases: opening a second one on them fails.
 * Closing waits for the transfers under way.
 *
 * <p>{@link #balances} reads as of one point ({@link dev.wallet.api.Guarantee#CONSISTENT_READS}):
 * it takes the locks transfers take, so it waits for a prepared transfer to commit everywhere
 * and, past the lock timeout (a few attempts), fails with a retryable
 * {@link dev.wallet.api.WalletUnavailableException}; nothing is ever shown in flight.
 * {@link #lookup} answers an id in flight between its first prepare and its commit, and while a
 * crash left it prepared for recovery; a transfer that touches one shard is decided or absent.
 */
public interface TwoPhaseCommitWallet extends Wallet {

    /**
     * The one way to build a two-phase-commit wallet: {@code builder(config)...build()} opens the
     * shards (creating schemas if missing) and recovers what a crash left in doubt. For a
     * {@link dev.wallet.api.spi.WalletStrategy}: {@link Builder#strategy(Function)}, or
     * {@code WalletStrategies.named("2pc")} for the default layout.
     */
    static Builder builder(ShardConfig config) {
        return new Builder(config);
    }

    /**
     * Resolves every prepared transaction of this coordinator that no transfer under way owns:
     * committed if the log holds its commit decision, rolled back otherwise (presumed abort);
     * then marks finished every decision none of whose participants is still prepared. Runs on
     * open and in the background unless turned off; a transaction it cannot resolve now is
     * counted as failed and tried again by the next pass.
     */
    RecoveryReport recover();

    /** Configures a two-phase-commit wallet. Not thread-safe. */
    final class Builder {

        /** How often background recovery runs unless told otherwise. */
        public static final Duration DEFAULT_RECOVERY_INTERVAL = Duration.ofSeconds(1);

        private final ShardConfig config;
        private FaultInjector faults = FaultInjector.none();
        private boolean automaticRecovery = true;
        private long recoveryIntervalMillis = DEFAULT_RECOVERY_INTERVAL.toMillis();

        Builder(ShardConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where tests arm crash points. */
        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /**
         * Whether {@link #recover()} runs by itself, on open and every {@link #recoveryInterval}
         * (the default). Turning it off shows what a coordinator outage does: prepared
         * transactions keep their locks until {@link #recover()} is called.
         */
        public Builder automaticRecovery(boolean automatic) {
            this.automaticRecovery = automatic;
            return this;
        }

        /** How often background recovery runs (100 ms to 1 hour). */
        public Builder recoveryInterval(Duration interval) {
            long millis = Objects.requireNonNull(interval, "interval").toMillis();
            if (millis < 100 || millis > 3_600_000) {
                throw new IllegalArgumentException("recoveryInterval must be between 100 ms and 1 hour: " + interval);
            }
            this.recoveryIntervalMillis = millis;
            return this;
        }

        /**
         * Opens the shards, claims them for this coordinator and recovers them.
         *
         * @throws IllegalStateException when another open wallet coordinates these databases, or
         *                               a PostgreSQL setting the protocol needs is off
         */
        public TwoPhaseCommitWallet build() {
            return TwoPhaseCoordinator.open(config, faults, automaticRecovery, recoveryIntervalMillis);
        }

        /** A strategy whose deployments use {@code layout} to place their databases in their directory. */
        public static WalletStrategy strategy(Function<Path, ShardConfig> layout) {
            return new TwoPhaseCommitStrategy(layout);
        }
    }
}
