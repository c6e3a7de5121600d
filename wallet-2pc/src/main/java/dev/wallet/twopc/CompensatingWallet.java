package dev.wallet.twopc;

import dev.wallet.api.Wallet;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.time.Duration;
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
 * account: balances read one by one mid-flight sum to less than before (the "unbalanced window");
 * they sum to the same total again once the transfer finishes or is compensated. {@link #balances}
 * reads the accounts as of one point and reports that money in
 * {@link dev.wallet.api.BalanceSnapshot#inFlight()}, so balances plus money in flight always sum to
 * zero ({@link dev.wallet.api.Guarantee#CONSISTENT_READS}). {@link #lookup} answers an id in flight
 * from its registration until its outcome is pinned (also while it waits for recovery or is
 * stuck), and empty once an attempt was compensated and aborted, which took no effect. One open
 * wallet at a time coordinates a set of databases; closing waits for the calls under way.
 */
public interface CompensatingWallet extends Wallet {

    /**
     * The one way to build a TC/C or Saga wallet: {@code builder(config, protocol)...build()} opens
     * the shards of {@code config} and recovers unfinished transactions first. For a
     * {@link dev.wallet.api.spi.WalletStrategy}: {@link Builder#strategy(Protocol, Function)}, or
     * {@code WalletStrategies.named("tcc")} / {@code named("saga")} for the default layout.
     */
    static Builder builder(ShardConfig config, Protocol protocol) {
        return new Builder(config, protocol);
    }

    /**
     * Drives every unfinished transaction no thread of this process is executing to an end:
     * forward when it can complete, compensated otherwise. A transaction whose recovery failed
     * more than {@value GlobalCoordinator#RECOVERY_ATTEMPTS_MAX} times is stuck: the automatic
     * passes (on open, and in the background) leave it for repair and its id is refused with
     * {@link TransactionStuckException}; this call drives stuck transactions too, so call it once
     * the cause is fixed.
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
        private boolean automaticRecovery = true;
        private long recoveryIntervalMillis = TwoPhaseCommitWallet.Builder.DEFAULT_RECOVERY_INTERVAL.toMillis();

        Builder(ShardConfig config, Protocol protocol) {
            this.config = Objects.requireNonNull(config, "config");
            this.protocol = Objects.requireNonNull(protocol, "protocol");
        }

        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /**
         * Whether unfinished transactions are recovered by themselves: on open and every
         * {@link #recoveryInterval} (the default). Off, nothing moves until {@link #recover()}.
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
        public CompensatingWallet build() {
            Shards shards = new Shards(config, java.util.List.of("global-schema.sql"), false);
            GlobalCoordinator coordinator = protocol == Protocol.TCC
                    ? new TccCoordinator(shards, faults) : new SagaCoordinator(shards, faults);
            if (automaticRecovery) {
                try {
                    coordinator.recoverOnOpen();
                } catch (RuntimeException e) {
                    shards.close();
                    throw e;
                }
                coordinator.startRecovery(recoveryIntervalMillis);
            }
            return coordinator;
        }

        /** A strategy whose deployments use {@code layout} to place their databases in their directory. */
        public static WalletStrategy strategy(Protocol protocol, Function<Path, ShardConfig> layout) {
            return new CompensatingStrategy(protocol, layout);
        }
    }
}
