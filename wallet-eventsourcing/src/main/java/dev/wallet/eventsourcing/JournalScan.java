package dev.wallet.eventsourcing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Reads a range of the journal's events in order, archived segments included, verifying each record; for audit, past balances and rebuilds. */
final class JournalScan {

    private JournalScan() {
    }

    /**
     * Passes every event with a sequence number in {@code [from, to]} to {@code replay}, in order.
     *
     * @throws JournalCorruptedException at a bad record, or when the journal ends before {@code to}
     */
    static void scan(SegmentArchive segments, long from, long to, Journal.Replay replay) throws IOException {
        if (from > to) {
            return;
        }
        List<SegmentArchive.Segment> all = segments.segments();
        long expected = -1;
        for (int i = 0; i < all.size() && expected <= to; i++) {
            SegmentArchive.Segment segment = all.get(i);
            boolean coveredByLater = i + 1 < all.size() && all.get(i + 1).firstSequence() <= from;
            if (coveredByLater) {
                continue;
            }
            long gapFrom = expected >= 0 ? expected : from;
            if (segment.firstSequence() > gapFrom) {
                throw new JournalCorruptedException(segment.path(), 0, "no segment of the journal or of its archive holds"
                        + " sequences " + gapFrom + " to " + (segment.firstSequence() - 1) + " (a segment is missing)");
            }
            try (SegmentReader reader = segments.reader(segment)) {
                long first = reader.readHeader();
                if (first < 0 || first != segment.firstSequence() || (expected >= 0 && first != expected)) {
                    throw new JournalCorruptedException(segment.path(), 0, first < 0 ? reader.failure()
                            : "unexpected first sequence " + first);
                }
                expected = reader.readRecords(first, reader.size(), to, (sequence, event, end) -> {
                    if (sequence >= from) {
                        replay.accept(sequence, event);
                    }
                });
                if (reader.failure() != null && expected <= to) {
                    throw new JournalCorruptedException(segment.path(), reader.offset(), reader.failure());
                }
            }
        }
        if (expected <= to) {
            throw new JournalCorruptedException(segments.journalDirectory(), 0, "the journal ends at sequence " + (expected - 1)
                    + " before sequence " + to);
        }
    }
}
