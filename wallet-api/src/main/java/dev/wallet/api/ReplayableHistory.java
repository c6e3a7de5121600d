package dev.wallet.api;

import java.util.Optional;

/**
 * The history of a wallet that promises {@link Guarantee#REPLAYABLE_HISTORY}, reached through
 * {@link Wallet#replayableHistory()}: any past balance can be rebuilt, and a replay of the whole
 * history agrees with the live state. Positions count the wallet's history in order (for the
 * event-sourced strategies, event sequence numbers); position 0 is the empty wallet.
 *
 * <p>Thread-safe.
 */
public interface ReplayableHistory {

    /** The position of the newest acknowledged change; everything acknowledged so far is at or before it. */
    long lastPosition();

    /**
     * The balance an account had right after position {@code position}; empty if it did not exist then.
     *
     * @throws IllegalArgumentException if {@code position} is negative or beyond {@link #lastPosition()}
     */
    Optional<Money> balanceAt(AccountId account, long position);

    /**
     * Replays the whole history from an empty wallet and compares the result with the live state
     * (and whatever else the strategy keeps, such as snapshots).
     *
     * @return empty when everything agrees and money is conserved; otherwise the first difference found
     */
    Optional<String> auditReplay();
}
