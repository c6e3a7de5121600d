package dev.wallet.eventsourcing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The source of truth: an append-only sequence of events in segment files
 * {@code journal-<first sequence, 20 digits>.wal}, written sequentially and forced to disk once
 * per batch.
 *
 * <p>Segment layout (little-endian): a 16-byte header, then records back to back.
 * <pre>
 * segment header   0  int32  magic 0x4C4E4A57 ("WJNL" read as little-endian bytes)
 *                  4  int32  format version (1)
 *                  8  int64  sequence number of the segment's first record
 * record           0  int32  payload length L (0..{@link EventCodec#PAYLOAD_MAX})
 *                  4  uint8  type (see {@link EventCodec})
 *                  5  int64  sequence number (consecutive, from 1, across segments)
 *                 13  L      payload ({@link EventCodec})
 *               13+L  int32  CRC32C of bytes 0 .. 13+L-1 of the record (header and payload)
 * </pre>
 * A record never spans two segments; a segment rolls once it holds at least the configured
 * bound. On open, every segment is scanned (those wholly covered by the snapshot being loaded are
 * skipped): a bad record at the very end of the last segment (incomplete, a checksum mismatch or
 * zeros up to the end of the file) is a torn write and is truncated and reported; a bad record
 * anywhere else stops the open with a {@link JournalCorruptedException} naming file and offset.
 *
 * <p>Writing methods belong to one thread (the wallet's writer). {@link #durableMark()} may be
 * read from any thread.
 */
final class Journal implements AutoCloseable {

    static final int SEGMENT_MAGIC = 0x4C4E4A57;
    static final int FORMAT_VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 16;
    static final int RECORD_HEADER_BYTES = 13;
    static final int RECORD_TRAILER_BYTES = 4;
    static final int RECORD_BYTES_MAX = RECORD_HEADER_BYTES + EventCodec.PAYLOAD_MAX + RECORD_TRAILER_BYTES;

    private static final Pattern SEGMENT_NAME = Pattern.compile("journal-(\\d{20})\\.wal");

    /** Where the journal is durable up to: the last forced segment and byte offset, and the sequence there. */
    record DurableMark(Path segment, long firstSequence, long endOffset, long sequence) {
    }

    /** What recovery found. */
    record Recovery(long lastSequence, String tornTail) {
    }

    /** Opens the journal's files for writing; tests substitute one that records what was forced. */
    interface ChannelOpener {
        FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
    }

    static final ChannelOpener DEFAULT_OPENER = (path, options) -> FileChannel.open(path, options);

    /** Receives each event replayed at open. */
    interface Replay {
        void accept(long sequence, Event event);
    }

    private final Path directory;
    private final long segmentBytesMax;
    private final ByteBuffer staging;
    /** A second view of the staging buffer for checksumming, so that staging a record allocates nothing. */
    private final ByteBuffer checksumView;
    private final CRC32C crc = new CRC32C();
    private final List<Long> segmentFirsts = new ArrayList<>();
    private FileChannel channel;
    private Path segment;
    private long segmentFirst;
    private long writeOffset;
    private long nextSequence;
    private long writtenSequence;
    private volatile DurableMark durable;

    private final ChannelOpener opener;

    private Journal(Path directory, long segmentBytesMax, int stagingBytes, ChannelOpener opener) {
        this.directory = directory;
        this.opener = opener;
        this.segmentBytesMax = segmentBytesMax;
        this.staging = ByteBuffer.allocateDirect(stagingBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.checksumView = staging.duplicate();
    }

    /**
     * Opens the journal in {@code directory}, replaying to {@code replay} every event with a
     * sequence number above {@code afterSequence} (the snapshot's), and truncating a torn tail.
     *
     * @throws JournalCorruptedException for a bad record anywhere but the torn tail
     */
    static Opened open(Path directory, long segmentBytesMax, int stagingBytes, long afterSequence, Replay replay,
                       ChannelOpener opener) throws IOException {
        Journal journal = new Journal(directory, segmentBytesMax, stagingBytes, opener);
        Recovery recovery = journal.recover(afterSequence, replay);
        return new Opened(journal, recovery);
    }

    /** An opened journal and what its recovery found. */
    record Opened(Journal journal, Recovery recovery) {
    }

    /** The segments of a journal directory by first sequence number, oldest first. */
    static List<Path> segments(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> SEGMENT_NAME.matcher(path.getFileName().toString()).matches()).sorted().toList();
        }
    }

    static long firstSequenceOf(Path segment) {
        Matcher matcher = SEGMENT_NAME.matcher(segment.getFileName().toString());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a journal segment: " + segment);
        }
        return Long.parseLong(matcher.group(1));
    }

    private Recovery recover(long afterSequence, Replay replay) throws IOException {
        List<Path> paths = segments(directory);
        long expected = 1;
        if (!paths.isEmpty() && firstSequenceOf(paths.get(0)) > 1 && firstSequenceOf(paths.get(0)) <= afterSequence + 1) {
            // The segments before were archived (JournalRetention): the snapshot covers every event they held.
            expected = firstSequenceOf(paths.get(0));
        }
        String tornTail = null;
        for (int i = 0; i < paths.size(); i++) {
            Path path = paths.get(i);
            boolean last = i == paths.size() - 1;
            long declared = firstSequenceOf(path);
            if (declared != expected) {
                throw new JournalCorruptedException(path, 0, "segment starts at sequence " + declared + " where "
                        + expected + " was expected (a segment is missing)");
            }
            if (!last && firstSequenceOf(paths.get(i + 1)) <= afterSequence + 1) {
                // Wholly covered by the snapshot: its events are already in the state.
                segmentFirsts.add(declared);
                expected = firstSequenceOf(paths.get(i + 1));
                continue;
            }
            try (SegmentReader reader = new SegmentReader(path)) {
                long first = reader.readHeader();
                if (first < 0 || first != declared) {
                    String reason = first < 0 ? reader.failure() : "header says first sequence " + first;
                    if (last && (reader.size() < SEGMENT_HEADER_BYTES || reader.restIsZeroFrom(0))) {
                        tornTail = path + ": torn segment header (" + reader.size() + " bytes) removed";
                        Files.delete(path);
                        fsyncDirectory();
                        break;
                    }
                    throw new JournalCorruptedException(path, 0, reason);
                }
                long size = reader.size();
                long[] endOffset = {SEGMENT_HEADER_BYTES};
                expected = reader.readRecords(expected, size, Long.MAX_VALUE, (sequence, event, end) -> {
                    if (sequence > afterSequence) {
                        replay.accept(sequence, event);
                    }
                    endOffset[0] = end;
                });
                if (reader.failure() != null) {
                    long badOffset = reader.offset();
                    // Only the end of the last segment can be torn: a record cut short, a whole
                    // last record whose checksum fails, or zeros to the end of the file. A record
                    // that cannot be valid at all (length not fitting its type, sequence gap,
                    // undecodable payload under a good checksum) is corruption wherever it is.
                    SegmentReader.Failure kind = reader.failureKind();
                    boolean torn = last && (kind == SegmentReader.Failure.INCOMPLETE || reader.restIsZero()
                            || (kind == SegmentReader.Failure.CHECKSUM && isLastRecord(reader, size)));
                    if (!torn) {
                        throw new JournalCorruptedException(path, badOffset, reader.failure());
                    }
                    tornTail = path + ": torn record at byte offset " + badOffset + " (" + reader.failure() + "); "
                            + (size - badOffset) + " bytes truncated";
                    try (FileChannel truncating = opener.open(path, Set.of(StandardOpenOption.WRITE))) {
                        truncating.truncate(badOffset);
                        truncating.force(true);
                    }
                }
                segmentFirsts.add(declared);
            }
        }
        nextSequence = expected;
        writtenSequence = expected - 1;
        if (segmentFirsts.isEmpty()) {
            startSegment(nextSequence);
        } else {
            segmentFirst = segmentFirsts.get(segmentFirsts.size() - 1);
            segment = segmentPath(segmentFirst);
            channel = opener.open(segment, Set.of(StandardOpenOption.WRITE, StandardOpenOption.READ));
            writeOffset = channel.size();
        }
        // What recovery found may be only in the operating system's cache (a process killed after
        // writing and before forcing): force it before calling it durable, or a later answer
        // (a replay, a read, a snapshot) could rest on bytes a power cut would still take away.
        channel.force(true);
        fsyncDirectory();
        durable = new DurableMark(segment, segmentFirst, writeOffset, writtenSequence);
        return new Recovery(writtenSequence, tornTail);
    }

    /** Whether the bad record the reader stopped at is the last thing in the file (its declared end reaches the end). */
    private static boolean isLastRecord(SegmentReader reader, long size) throws IOException {
        return reader.declaredEndOfBadRecord() >= size;
    }

    // Writing (writer thread only).

    long nextSequence() {
        return nextSequence;
    }

    int stagedBytes() {
        return staging.position();
    }

    /** Encodes an event as the next record into the staging buffer and returns its sequence number. */
    long stage(Event event) {
        if (staging.remaining() < RECORD_BYTES_MAX) {
            throw new IllegalStateException("journal staging buffer is full; the writer must write before staging more");
        }
        int start = staging.position();
        long sequence = nextSequence++;
        staging.position(start + RECORD_HEADER_BYTES);
        EventCodec.encode(event, staging);
        int end = staging.position();
        staging.putInt(start, end - start - RECORD_HEADER_BYTES);
        staging.put(start + 4, EventCodec.typeOf(event));
        staging.putLong(start + 5, sequence);
        crc.reset();
        checksumView.limit(end).position(start);
        crc.update(checksumView);
        staging.putInt(end, (int) crc.getValue());
        staging.position(end + RECORD_TRAILER_BYTES);
        return sequence;
    }

    /** Whether staged records wait to be written. */
    boolean hasStaged() {
        return staging.position() > 0;
    }

    /** Writes the staged records to the current segment (rolling it first if it is full). Not yet durable. */
    void writeStaged() throws IOException {
        if (staging.position() == 0) {
            return;
        }
        if (writeOffset >= segmentBytesMax) {
            roll();
        }
        staging.flip();
        while (staging.hasRemaining()) {
            writeOffset += channel.write(staging, writeOffset);
        }
        staging.clear();
        writtenSequence = nextSequence - 1;
    }

    /** Forces what was written to disk; then it is durable. */
    void force() throws IOException {
        if (durable.sequence() == writtenSequence && durable.segment().equals(segment)) {
            return;
        }
        channel.force(false);
        durable = new DurableMark(segment, segmentFirst, writeOffset, writtenSequence);
    }

    /**
     * After a write or force that failed: forgets everything past the durable mark (staged,
     * written but not forced, a segment the failed write started), so that the journal ends where
     * it is durable and the next batch is written there.
     */
    void rollBackToDurable() throws IOException {
        staging.clear();
        DurableMark mark = durable;
        Path started = segmentPath(mark.sequence() + 1);
        if (!started.equals(mark.segment()) && Files.exists(started)) {
            if (channel.isOpen() && segment.equals(started)) {
                channel.close();
            }
            Files.delete(started);
            segmentFirsts.remove(Long.valueOf(mark.sequence() + 1));
            fsyncDirectory();
        }
        if (!channel.isOpen() || !segment.equals(mark.segment())) {
            if (channel.isOpen()) {
                channel.close();
            }
            channel = opener.open(mark.segment(), Set.of(StandardOpenOption.WRITE, StandardOpenOption.READ));
            segment = mark.segment();
            segmentFirst = mark.firstSequence();
        }
        channel.truncate(mark.endOffset());
        channel.force(true);
        writeOffset = mark.endOffset();
        writtenSequence = mark.sequence();
        nextSequence = mark.sequence() + 1;
    }

    /** Where the journal is durable up to. Any thread. */
    DurableMark durableMark() {
        return durable;
    }

    Path directory() {
        return directory;
    }

    /** Segment first sequences known to this journal, oldest first (writer thread). */
    List<Long> segmentFirsts() {
        return List.copyOf(segmentFirsts);
    }

    private void roll() throws IOException {
        channel.force(false);
        channel.close();
        startSegment(writtenSequence + 1);
    }

    private void startSegment(long first) throws IOException {
        Path path = segmentPath(first);
        FileChannel created = opener.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ));
        try {
            ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(SEGMENT_MAGIC).putInt(FORMAT_VERSION).putLong(first).flip();
            while (header.hasRemaining()) {
                created.write(header, SEGMENT_HEADER_BYTES - header.remaining());
            }
            created.force(true);
            fsyncDirectory();
        } catch (IOException | RuntimeException e) {
            created.close();
            throw e;
        }
        channel = created;
        segment = path;
        segmentFirst = first;
        segmentFirsts.add(first);
        writeOffset = SEGMENT_HEADER_BYTES;
    }

    Path segmentPath(long first) {
        return directory.resolve(String.format("journal-%020d.wal", first));
    }

    void fsyncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Closes the file without forcing it: what a crashed process leaves behind. */
    void abandon() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            channel.force(false);
            channel.close();
        }
    }
}
