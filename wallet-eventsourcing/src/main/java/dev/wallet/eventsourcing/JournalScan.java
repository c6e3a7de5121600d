package dev.wallet.eventsourcing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Reads a range of the journal's events in order, verifying each record; for replay, audit and past balances. */
final class JournalScan {

    private JournalScan() {
    }

    /**
     * Passes every event with a sequence number in {@code [from, to]} to {@code replay}, in order.
     *
     * @throws JournalCorruptedException at a bad record, or when the journal ends before {@code to}
     */
    static void scan(Path directory, long from, long to, Journal.Replay replay) throws IOException {
        if (from > to) {
            return;
        }
        List<Path> segments = Journal.segments(directory);
        long expected = -1;
        for (int i = 0; i < segments.size() && expected <= to; i++) {
            Path path = segments.get(i);
            boolean coveredByLater = i + 1 < segments.size() && Journal.firstSequenceOf(segments.get(i + 1)) <= from;
            if (coveredByLater) {
                continue;
            }
            try (SegmentReader reader = new SegmentReader(path)) {
                long first = reader.readHeader();
                if (first < 0 || first != Journal.firstSequenceOf(path) || (expected >= 0 && first != expected)) {
                    throw new JournalCorruptedException(path, 0, first < 0 ? reader.failure() : "unexpected first sequence " + first);
                }
                expected = reader.readRecords(first, reader.size(), to, (sequence, event, end) -> {
                    if (sequence >= from) {
                        replay.accept(sequence, event);
                    }
                });
                if (reader.failure() != null && expected <= to) {
                    throw new JournalCorruptedException(path, reader.offset(), reader.failure());
                }
            }
        }
        if (expected <= to) {
            throw new JournalCorruptedException(directory, 0, "the journal ends at sequence " + (expected - 1)
                    + " before sequence " + to);
        }
    }
}
