package dev.wallet.eventsourcing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot files {@code snapshot-<sequence, 20 digits>.snap} in the journal directory, written
 * atomically (temporary file, fsync, rename, fsync of the directory) and retained to a bound.
 * Format: {@link LedgerState.Frozen}.
 *
 * <p>Thread-safe for one writer (the snapshot thread) and concurrent readers.
 */
final class SnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.snap");
    private static final String TEMPORARY_SUFFIX = ".tmp";

    /** A snapshot loaded from disk. */
    record Loaded(Path file, LedgerState state) {
    }

    private final Path directory;
    private final int retained;

    SnapshotStore(Path directory, int retained) {
        this.directory = directory;
        this.retained = retained;
    }

    /** Removes temporary files a crash left behind mid-snapshot. */
    void removeLeftovers() throws IOException {
        removeLeftovers(directory);
    }

    /** Removes the temporary files of snapshots a crash left behind in {@code directory}. */
    static void removeLeftovers(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path path : files.filter(p -> p.getFileName().toString().endsWith(TEMPORARY_SUFFIX)).toList()) {
                LOG.info("removing unfinished snapshot {}", path);
                Files.delete(path);
            }
        }
    }

    /** Writes a snapshot atomically and prunes old ones; returns its path. */
    Path write(LedgerState.Frozen frozen) throws IOException {
        Path target = pathOf(frozen.sequence());
        if (Files.exists(target)) {
            return target;
        }
        writeAtomically(frozen, target);
        prune();
        return target;
    }

    /**
     * Writes {@code frozen} to {@code target} so that the name appears only once the whole file is
     * on disk: a temporary file beside it (written with direct I/O where the file system allows it),
     * fsync, atomic rename, fsync of the directory.
     */
    static void writeAtomically(LedgerState.Frozen frozen, Path target) throws IOException {
        writeAtomically(target, frozen::writeTo);
    }

    /** What writes a file's content, ending with {@link BlockIo.Writer#finishWithChecksum}. */
    interface Content {
        void writeTo(BlockIo.Writer out) throws IOException;
    }

    /** As {@link #writeAtomically(LedgerState.Frozen, Path)}, for any content. */
    static void writeAtomically(Path target, Content content) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Path temporary = directory.resolve(target.getFileName() + TEMPORARY_SUFFIX);
        try {
            BlockIo.Writer first = BlockIo.Writer.create(temporary);
            boolean direct = first.direct();
            try {
                write(content, first);
            } catch (IOException failed) {
                // A file system may take a file for direct I/O and then refuse its writes: once more through the page cache.
                if (!direct) {
                    throw failed;
                }
                LOG.debug("a direct write of {} failed; writing through the page cache", temporary, failed);
                write(content, BlockIo.Writer.throughPageCache(temporary));
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        forceDirectory(directory);
    }

    private static void write(Content content, BlockIo.Writer writer) throws IOException {
        try (BlockIo.Writer out = writer) {
            content.writeTo(out);
            out.force();
        }
    }

    static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Reads a file written by {@link #writeAtomically}, checking its checksum. */
    static LedgerState read(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return LedgerState.readFrom(new BlockIo.Reader(channel));
        }
    }

    /** Snapshot files, oldest first. */
    List<Path> list() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> NAME.matcher(path.getFileName().toString()).matches()).sorted().toList();
        }
    }

    static long sequenceOf(Path snapshot) {
        Matcher matcher = NAME.matcher(snapshot.getFileName().toString());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a snapshot file: " + snapshot);
        }
        return Long.parseLong(matcher.group(1));
    }

    /**
     * The newest snapshot that reads back whole; a damaged one is reported and passed over (the
     * journal still holds every event, so an older snapshot or a longer replay recovers the same
     * state).
     */
    Optional<Loaded> loadNewest(List<String> problems) throws IOException {
        List<Path> snapshots = new ArrayList<>(list());
        for (int i = snapshots.size() - 1; i >= 0; i--) {
            Path path = snapshots.get(i);
            try {
                return Optional.of(new Loaded(path, load(path)));
            } catch (IOException | RuntimeException e) {
                String problem = "snapshot " + path + " is unreadable and was passed over: " + e.getMessage();
                LOG.warn(problem);
                problems.add(problem);
            }
        }
        return Optional.empty();
    }

    /** Reads one snapshot and checks that it covers the sequence its name says. */
    LedgerState load(Path path) throws IOException {
        LedgerState state = read(path);
        if (state.sequence() != sequenceOf(path)) {
            throw new IllegalStateException("snapshot holds sequence " + state.sequence());
        }
        return state;
    }

    private void prune() throws IOException {
        List<Path> snapshots = list();
        for (int i = 0; i < snapshots.size() - retained; i++) {
            Files.deleteIfExists(snapshots.get(i));
        }
    }

    private Path pathOf(long sequence) {
        return directory.resolve(String.format("snapshot-%020d.snap", sequence));
    }
}
