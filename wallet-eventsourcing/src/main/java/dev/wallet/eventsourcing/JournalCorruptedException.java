package dev.wallet.eventsourcing;

import dev.wallet.api.WalletException;
import java.nio.file.Path;

/**
 * A journal or snapshot file holds a record that is not valid somewhere other than the torn end of
 * the last segment. The wallet refuses to open rather than skip it: the file needs a human (restore
 * it from a replica or backup). Names the file and the byte offset of the bad record.
 */
public final class JournalCorruptedException extends WalletException {

    private final Path file;
    private final long offset;

    public JournalCorruptedException(Path file, long offset, String reason) {
        super(file + " is corrupt at byte offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    /** The corrupt file. */
    public Path file() {
        return file;
    }

    /** Byte offset of the bad record in {@link #file()}. */
    public long offset() {
        return offset;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
