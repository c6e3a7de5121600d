package dev.wallet.eventsourcing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's segments wherever they are: in the journal directory, or archived by a
 * {@link JournalRetention} policy (moved, or gzip-compressed as {@code journal-<first>.wal.gz}).
 * Archiving copies a segment to a temporary file in the archive, forces it, renames it, forces the
 * directory and only then removes the original, so a crash leaves a segment in one place or both
 * (the journal's copy wins), never in neither.
 *
 * <p>Thread-safe for one archiving thread and any number of readers.
 */
final class SegmentArchive {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentArchive.class);
    private static final Pattern ARCHIVED = Pattern.compile("journal-(\\d{20})\\.wal(\\.gz)?");

    /** One segment, and whether it is compressed. */
    record Segment(long firstSequence, Path path, boolean compressed) {
    }

    private final Path journal;
    private final JournalRetention retention;
    private final Path archive;

    SegmentArchive(Path journal, JournalRetention retention) {
        this.journal = journal;
        this.retention = retention;
        this.archive = retention.directory().map(journal::resolve).map(path -> path.toAbsolutePath().normalize()).orElse(null);
        Path home = journal.toAbsolutePath().normalize();
        if (archive != null && (archive.equals(home) || archive.equals(home.resolve(IdArchive.DIRECTORY))
                || archive.equals(home.resolve(HistoryProjection.DIRECTORY)))) {
            throw new IllegalArgumentException("journal segments cannot be archived into the wallet's own directory "
                    + archive + "; name another one (a relative one is resolved inside the wallet's directory)");
        }
    }

    /** Removes what a process killed mid-way left in the archive: unfinished copies and decompressed segments being read. */
    void removeLeftovers() throws IOException {
        if (archive == null || !Files.isDirectory(archive)) {
            return;
        }
        try (Stream<Path> files = Files.list(archive)) {
            for (Path path : files.toList()) {
                String name = path.getFileName().toString();
                if (name.endsWith(".tmp") || name.endsWith(".reading")) {
                    LOG.info("removing {}, left by a process that stopped while archiving or reading it", path);
                    Files.delete(path);
                }
            }
        }
    }

    Path journalDirectory() {
        return journal;
    }

    /** Every segment, in order of first sequence; a segment both in the journal and archived is read from the journal. */
    List<Segment> segments() throws IOException {
        TreeMap<Long, Segment> all = new TreeMap<>();
        // The journal first: a segment archived between the two listings is then seen twice, never missed.
        for (Path path : Journal.segments(journal)) {
            all.put(Journal.firstSequenceOf(path), new Segment(Journal.firstSequenceOf(path), path, false));
        }
        if (archive != null && Files.isDirectory(archive)) {
            try (Stream<Path> files = Files.list(archive)) {
                for (Path path : files.toList()) {
                    Matcher matcher = ARCHIVED.matcher(path.getFileName().toString());
                    if (matcher.matches()) {
                        long first = Long.parseLong(matcher.group(1));
                        all.putIfAbsent(first, new Segment(first, path, matcher.group(2) != null));
                    }
                }
            }
        }
        return new ArrayList<>(all.values());
    }

    /**
     * Archives every segment of the journal directory but the last whose events are all at or
     * before {@code coveredThrough}, and that starts before {@code writingFirst} (the segment the
     * journal is durable in, which a failed write rolls back to); nothing when the policy keeps them.
     */
    void archive(long coveredThrough, long writingFirst) throws IOException {
        if (archive == null) {
            return;
        }
        List<Path> inJournal = Journal.segments(journal);
        for (int i = 0; i + 1 < inJournal.size(); i++) {
            if (Journal.firstSequenceOf(inJournal.get(i + 1)) - 1 > coveredThrough
                    || Journal.firstSequenceOf(inJournal.get(i)) >= writingFirst) {
                break;
            }
            archiveOne(inJournal.get(i));
        }
    }

    private void archiveOne(Path segment) throws IOException {
        Files.createDirectories(archive);
        String name = segment.getFileName() + (retention.compressed() ? ".gz" : "");
        Path target = archive.resolve(name);
        Path temporary = archive.resolve(name + ".tmp");
        try (InputStream in = Files.newInputStream(segment);
             FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.WRITE)) {
            OutputStream raw = Channels.newOutputStream(channel);
            if (retention.compressed()) {
                GZIPOutputStream gzip = new GZIPOutputStream(raw, 1 << 16);
                in.transferTo(gzip);
                gzip.finish();
                gzip.flush();
            } else {
                in.transferTo(raw);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        SnapshotStore.forceDirectory(archive);
        Files.delete(segment);
        SnapshotStore.forceDirectory(journal);
        LOG.info("journal segment {} archived to {}", segment.getFileName(), target);
    }

    /**
     * A reader of a segment wherever it is now: in the journal, moved to the archive since it was
     * listed (the archive's copy was in place before the original went), or compressed there, in
     * which case the reader reads a decompressed copy that it removes when it closes.
     */
    SegmentReader reader(Segment segment) throws IOException {
        if (!segment.compressed()) {
            try {
                return new SegmentReader(segment.path());
            } catch (NoSuchFileException archivedMeanwhile) {
                if (archive == null) {
                    throw archivedMeanwhile;
                }
                Path moved = archive.resolve(segment.path().getFileName());
                if (Files.exists(moved)) {
                    return new SegmentReader(moved);
                }
                segment = new Segment(segment.firstSequence(), archive.resolve(segment.path().getFileName() + ".gz"), true);
            }
        }
        Path copy = Files.createTempFile(segment.path().getParent(), segment.path().getFileName().toString(), ".reading");
        try {
            try (InputStream file = Files.newInputStream(segment.path());
                 InputStream in = new GZIPInputStream(file, 1 << 16)) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return new SegmentReader(copy, true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }
}
