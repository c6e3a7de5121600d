package dev.wallet.raft;

import dev.wallet.eventsourcing.BatchCodec;
import java.util.HexFormat;

/**
 * What one replica holds: the last Raft log index it applied, the number of events its state
 * machine applied, and a SHA-256 digest of its balances and idempotency index. Two replicas at the
 * same applied index must have the same digest.
 */
public record ReplicaState(String replicaId, long appliedIndex, long sequence, String digest) {

    static ReplicaState of(String replicaId, BatchCodec.StateReport report) {
        return new ReplicaState(replicaId, report.appliedIndex(), report.sequence(), HexFormat.of().formatHex(report.digest()));
    }

    @Override
    public String toString() {
        return replicaId + "@" + appliedIndex + " (" + sequence + " events, " + digest.substring(0, 12) + ")";
    }
}
