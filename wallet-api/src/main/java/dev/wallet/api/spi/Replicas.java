package dev.wallet.api.spi;

import dev.wallet.api.Guarantee;
import java.util.List;

/**
 * Control over the replicas of a replicated deployment, for tests of
 * {@link dev.wallet.api.Guarantee#REPLICATED}: stop some replicas as a crash of their processes
 * would (their storage stays), start them again, and compare the replicas' states once they have
 * caught up. Reached through {@link dev.wallet.api.spi.Deployment#replicas()} while a wallet of the
 * deployment is open.
 *
 * <p>Thread-safe.
 */
public interface Replicas {

    /** The replica ids, in a stable order. */
    List<String> ids();

    /** Stops one replica; its storage stays. Does nothing if it is stopped. */
    void stop(String replicaId);

    /** Starts a stopped replica from its own storage; it catches up with the others. Does nothing if it runs. */
    void start(String replicaId);

    /**
     * A digest of each running replica's whole state, once every running replica stands at one
     * applied index (call it when no command is running); equal digests mean identical states.
     *
     * @throws IllegalStateException when the replicas do not catch up within the strategy's bound
     */
    List<String> convergedDigests();
}
