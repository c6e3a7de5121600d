package dev.wallet.raft;

import dev.wallet.eventsourcing.BatchCodec;
import java.util.HexFormat;

/**
 * What one replica holds: the last Raft log index it applied, the number of events its state
 * machine applied, the transaction ids it holds in memory (the rest are in its id archive on
 * disk), and a SHA-256 digest of its balances and its window of recent ids. Two replicas at the
 * same applied index must have the same digest; the ids in memory may differ for a while, as each
 * replica archives a sealed window in its own time.
 */
public record ReplicaState(String replicaId, long appliedIndex, long sequence, long idsInMemory, String digest) {

    static ReplicaState of(String replicaId, BatchCodec.StateReport report) {
        return new ReplicaState(replicaId, report.appliedIndex(), report.sequence(), report.idsInMemory(),
                HexFormat.of().formatHex(report.digest()));
    }

    @Override
    public String toString() {
        return replicaId + "@" + appliedIndex + " (" + sequence + " events, " + idsInMemory + " ids in memory, "
                + digest.substring(0, 12) + ")";
    }
}
