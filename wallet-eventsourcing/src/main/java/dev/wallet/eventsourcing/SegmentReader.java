package dev.wallet.eventsourcing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads the records of one journal segment in order, verifying each record's checksum, length,
 * type and sequence number. On a bad record it stops and says where and why; whether that is a
 * torn tail or corruption is the caller's call ({@link Journal}).
 *
 * <p>Not thread-safe; one reader per scan.
 */
final class SegmentReader implements AutoCloseable {

    /** One record as read: its sequence number, its event, and the offset just past it. */
    interface RecordHandler {
        void accept(long sequence, Event event, long endOffset);
    }

    /** Why reading stopped at a bad record. */
    enum Failure {
        /** The file ends inside the record (or its header). */
        INCOMPLETE,
        /** The record is whole but its checksum does not match. */
        CHECKSUM,
        /** The record cannot be valid whatever its checksum: a length that does not fit its type, a sequence gap, a payload that does not decode. */
        CORRUPT
    }

    private static final int BUFFER_BYTES = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    /** A decompressed copy of an archived segment, removed when this reader closes; null otherwise. */
    private final Path removeOnClose;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();
    private long bufferStart;
    private long offset;
    private String failure;
    private Failure failureKind;
    private long badRecordEnd;

    SegmentReader(Path path) throws IOException {
        this(path, false);
    }

    /** With {@code temporary}, the file is a copy this reader removes when it closes. */
    SegmentReader(Path path, boolean temporary) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        this.removeOnClose = temporary ? path : null;
        buffer.limit(0);
    }

    long size() throws IOException {
        return channel.size();
    }

    /** Reads and checks the 16-byte segment header; returns the first sequence number it declares, or -1 (see {@link #failure()}). */
    long readHeader() throws IOException {
        offset = 0;
        bufferStart = 0;
        buffer.limit(0);
        if (!fill(Journal.SEGMENT_HEADER_BYTES, Long.MAX_VALUE)) {
            failure = "segment header is incomplete";
            return -1;
        }
        int magic = buffer.getInt();
        int version = buffer.getInt();
        long first = buffer.getLong();
        offset = Journal.SEGMENT_HEADER_BYTES;
        if (magic != Journal.SEGMENT_MAGIC) {
            failure = String.format("bad segment magic 0x%08x", magic);
            return -1;
        }
        if (version != Journal.FORMAT_VERSION) {
            failure = "unsupported segment format version " + version;
            return -1;
        }
        if (first < 1) {
            failure = "bad first sequence " + first;
            return -1;
        }
        return first;
    }

    /**
     * Reads records from the current offset until {@code limitOffset} (exclusive), the record with
     * sequence number {@code lastSequence}, or a bad record.
     * Expects consecutive sequence numbers starting at {@code expectedSequence}.
     *
     * @return the next expected sequence number; {@link #failure()} is non-null if it stopped at a
     *         bad record, whose offset is {@link #offset()}
     */
    long readRecords(long expectedSequence, long limitOffset, long lastSequence, RecordHandler handler) throws IOException {
        failure = null;
        badRecordEnd = -1;
        long expected = expectedSequence;
        while (offset < limitOffset && expected <= lastSequence) {
            badRecordEnd = -1;
            if (!fill(Journal.RECORD_HEADER_BYTES, limitOffset)) {
                return fail(Failure.INCOMPLETE, "record header is incomplete (" + (limitOffset - offset) + " bytes left)", expected);
            }
            int start = buffer.position();
            int length = buffer.getInt(start);
            byte type = buffer.get(start + 4);
            long sequence = buffer.getLong(start + 5);
            if (length < 0 || length > EventCodec.PAYLOAD_MAX || !EventCodec.plausibleLength(type, length)) {
                return fail(Failure.CORRUPT, "record length " + length + " does not fit record type " + type, expected);
            }
            int total = Journal.RECORD_HEADER_BYTES + length + Journal.RECORD_TRAILER_BYTES;
            badRecordEnd = offset + total;
            if (!fill(total, limitOffset)) {
                return fail(Failure.INCOMPLETE, "record of " + total + " bytes is incomplete (" + (limitOffset - offset)
                        + " bytes left)", expected);
            }
            start = buffer.position();
            crc.reset();
            ByteBuffer covered = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            covered.limit(start + Journal.RECORD_HEADER_BYTES + length);
            crc.update(covered);
            int stored = buffer.getInt(start + Journal.RECORD_HEADER_BYTES + length);
            if ((int) crc.getValue() != stored) {
                return fail(Failure.CHECKSUM, "checksum mismatch", expected);
            }
            if (sequence != expected) {
                return fail(Failure.CORRUPT, "sequence number " + sequence + " where " + expected + " was expected", expected);
            }
            ByteBuffer payload = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            payload.position(start + Journal.RECORD_HEADER_BYTES).limit(start + Journal.RECORD_HEADER_BYTES + length);
            Event event;
            try {
                event = EventCodec.decode(type, payload);
            } catch (RuntimeException e) {
                return fail(Failure.CORRUPT, "record does not decode: " + e.getMessage(), expected);
            }
            buffer.position(start + total);
            offset += total;
            handler.accept(sequence, event, offset);
            expected++;
        }
        return expected;
    }

    private long fail(Failure kind, String reason, long expected) {
        failureKind = kind;
        failure = reason;
        return expected;
    }

    /** Why the last read stopped, or {@code null} if it did not stop at a bad record. */
    Failure failureKind() {
        return failure == null ? null : failureKind;
    }

    /** Whether every byte from the current offset to the end of the file is zero (an unwritten tail). */
    boolean restIsZero() throws IOException {
        return restIsZeroFrom(offset);
    }

    /** Whether every byte from {@code from} to the end of the file is zero. */
    boolean restIsZeroFrom(long from) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(BUFFER_BYTES);
        long position = from;
        long size = channel.size();
        while (position < size) {
            chunk.clear();
            int read = channel.read(chunk, position);
            if (read <= 0) {
                break;
            }
            for (int i = 0; i < read; i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
            position += read;
        }
        return true;
    }

    /** Positions the reader at a record boundary found earlier. */
    void seek(long recordOffset) {
        offset = recordOffset;
        bufferStart = recordOffset;
        buffer.limit(0);
    }

    /** Where the bad record the reader stopped at would end by its declared length; -1 if its header was unreadable. */
    long declaredEndOfBadRecord() {
        return badRecordEnd;
    }

    String failure() {
        return failure;
    }

    long offset() {
        return offset;
    }

    Path path() {
        return path;
    }

    /** Makes {@code bytes} bytes from {@link #offset} available at the buffer's position, not reading past {@code limitOffset}. */
    private boolean fill(int bytes, long limitOffset) throws IOException {
        if (offset + bytes > limitOffset) {
            return false;
        }
        int available = buffer.remaining();
        if (available >= bytes) {
            return true;
        }
        buffer.compact();
        bufferStart = offset;
        long readPosition = offset + available;
        while (buffer.position() < bytes) {
            int read = channel.read(buffer, readPosition);
            if (read <= 0) {
                buffer.flip();
                return false;
            }
            readPosition += read;
        }
        buffer.flip();
        return true;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (removeOnClose != null) {
                Files.deleteIfExists(removeOnClose);
            }
        }
    }
}
