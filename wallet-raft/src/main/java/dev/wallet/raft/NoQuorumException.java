package dev.wallet.raft;

import dev.wallet.api.WalletUnavailableException;

/**
 * No majority of the replicas committed the call's batch within the write timeout (replicas down,
 * no leader elected, the network split). The batch is then either committed whole later or never;
 * retry with the same transaction id once the cluster is back, and the retry answers the original
 * outcome if it did commit.
 */
public final class NoQuorumException extends WalletUnavailableException {

    public NoQuorumException(String message, Throwable cause) {
        super(message, cause);
    }
}
