package dev.wallet.eventsourcing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the journal's files from outside the code under test: every {@code force} records the
 * file's size at that moment. {@link #losePower} then does what a power cut does to a file
 * system that honours fsync: every file goes back to its last forced size, and files never forced
 * disappear. A missing fsync anywhere shows up as lost acknowledged data.
 */
final class ForceRecorder implements Journal.ChannelOpener {

    private final Map<Path, Long> forced = new ConcurrentHashMap<>();

    @Override
    public FileChannel open(Path path, java.util.Set<? extends java.nio.file.OpenOption> options) throws IOException {
        return new Recording(path.toAbsolutePath(), FileChannel.open(path, options));
    }

    /** Truncates every journal segment of {@code directory} to its last forced size; deletes the never forced. */
    void losePower(Path directory) throws IOException {
        List<Path> segments = Journal.segments(directory);
        for (Path segment : segments) {
            Long size = forced.get(segment.toAbsolutePath());
            if (size == null) {
                Files.delete(segment);
                continue;
            }
            try (FileChannel file = FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
                if (file.size() > size) {
                    file.truncate(size);
                }
            }
        }
    }

    private final class Recording extends FileChannel {
        private final Path path;
        private final FileChannel delegate;

        Recording(Path path, FileChannel delegate) {
            this.path = path;
            this.delegate = delegate;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            long size = delegate.size();
            delegate.force(metaData);
            forced.put(path, size);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return delegate.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return delegate.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return delegate.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return delegate.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
