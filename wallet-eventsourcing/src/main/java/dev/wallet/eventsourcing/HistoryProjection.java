package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side's per-account history: every successful movement, in journal order, queryable by
 * account. Built only from the event stream (it keeps its own account index), so it can always be
 * rebuilt by replaying the journal; {@link #position()} is the last sequence applied.
 *
 * <p>The movements live on disk, not on the heap: one 64-byte record per movement appended to
 * {@code history/movements.bin}, each pointing to the previous movement of its debited and of its
 * credited account, so an account's history is a chain walked back from its newest movement. The
 * heap holds the accounts and the head of each chain (8 bytes per account), whatever the number
 * of movements. {@link #checkpoint} (as often as the state is snapshotted) forces the file and writes {@code history/checkpoint.bin}
 * (position, record count, accounts and heads, checksummed, atomically); at open the file is cut
 * back to the checkpoint's record count and the projector resumes after its position, so a
 * restart replays only what followed the last checkpoint. Without a checkpoint it starts from the
 * first event. The file is not forced between checkpoints: what a crash loses of it is replayed.
 *
 * <p>Record layout (little-endian): int64 sequence, int64 id msb, int64 id lsb, int64 amount,
 * int32 debited index, int32 credited index, uint8 kind, 7 bytes unused, int64 previous record
 * of the debited account + 1, int64 previous record of the credited account + 1 (0: none).
 *
 * <p>Thread-safe: one applying thread, any number of readers.
 */
final class HistoryProjection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryProjection.class);

    static final String DIRECTORY = "history";
    static final int RECORD_BYTES = 64;
    private static final String MOVEMENTS = "movements.bin";
    private static final String CHECKPOINT = "checkpoint.bin";
    private static final int MAGIC = 0x54534857;
    private static final int VERSION = 1;
    private static final int BUFFER_RECORDS = 16_384;
    private static final String[] KINDS = {"", "transfer", "deposit", "withdrawal"};

    private final ReentrantLock lock = new ReentrantLock();
    private final Path directory;
    private final FileChannel movements;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_RECORDS * RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final List<AccountId> accounts = new ArrayList<>();
    private final List<Currency> currencies = new ArrayList<>();
    private final Map<AccountId, Integer> indexOf = new HashMap<>();
    private long[] heads = new long[1024];
    /** Records written to the file or waiting in the buffer. */
    private long records;
    private volatile long position;
    private volatile long checkpointPosition;

    private HistoryProjection(Path directory, FileChannel movements) {
        this.directory = directory;
        this.movements = movements;
    }

    /** Opens the projection kept in {@code walletDirectory/history}, at its last checkpoint (or empty). */
    static HistoryProjection open(Path walletDirectory) throws IOException {
        Path directory = Files.createDirectories(walletDirectory.resolve(DIRECTORY));
        SnapshotStore.removeLeftovers(directory);
        FileChannel channel = FileChannel.open(directory.resolve(MOVEMENTS), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        HistoryProjection projection = new HistoryProjection(directory, channel);
        try {
            Path checkpoint = directory.resolve(CHECKPOINT);
            if (Files.exists(checkpoint)) {
                try {
                    projection.load(checkpoint);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("the history checkpoint {} is unreadable ({}); rebuilding the history from the journal",
                            checkpoint, e.getMessage());
                    projection.reset();
                }
            }
            channel.truncate(projection.records * RECORD_BYTES);
            return projection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    long position() {
        return position;
    }

    /** The position of the last checkpoint (where a restart resumes). */
    long checkpointPosition() {
        return checkpointPosition;
    }

    /** Applies the event at {@code sequence}, which must be the next one. */
    void apply(long sequence, Event event) throws IOException {
        if (sequence != position + 1) {
            throw new IllegalStateException("history projection at " + position + " was given event " + sequence);
        }
        lock.lock();
        try {
            if (event instanceof Event.MoneyMoved moved) {
                append(sequence, moved);
            } else if (event instanceof Event.AccountOpened opened) {
                addAccount(opened.index(), opened.account(), opened.currency());
            } else if (event instanceof Event.FundingOpened funding) {
                addAccount(funding.index(), AccountId.funding(funding.currency()), funding.currency());
            }
            position = sequence;
        } finally {
            lock.unlock();
        }
    }

    /** The account's movements in journal order; empty for an account without any. */
    List<HistoryEntry> history(AccountId account) throws IOException {
        lock.lock();
        try {
            Integer index = indexOf.get(account);
            if (index == null) {
                return List.of();
            }
            flush();
            List<HistoryEntry> entries = new ArrayList<>();
            Currency currency = currencies.get(index);
            ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (long at = heads[index] - 1; at >= 0; ) {
                record.clear();
                readFully(record, at * RECORD_BYTES);
                long sequence = record.getLong(0);
                long amount = record.getLong(24);
                int debited = record.getInt(32);
                int credited = record.getInt(36);
                boolean debit = debited == index;
                entries.add(new HistoryEntry(sequence, TransactionId.of(record.getLong(8), record.getLong(16)),
                        KINDS[record.get(40)], accounts.get(debit ? credited : debited),
                        Money.of(currency, debit ? -amount : amount)));
                at = record.getLong(debit ? 48 : 56) - 1;
            }
            Collections.reverse(entries);
            return entries;
        } finally {
            lock.unlock();
        }
    }

    /** Forces the movements to disk and records where a restart resumes. */
    void checkpoint() throws IOException {
        lock.lock();
        try {
            flush();
            movements.force(false);
            long at = position;
            long count = records;
            SnapshotStore.writeAtomically(directory.resolve(CHECKPOINT), out -> {
                out.reserve(28).putInt(MAGIC).putInt(VERSION).putLong(at).putLong(count).putInt(accounts.size());
                for (int i = 0; i < accounts.size(); i++) {
                    String id = accounts.get(i).value();
                    ByteBuffer entry = out.reserve(1 + id.length() + 3 + 8);
                    entry.put((byte) id.length()).put(id.getBytes(StandardCharsets.US_ASCII))
                            .put(currencies.get(i).getCurrencyCode().getBytes(StandardCharsets.US_ASCII)).putLong(heads[i]);
                }
                out.finishWithChecksum();
            });
            checkpointPosition = at;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            checkpoint();
        } finally {
            movements.close();
        }
    }

    private void append(long sequence, Event.MoneyMoved moved) throws IOException {
        if (!buffer.hasRemaining()) {
            flush();
        }
        int debited = moved.debited();
        int credited = moved.credited();
        buffer.putLong(sequence).putLong(moved.idMsb()).putLong(moved.idLsb()).putLong(moved.amountMinor())
                .putInt(debited).putInt(credited).putLong(moved.kind() & 0xffL).putLong(heads[debited]).putLong(heads[credited]);
        records++;
        heads[debited] = records;
        heads[credited] = records;
    }

    private void flush() throws IOException {
        buffer.flip();
        long at = (records - buffer.remaining() / RECORD_BYTES) * RECORD_BYTES;
        while (buffer.hasRemaining()) {
            at += movements.write(buffer, at);
        }
        buffer.clear();
    }

    private void readFully(ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            if (movements.read(into, at + into.position()) < 0) {
                throw new JournalCorruptedException(directory.resolve(MOVEMENTS), at, "the history file ends early");
            }
        }
    }

    private void addAccount(int index, AccountId account, Currency currency) {
        if (index != accounts.size()) {
            throw new IllegalStateException("history projection expected account index " + accounts.size() + ", got " + index);
        }
        accounts.add(account);
        currencies.add(currency);
        indexOf.put(account, index);
        if (index == heads.length) {
            heads = Arrays.copyOf(heads, heads.length * 2);
        }
    }

    private void load(Path checkpoint) throws IOException {
        try (FileChannel channel = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            BlockIo.Reader in = new BlockIo.Reader(channel);
            ByteBuffer header = in.need(28);
            if (header.getInt() != MAGIC || header.getInt() != VERSION) {
                throw new IOException("not a history checkpoint");
            }
            long at = header.getLong();
            long count = header.getLong();
            int accountCount = header.getInt();
            if (at < 0 || count < 0 || accountCount < 0 || (long) accountCount * 13 > in.remaining()) {
                throw new IOException("a damaged history checkpoint");
            }
            for (int i = 0; i < accountCount; i++) {
                int length = in.need(1).get() & 0xff;
                ByteBuffer entry = in.need(length + 11);
                byte[] id = new byte[length];
                entry.get(id);
                byte[] code = new byte[3];
                entry.get(code);
                addAccount(i, new AccountId(new String(id, StandardCharsets.US_ASCII)),
                        Currencies.parse("currency", new String(code, StandardCharsets.US_ASCII)));
                heads[i] = entry.getLong();
            }
            if (!in.checksumMatches()) {
                throw new IOException("checksum does not match");
            }
            if (movements.size() < count * RECORD_BYTES) {
                throw new IOException("the movements file holds fewer records than the checkpoint counts");
            }
            records = count;
            position = at;
            checkpointPosition = at;
        }
    }

    /** Forgets everything, on disk too: the projector then rebuilds it from the first event. */
    void clear() throws IOException {
        lock.lock();
        try {
            reset();
            buffer.clear();
            Files.deleteIfExists(directory.resolve(CHECKPOINT));
            movements.truncate(0);
        } finally {
            lock.unlock();
        }
    }

    private void reset() {
        accounts.clear();
        currencies.clear();
        indexOf.clear();
        heads = new long[1024];
        records = 0;
        position = 0;
        checkpointPosition = 0;
    }
}
