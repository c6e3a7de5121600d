package dev.wallet.eventsourcing;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What becomes of journal segments once nothing needs them to open the wallet: every event they
 * hold is covered by the oldest retained snapshot, by the id archive and by the history
 * projection's checkpoint. {@link #keepAll()} (the default) leaves them where they are;
 * {@link #moveTo} moves them to another directory (a cheaper disk, say); {@link #compressTo}
 * writes them there gzip-compressed (about a third of the size) and removes the original. The
 * current segment is never archived.
 *
 * <p>Archived segments are still read: by {@code audit()}, by {@code balanceAt} and by a history
 * projection or id generation rebuilt from the journal. One that is missing (deleted from the
 * archive by hand) makes them fail naming the sequences no segment holds. Opening the wallet reads
 * only the journal directory, from the snapshot it loads.
 *
 * <p>A relative directory is resolved against the wallet's directory. Immutable.
 */
public final class JournalRetention {

    private static final JournalRetention KEEP_ALL = new JournalRetention(null, false);

    private final Path directory;
    private final boolean compressed;

    private JournalRetention(Path directory, boolean compressed) {
        this.directory = directory;
        this.compressed = compressed;
    }

    /** Segments stay in the journal directory (the default). */
    public static JournalRetention keepAll() {
        return KEEP_ALL;
    }

    /** Segments nothing needs to open the wallet are moved to {@code directory}. */
    public static JournalRetention moveTo(Path directory) {
        return new JournalRetention(Objects.requireNonNull(directory, "directory"), false);
    }

    /** Segments nothing needs to open the wallet are gzip-compressed into {@code directory}. */
    public static JournalRetention compressTo(Path directory) {
        return new JournalRetention(Objects.requireNonNull(directory, "directory"), true);
    }

    /** Where archived segments go; empty when segments are kept in place. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /** Whether archived segments are gzip-compressed. */
    public boolean compressed() {
        return compressed;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JournalRetention that && Objects.equals(directory, that.directory)
                && compressed == that.compressed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(directory, compressed);
    }

    @Override
    public String toString() {
        return directory == null ? "keep all segments" : (compressed ? "compress to " : "move to ") + directory;
    }
}
