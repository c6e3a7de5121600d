package dev.wallet.eventsourcing;

import java.util.List;
import java.util.Optional;

/**
 * What opening an event-sourced wallet found on disk.
 *
 * @param snapshot        the snapshot file loaded, if any
 * @param snapshotSequence the sequence number the snapshot covers (0 without one)
 * @param eventsReplayed  journal events replayed on top of it
 * @param lastSequence    the last event in the journal
 * @param tornTail        a torn last record that was truncated, described, if there was one
 * @param problems        snapshots passed over as unreadable, and the like
 * @param elapsedMillis   time spent recovering
 */
public record RecoveryReport(Optional<String> snapshot, long snapshotSequence, long eventsReplayed, long lastSequence,
                             Optional<String> tornTail, List<String> problems, long elapsedMillis) {
}
