package dev.wallet.eventsourcing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link EventSourcedWallet#audit()} found after replaying the whole journal from an empty
 * state.
 *
 * @param sequence           the live state's sequence number the replay was compared with
 * @param eventsReplayed     events replayed from sequence 1
 * @param snapshotsVerified  retained snapshot files checked against the replay at their sequence
 * @param sumsByCurrency     per currency, the sum of all balances after replay (zero when conserved)
 * @param firstDivergence    the first difference found (live state or a snapshot against the
 *                           replay, or money not conserved), empty when everything agrees
 * @param elapsedMillis      how long the audit took
 */
public record AuditReport(long sequence, long eventsReplayed, List<String> snapshotsVerified,
                          Map<String, Long> sumsByCurrency, Optional<String> firstDivergence, long elapsedMillis) {

    /** Whether the replay equals the live state and every snapshot, and money is conserved. */
    public boolean passed() {
        return firstDivergence.isEmpty();
    }
}
