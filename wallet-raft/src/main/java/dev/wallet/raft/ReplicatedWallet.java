package dev.wallet.raft;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.Wallet;
import dev.wallet.api.spi.FaultInjector;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A wallet whose event-sourced state machine is replicated with Raft (Apache Ratis): commands are
 * packed into batches, one batch per log entry, and a command is acknowledged only once its batch
 * is committed by a majority of replicas (each forced to disk) and applied. Every replica applies
 * the same batches in the same order and holds the same balances and the same idempotency index,
 * so a retry after a leader change never moves money twice.
 *
 * <pre>{@code
 * try (EmbeddedCluster cluster = ReplicatedWallet.embedded(Path.of("data/raft")).start()) {
 *     ReplicatedWallet wallet = cluster.wallet();
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #balance} is linearizable (the leader confirms it still leads before answering);
 * {@link #staleBalance} reads one replica's local state. Leader changes are retried inside; when no
 * majority answers within the write timeout a call fails with {@link NoQuorumException}, and the
 * batch is then either committed whole later or never: nothing is half-applied.
 *
 * <p>Thread-safe.
 */
public interface ReplicatedWallet extends Wallet {

    /** A cluster of replicas in this JVM, each with its own directory under {@code directory}, on 127.0.0.1. */
    static EmbeddedCluster.Builder embedded(Path directory) {
        return new EmbeddedCluster.Builder(directory);
    }

    /** A client of replicas running elsewhere (see {@link ReplicaServer}), given as replica id to address. */
    static Builder connect(Map<String, InetSocketAddress> peers) {
        ReplicaServer.ReplicaSettings.checkPeers(peers);
        return new Builder(new TreeMap<>(peers));
    }

    /** The Raft log index of the newest batch this client saw committed; 0 before the first. */
    long lastWriteIndex();

    /**
     * The balance as replica {@code replicaId} holds it, once it has applied at least log index
     * {@code minIndex} (pass {@link #lastWriteIndex()} to read your own writes from a follower).
     * Possibly older than {@link #balance}; never a state that was not committed.
     *
     * @throws IllegalArgumentException   for a replica id not in the cluster or a negative index
     * @throws dev.wallet.api.WalletUnavailableException when the replica is down or behind {@code minIndex}
     */
    Optional<Money> staleBalance(AccountId account, String replicaId, long minIndex);

    /** Where a replica is and a digest of its whole state (equal digests at equal indexes mean identical replicas). */
    ReplicaState replicaState(String replicaId);

    /** The replica ids of the cluster, sorted. */
    List<String> replicaIds();

    /** Settings of a client. Not thread-safe; validates each value when it is set. */
    final class Builder {

        /** Commands per log entry unless told otherwise; the benchmark in the README shows why. */
        public static final int DEFAULT_BATCH_COMMANDS_MAX = 16_384;
        /** How long a write may wait for a majority unless told otherwise. */
        public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(10);

        final Map<String, InetSocketAddress> peers;
        int batchCommandsMax = DEFAULT_BATCH_COMMANDS_MAX;
        int entriesInFlightMax = 32;
        int queueCapacity = 131_072;
        Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        FaultInjector faults = FaultInjector.none();

        Builder(Map<String, InetSocketAddress> peers) {
            this.peers = peers;
        }

        /** At most this many commands go into one Raft log entry (1 to 16,384). */
        public Builder batchCommandsMax(int commands) {
            if (commands < 1 || commands > 16_384) {
                throw new IllegalArgumentException("batchCommandsMax must be between 1 and 16384: " + commands);
            }
            this.batchCommandsMax = commands;
            return this;
        }

        /** At most this many log entries are on their way to the leader at once (1 to 1,024). */
        public Builder entriesInFlightMax(int entries) {
            if (entries < 1 || entries > 1_024) {
                throw new IllegalArgumentException("entriesInFlightMax must be between 1 and 1024: " + entries);
            }
            this.entriesInFlightMax = entries;
            return this;
        }

        /** Commands waiting to be batched (1,024 to 4,194,304); callers wait up to the write timeout for room. */
        public Builder queueCapacity(int commands) {
            if (commands < 1_024 || commands > (1 << 22)) {
                throw new IllegalArgumentException("queueCapacity must be between 1024 and 4194304: " + commands);
            }
            this.queueCapacity = commands;
            return this;
        }

        /** How long a call may wait for a majority before {@link NoQuorumException} (100 ms to 10 min). */
        public Builder writeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 100 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("writeTimeout must be between 100 ms and 10 minutes: " + timeout);
            }
            this.writeTimeout = timeout;
            return this;
        }

        /** Where tests arm the client's crash points. */
        public Builder faultInjector(FaultInjector faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Connects; the replicas need not all be up (calls fail with {@link NoQuorumException} until a majority is). */
        public ReplicatedWallet build() {
            return new RaftWallet(peers, this, () -> { });
        }

        Builder copyFor(Map<String, InetSocketAddress> newPeers) {
            Builder copy = new Builder(newPeers);
            copy.batchCommandsMax = batchCommandsMax;
            copy.entriesInFlightMax = entriesInFlightMax;
            copy.queueCapacity = queueCapacity;
            copy.writeTimeout = writeTimeout;
            copy.faults = faults;
            return copy;
        }
    }
}
