package dev.wallet.eventsourcing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the read side from the journal after commit: a thread tails the journal up to its durable
 * mark and applies each event to the {@link HistoryProjection}. It starts after the projection's
 * last checkpoint (from sequence 1 without one), checkpoints as often as the state is
 * snapshotted and at close, and follows new batches as the writer signals them.
 *
 * <p>Thread-safe.
 */
final class Projector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Projector.class);
    private static final long IDLE_WAIT_MILLIS = 100;

    private final Journal journal;
    private final SegmentArchive segments;
    private final HistoryProjection projection;
    private final long checkpointEvery;
    private final Thread thread;
    private final Object signal = new Object();
    private volatile boolean stopped;
    private volatile RuntimeException failure;
    private SegmentReader reader;
    /** The segment being read (the reader may read a decompressed copy of it). */
    private Path reading;
    private Path finished;
    private long expected;

    Projector(Journal journal, SegmentArchive segments, HistoryProjection projection, long checkpointEvery, String name) {
        this.checkpointEvery = checkpointEvery;
        this.journal = journal;
        this.segments = segments;
        this.projection = projection;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Called by the writer after each forced batch. */
    void signal() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** Waits until the projection has applied {@code sequence}; false when the wait ran out. */
    boolean awaitPosition(long sequence, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        synchronized (signal) {
            while (projection.position() < sequence) {
                if (failure != null) {
                    throw failure;
                }
                long remaining = (deadline - System.nanoTime()) / 1_000_000L;
                if (remaining <= 0) {
                    return false;
                }
                signal.wait(Math.min(remaining, IDLE_WAIT_MILLIS));
            }
        }
        return true;
    }

    private void run() {
        try {
            while (!stopped) {
                Journal.DurableMark mark = journal.durableMark();
                if (projection.position() >= mark.sequence()) {
                    synchronized (signal) {
                        if (!stopped && projection.position() >= journal.durableMark().sequence()) {
                            signal.wait(IDLE_WAIT_MILLIS);
                        }
                    }
                    continue;
                }
                step(mark);
                if (projection.position() - projection.checkpointPosition() >= checkpointEvery) {
                    projection.checkpoint();
                }
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failure = e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
            LOG.error("history projection stopped at sequence {}", projection.position(), e);
        } finally {
            closeReader();
        }
    }

    private void step(Journal.DurableMark mark) throws IOException {
        long next = projection.position() + 1;
        if (reader == null) {
            SegmentArchive.Segment segment = segmentContaining(next);
            Path path = segment.path();
            if (path.equals(finished)) {
                // The segment holding the next event was read to its end already: the next
                // segment is missing.
                throw new JournalCorruptedException(path, 0, "no segment starts at sequence " + next
                        + " after this one ended; a segment is missing");
            }
            reader = segments.reader(segment);
            reading = path;
            long first = reader.readHeader();
            if (first < 0) {
                throw new JournalCorruptedException(path, 0, reader.failure());
            }
            expected = first;
        }
        boolean current = reading.equals(mark.segment());
        long limit = current ? mark.endOffset() : reader.size();
        expected = reader.readRecords(expected, limit, mark.sequence(), (sequence, event, end) -> {
            if (sequence > projection.position()) {
                try {
                    projection.apply(sequence, event);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        if (reader.failure() != null) {
            throw new JournalCorruptedException(reading, reader.offset(), reader.failure());
        }
        if (!current && reader.offset() >= reader.size()) {
            finished = reading;
            closeReader();
        }
    }

    private SegmentArchive.Segment segmentContaining(long sequence) throws IOException {
        SegmentArchive.Segment found = null;
        for (SegmentArchive.Segment segment : segments.segments()) {
            if (segment.firstSequence() <= sequence) {
                found = segment;
            }
        }
        if (found == null) {
            throw new IllegalStateException("no journal segment holds sequence " + sequence);
        }
        return found;
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException e) {
                LOG.warn("closing a journal reader failed", e);
            }
            reader = null;
        }
    }

    @Override
    public void close() {
        stopped = true;
        signal();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            projection.close();
        } catch (IOException e) {
            LOG.warn("the history projection's checkpoint at close failed; the next open replays more", e);
        }
    }
}
