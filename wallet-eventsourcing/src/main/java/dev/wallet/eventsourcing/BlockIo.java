package dev.wallet.eventsourcing;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/** Buffered little-endian writing and reading of whole files with a running CRC32C, for snapshots. */
final class BlockIo {

    private static final int BUFFER_BYTES = 1 << 20;

    private BlockIo() {
    }

    /** Writes through a buffer, keeping the CRC32C of everything written. Not thread-safe. */
    static final class Writer {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long position;

        Writer(FileChannel channel) {
            this.channel = channel;
        }

        /** A buffer with at least {@code bytes} free; write into it directly. */
        ByteBuffer reserve(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                flush();
            }
            return buffer;
        }

        /** Writes {@code count} longs of {@code values} from {@code from}, in bulk. */
        void putLongs(long[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                int n = Math.min(count - done, reserve(Long.BYTES).remaining() / Long.BYTES);
                buffer.asLongBuffer().put(values, from + done, n);
                buffer.position(buffer.position() + n * Long.BYTES);
                done += n;
            }
        }

        void putInts(int[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                int n = Math.min(count - done, reserve(Integer.BYTES).remaining() / Integer.BYTES);
                buffer.asIntBuffer().put(values, from + done, n);
                buffer.position(buffer.position() + n * Integer.BYTES);
                done += n;
            }
        }

        void putShorts(short[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                int n = Math.min(count - done, reserve(Short.BYTES).remaining() / Short.BYTES);
                buffer.asShortBuffer().put(values, from + done, n);
                buffer.position(buffer.position() + n * Short.BYTES);
                done += n;
            }
        }

        void putBytes(byte[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                int n = Math.min(count - done, reserve(1).remaining());
                buffer.put(values, from + done, n);
                done += n;
            }
        }

        void flush() throws IOException {
            buffer.flip();
            crc.update(buffer.duplicate());
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            buffer.clear();
        }

        /** Flushes and appends the CRC32C of everything before it. */
        void finishWithChecksum() throws IOException {
            flush();
            buffer.putInt((int) crc.getValue()).flip();
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            buffer.clear();
        }
    }

    /** Reads through a buffer, keeping the CRC32C of everything consumed. Not thread-safe. */
    static final class Reader {
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long position;
        private int crcFrom;

        Reader(FileChannel channel) throws IOException {
            this.channel = channel;
            this.size = channel.size();
            buffer.limit(0);
        }

        /** A buffer holding at least {@code bytes} unread bytes at its position. */
        ByteBuffer need(int bytes) throws IOException {
            if (buffer.remaining() >= bytes) {
                return buffer;
            }
            crc.update(buffer.duplicate().position(crcFrom).limit(buffer.position()));
            buffer.compact();
            while (buffer.position() < bytes) {
                int read = channel.read(buffer, position);
                if (read <= 0) {
                    throw new EOFException("file ends " + (bytes - buffer.position()) + " bytes early");
                }
                position += read;
            }
            buffer.flip();
            crcFrom = 0;
            return buffer;
        }

        /** Reads {@code count} longs into {@code values} from {@code from}, in bulk. */
        void getLongs(long[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                ByteBuffer available = need(Long.BYTES);
                int n = Math.min(count - done, available.remaining() / Long.BYTES);
                available.asLongBuffer().get(values, from + done, n);
                available.position(available.position() + n * Long.BYTES);
                done += n;
            }
        }

        void getInts(int[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                ByteBuffer available = need(Integer.BYTES);
                int n = Math.min(count - done, available.remaining() / Integer.BYTES);
                available.asIntBuffer().get(values, from + done, n);
                available.position(available.position() + n * Integer.BYTES);
                done += n;
            }
        }

        void getShorts(short[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                ByteBuffer available = need(Short.BYTES);
                int n = Math.min(count - done, available.remaining() / Short.BYTES);
                available.asShortBuffer().get(values, from + done, n);
                available.position(available.position() + n * Short.BYTES);
                done += n;
            }
        }

        void getBytes(byte[] values, int from, int count) throws IOException {
            int done = 0;
            while (done < count) {
                ByteBuffer available = need(1);
                int n = Math.min(count - done, available.remaining());
                available.get(values, from + done, n);
                done += n;
            }
        }

        /** Bytes not read yet. */
        long remaining() {
            return size - offset();
        }

        /** Offset in the file of the next unread byte. */
        long offset() {
            return position - buffer.remaining();
        }

        /** Reads the trailing CRC32C and checks it against everything consumed; also checks nothing follows. */
        boolean checksumMatches() throws IOException {
            crc.update(buffer.duplicate().position(crcFrom).limit(buffer.position()));
            crcFrom = buffer.position();
            int expected = (int) crc.getValue();
            int stored = need(4).getInt();
            crcFrom = buffer.position();
            return stored == expected && offset() == size;
        }
    }
}
