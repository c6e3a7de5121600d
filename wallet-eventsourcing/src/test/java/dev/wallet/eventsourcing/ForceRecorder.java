package dev.wallet.eventsourcing;

import java.io.IOException;
import java.nio.channels.FileChannel;
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

    private final class Recording extends DelegatingFileChannel {
        private final Path path;

        Recording(Path path, FileChannel delegate) {
            super(delegate);
            this.path = path;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            long size = delegate.size();
            delegate.force(metaData);
            forced.put(path, size);
        }
    }
}
