package dev.wallet.api.spi;

import dev.wallet.api.Guarantee;
import dev.wallet.api.Wallet;
import java.util.Optional;

/**
 * What survives a crash of the process that runs a wallet: the shard databases, the journal
 * directory, the partition nodes. Tests use it to "restart the process": after a
 * {@link SimulatedCrashException} (or a clean close) they {@link #open} a new wallet on the same
 * storage, which recovers whatever the strategy knows how to recover.
 *
 * <p>Thread-safe.
 */
public interface Deployment extends AutoCloseable {

    /** The strategy this deployment belongs to. */
    WalletStrategy strategy();

    /**
     * Starts a wallet on this storage, running the strategy's recovery first.
     *
     * @param faults where the new wallet's crash points are armed; {@link FaultInjector#none()} in production
     */
    Wallet open(FaultInjector faults);

    /** Starts a wallet without fault injection. */
    default Wallet open() {
        return open(FaultInjector.none());
    }

    /**
     * Control over the replicas of the wallet opened last, for strategies that declare
     * {@link Guarantee#REPLICATED}; empty for the others.
     */
    default Optional<Replicas> replicas() {
        return Optional.empty();
    }

    /**
     * Releases what the deployment itself holds (in-memory partitions, embedded servers). Files in
     * its directory stay, so a new deployment on the same directory finds them.
     */
    @Override
    void close();
}
