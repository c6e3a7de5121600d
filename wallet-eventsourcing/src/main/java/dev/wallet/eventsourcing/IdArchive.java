package dev.wallet.eventsourcing;

import dev.wallet.api.MoneyCommand;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every transaction id decided before the ledger's in-memory window, on disk: the part of the
 * idempotency index that outlives memory. The window of recent ids is sealed at each snapshot and
 * written here as one immutable <em>generation</em> file; a fixed-size {@link IdFilter} in memory
 * answers "never decided" for nearly every new id without touching the disk, and an id the filter
 * may hold is looked up in the generations, newest first, by binary search over their records in
 * hash order (memory-mapped, so the operating system's page cache keeps what is read often).
 *
 * <p>The journal stays the source of truth: a generation is written whole to a temporary file,
 * forced, renamed and the directory forced before the snapshot that relies on it; at open, a
 * generation newer than the snapshot (a crash between the two) is removed, since replaying the
 * journal decides its ids again, and a missing one is rebuilt from the journal by the caller.
 * The filter is saved now and then (see {@link #write}); at open, the generations it does not
 * cover are added to it again, so the work is bounded by how often it is saved, not by history.
 *
 * <p>Generation file {@code ids-<last sequence, 20 digits>.gen} (little-endian):
 * <pre>
 * int32  magic 0x53444957 ("WIDS"), int32 format version (1)
 * int64  first sequence (exclusive: the ids were decided after it), int64 last sequence (inclusive)
 * int32  record count R, int32 whole-command count W
 * R x 36 bytes, in ascending unsigned order of {@link IdFilter#hash}:
 *        int64 id msb, int64 id lsb, int64 amount, int32 debited index, int32 credited index,
 *        uint16 currency index, uint8 command kind, uint8 status code
 *        (a debited or credited index of -1: the command is kept whole below)
 * W x [int32 record number, command as in {@link EventCodec}]
 * int32  CRC32C of every byte above
 * </pre>
 * Filter file {@code filter.bin}: magic 0x46444957 ("WIDF"), version 1, int32 word count, int64
 * the last sequence of the newest generation it holds, the words, CRC32C.
 *
 * <p>Thread-safety: one thread writes generations (the snapshot thread), one reads (the writer
 * thread); the list of generations is published through a volatile field.
 */
final class IdArchive implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IdArchive.class);

    static final String DIRECTORY = "ids";
    static final int RECORD_BYTES = 36;
    static final int HEADER_BYTES = 32;
    private static final int MAGIC = 0x53444957;
    private static final int FILTER_MAGIC = 0x46444957;
    /** 2: blocks named by the hash's top bits (a filter of version 1 is rebuilt from the generations). */
    private static final int FILTER_VERSION = 2;
    private static final int VERSION = 1;
    private static final Pattern NAME = Pattern.compile("ids-(\\d{20})\\.gen");
    private static final String FILTER_FILE = "filter.bin";
    /** The filter is saved once the ids added since it was last saved reach its size / this (its write cost per id). */
    private static final int FILTER_SAVE_BYTES_PER_ID = 16;

    /** What a generation remembers of one decided id. */
    record Decided(byte kind, byte status, int debited, int credited, long amount, int currency, MoneyCommand whole) {
    }

    /** A window of decided ids, as written to a generation. */
    interface Window {
        /** Ids were decided after this sequence. */
        long firstSequence();

        /** ... and at or before this one. */
        long lastSequence();

        int count();

        /** How many of the entries are kept as whole commands ({@link Decided#whole()} not null). */
        int wholeCount();

        long msb(int entry);

        long lsb(int entry);

        Decided decided(int entry);

        /**
         * Writes the 20 bytes of a record after the id (amount, debited and credited index,
         * currency, kind, status; -1 for both indexes of a command kept whole) without building a
         * {@link Decided}: generations are written from the snapshot thread, millions at a time.
         */
        void putRecord(int entry, ByteBuffer out);

        /** The command kept whole for an entry, or null. */
        MoneyCommand whole(int entry);

        /**
         * Reads every field of an entry and returns a value that depends on them, so that a loop
         * over several entries has their cache misses overlap (see {@link IdArchive#writeGeneration}).
         */
        default long touch(int entry) {
            return 0;
        }
    }

    private final Path directory;
    private final long filterBytes;
    /** Allocated when the first id is archived, so that a wallet with a short history never holds it. */
    private volatile IdFilter filter;
    private volatile Generation[] generations;
    private long filterThrough;
    private long idsSinceFilterSaved;

    private IdArchive(Path directory, long filterBytes, IdFilter filter, Generation[] generations, long filterThrough) {
        this.directory = directory;
        this.filterBytes = filterBytes;
        this.filter = filter;
        this.generations = generations;
        this.filterThrough = filterThrough;
    }

    /**
     * Opens the archive in {@code walletDirectory/ids} for a state whose snapshot says every id
     * decided at or before {@code through} is archived: removes leftovers and generations after
     * {@code through}, then loads (or rebuilds) the filter.
     *
     * @return the archive, and the sequence ranges {@code (first, last]} missing below {@code through}
     */
    static Opened open(Path walletDirectory, long through, long filterBytes) throws IOException {
        Path directory = walletDirectory.resolve(DIRECTORY);
        Files.createDirectories(directory);
        SnapshotStore.removeLeftovers(directory);
        List<Generation> kept = new ArrayList<>();
        for (Path path : list(directory)) {
            if (lastSequenceOf(path) > through) {
                LOG.info("removing id generation {}: newer than the snapshot, its ids are replayed from the journal", path);
                Files.delete(path);
                continue;
            }
            try {
                kept.add(Generation.open(path));
            } catch (IOException | RuntimeException unreadable) {
                // Derived from the journal: an unreadable one is removed and written again from it.
                LOG.warn("removing unreadable id generation {} ({}); it is rebuilt from the journal", path, unreadable.getMessage());
                Files.delete(path);
            }
        }
        List<long[]> missing = new ArrayList<>();
        long covered = 0;
        for (Generation generation : kept) {
            if (generation.first > covered) {
                missing.add(new long[] {covered, generation.first});
            }
            covered = Math.max(covered, generation.last);
        }
        if (covered < through) {
            missing.add(new long[] {covered, through});
        }
        IdFilter filter = null;
        long filterThrough = 0;
        Path filterFile = directory.resolve(FILTER_FILE);
        if (Files.exists(filterFile)) {
            try {
                FilterFile read = readFilter(filterFile);
                if (read.filter.bytes() == filterBytes) {
                    filter = read.filter;
                    filterThrough = Math.min(read.through, through);
                } else {
                    LOG.info("the id filter's size changed from {} to {} bytes: rebuilding it", read.filter.bytes(), filterBytes);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("the id filter {} is unreadable ({}): rebuilding it from the generations", filterFile, e.getMessage());
            }
        }
        if (filter == null && !kept.isEmpty()) {
            filter = new IdFilter(filterBytes);
            filterThrough = 0;
        }
        long added = 0;
        for (Generation generation : kept) {
            if (generation.last > filterThrough) {
                added += generation.addTo(filter);
            }
        }
        IdArchive archive = new IdArchive(directory, filterBytes, filter, kept.toArray(new Generation[0]), filterThrough);
        archive.idsSinceFilterSaved = added;
        return new Opened(archive, missing);
    }

    /** An opened archive and the ranges of sequences {@code {first, last}} whose generation is missing. */
    record Opened(IdArchive archive, List<long[]> missing) {
    }

    /** Reads the filter's block for an id (see {@link IdFilter#touch}); 0 while nothing is archived. */
    long touch(long msb, long lsb) {
        IdFilter current = filter;
        return current == null ? 0 : current.touch(msb, lsb);
    }

    /** Whether the id may have been archived; {@code false} is certain. */
    boolean mightContain(long msb, long lsb) {
        IdFilter current = filter;
        return current != null && current.mightContain(msb, lsb);
    }

    /** What was decided under the id, searching the generations newest first; empty if it never was. */
    Optional<Decided> find(long msb, long lsb) {
        Generation[] current = generations;
        long hash = IdFilter.hash(msb, lsb);
        for (int i = current.length - 1; i >= 0; i--) {
            Decided decided = current[i].find(hash, msb, lsb);
            if (decided != null) {
                return Optional.of(decided);
            }
        }
        return Optional.empty();
    }

    /**
     * Writes a window as a new generation (atomically and durably), then adds its ids to the
     * filter from the file, and saves the filter once enough ids were added since it was last saved.
     */
    void write(Window window) throws IOException {
        long bytes = HEADER_BYTES + (long) window.count() * RECORD_BYTES + (long) window.wholeCount() * (4 + EventCodec.PAYLOAD_MAX) + 4;
        if (bytes > Integer.MAX_VALUE) {
            throw new IOException("a window of " + window.count() + " ids does not fit in one generation file");
        }
        Path target = directory.resolve(nameOf(window.lastSequence()));
        // The rename replaces a file of the same name atomically: a file a snapshot lists is never missing.
        SnapshotStore.writeAtomically(target, out -> writeGeneration(window, out));
        Generation generation = Generation.open(target);
        IdFilter filter = this.filter;
        if (filter == null) {
            filter = new IdFilter(filterBytes);
        }
        // In the generation's order, ascending hashes, which fills the filter's blocks in order.
        generation.addTo(filter);
        this.filter = filter;
        idsSinceFilterSaved += window.count();
        List<Generation> next = new ArrayList<>(Arrays.asList(generations));
        next.removeIf(g -> g.last == generation.last);
        next.add(generation);
        next.sort((a, b) -> Long.compare(a.last, b.last));
        generations = next.toArray(new Generation[0]);
        if (idsSinceFilterSaved * FILTER_SAVE_BYTES_PER_ID >= filter.bytes()) {
            saveFilter(window.lastSequence());
        }
    }

    /** The generation files holding the ids decided at or before {@code through}, oldest first. */
    List<Path> files(long through) {
        List<Path> files = new ArrayList<>();
        for (Generation generation : generations) {
            if (generation.last <= through) {
                files.add(generation.path);
            }
        }
        return files;
    }

    /** Saves the filter (on close, so that the next open has nothing to add). */
    @Override
    public void close() throws IOException {
        Generation[] current = generations;
        if (idsSinceFilterSaved > 0 && current.length > 0) {
            saveFilter(current[current.length - 1].last);
        }
    }

    private void saveFilter(long through) throws IOException {
        long started = System.nanoTime();
        long[] words = filter.words();
        SnapshotStore.writeAtomically(directory.resolve(FILTER_FILE), out -> {
            out.reserve(20).putInt(FILTER_MAGIC).putInt(FILTER_VERSION).putInt(words.length).putLong(through);
            out.putLongs(words, 0, words.length);
            out.finishWithChecksum();
        });
        filterThrough = through;
        idsSinceFilterSaved = 0;
        LOG.debug("id filter saved through sequence {} in {} ms", through, (System.nanoTime() - started) / 1_000_000);
    }

    private record FilterFile(IdFilter filter, long through) {
    }

    private static FilterFile readFilter(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            BlockIo.Reader in = new BlockIo.Reader(channel);
            ByteBuffer header = in.need(20);
            int magic = header.getInt();
            int version = header.getInt();
            int length = header.getInt();
            long through = header.getLong();
            if (magic != FILTER_MAGIC || version != FILTER_VERSION || length <= 0 || (long) length * Long.BYTES > in.remaining()) {
                throw new IOException("not an id filter");
            }
            long[] words = new long[length];
            in.getLongs(words, 0, length);
            if (!in.checksumMatches()) {
                throw new IOException("checksum does not match");
            }
            return new FilterFile(new IdFilter(words), through);
        }
    }

    private static void writeGeneration(Window window, BlockIo.Writer out) throws IOException {
        int count = window.count();
        long[] order = new long[count];
        for (int entry = 0; entry < count; entry++) {
            // The hash's upper 36 bits and the entry number, ordered as unsigned values by flipping the sign bit.
            order[entry] = ((IdFilter.hash(window.msb(entry), window.lsb(entry)) & ~ENTRY_MASK) | entry) ^ Long.MIN_VALUE;
        }
        Arrays.sort(order);
        List<Integer> wholeAt = new ArrayList<>();
        List<MoneyCommand> whole = new ArrayList<>();
        out.reserve(HEADER_BYTES).putInt(MAGIC).putInt(VERSION).putLong(window.firstSequence()).putLong(window.lastSequence())
                .putInt(count).putInt(window.wholeCount());
        boolean anyWhole = window.wholeCount() > 0;
        long touched = 0;
        for (int from = 0; from < count; from += TOUCH_AHEAD) {
            int to = Math.min(count, from + TOUCH_AHEAD);
            // In hash order the entries are scattered over the window's columns: reading the next
            // few entries' fields in a tight loop first lets their cache misses overlap.
            for (int record = from; record < to; record++) {
                touched += window.touch((int) (order[record] & ENTRY_MASK));
            }
            for (int record = from; record < to; record++) {
                int entry = (int) (order[record] & ENTRY_MASK);
                window.putRecord(entry, out.reserve(RECORD_BYTES).putLong(window.msb(entry)).putLong(window.lsb(entry)));
                MoneyCommand kept = anyWhole ? window.whole(entry) : null;
                if (kept != null) {
                    wholeAt.add(record);
                    whole.add(kept);
                }
            }
        }
        touchedSink += touched;
        for (int i = 0; i < whole.size(); i++) {
            EventCodec.encodeCommand(whole.get(i), out.reserve(4 + EventCodec.PAYLOAD_MAX).putInt(wholeAt.get(i)));
        }
        if (whole.size() != window.wholeCount()) {
            throw new IllegalStateException("a window said it kept " + window.wholeCount() + " whole commands but holds "
                    + whole.size());
        }
        out.finishWithChecksum();
    }

    /** Entries whose fields {@link #writeGeneration} reads ahead of writing them. */
    private static final int TOUCH_AHEAD = 32;
    /** Keeps the reads ahead from being optimised away. */
    private static long touchedSink;

    /** Entry numbers below 2^28 fit beside a hash's upper 36 bits (windows are sealed well before). */
    private static final long ENTRY_MASK = (1L << 28) - 1;

    /** Bytes a generation file holds at most: well within one memory map. */
    static final long WINDOW_BYTES_MAX = 1L << 30;

    /** The largest window a generation holds: its records stay within one memory map. */
    static final int WINDOW_IDS_MAX = (int) Math.min(ENTRY_MASK, (Integer.MAX_VALUE - HEADER_BYTES) / RECORD_BYTES / 2);

    /** Checks every generation's checksum and range; the first problem, in words, or empty. */
    Optional<String> verify() {
        for (Generation generation : generations) {
            try {
                if (!generation.checksumMatches()) {
                    return Optional.of("id generation " + generation.path + " does not match its checksum");
                }
            } catch (IOException e) {
                return Optional.of("id generation " + generation.path + " cannot be read: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The generations' last sequences, oldest first (where an audit's replay seals its window). */
    long[] boundaries() {
        Generation[] current = generations;
        long[] lasts = new long[current.length];
        for (int i = 0; i < current.length; i++) {
            lasts[i] = current[i].last;
        }
        return lasts;
    }

    /** Ids archived, and bytes on disk (generations and filter). */
    long idCount() {
        long total = 0;
        for (Generation generation : generations) {
            total += generation.count;
        }
        return total;
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> NAME.matcher(path.getFileName().toString()).matches()).sorted().toList();
        }
    }

    private static long lastSequenceOf(Path path) {
        Matcher matcher = NAME.matcher(path.getFileName().toString());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not an id generation: " + path);
        }
        return Long.parseLong(matcher.group(1));
    }

    private static String nameOf(long lastSequence) {
        return String.format("ids-%020d.gen", lastSequence);
    }

    /** One generation file, its records mapped into memory. */
    private static final class Generation {
        final Path path;
        final long first;
        final long last;
        final int count;
        final int wholeCount;
        private final MappedByteBuffer map;

        private Generation(Path path, long first, long last, int count, int wholeCount, MappedByteBuffer map) {
            this.path = path;
            this.first = first;
            this.last = last;
            this.count = count;
            this.wholeCount = wholeCount;
            this.map = map;
        }

        static Generation open(Path path) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size < HEADER_BYTES + 4 || size > Integer.MAX_VALUE) {
                    throw new JournalCorruptedException(path, 0, "an id generation of " + size + " bytes");
                }
                MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                map.order(ByteOrder.LITTLE_ENDIAN);
                int magic = map.getInt(0);
                int version = map.getInt(4);
                long first = map.getLong(8);
                long last = map.getLong(16);
                int count = map.getInt(24);
                int wholeCount = map.getInt(28);
                if (magic != MAGIC || version != VERSION || last != lastSequenceOf(path) || first > last || count < 0
                        || wholeCount < 0 || HEADER_BYTES + (long) count * RECORD_BYTES + 4 > size) {
                    throw new JournalCorruptedException(path, 0, "not a valid id generation");
                }
                return new Generation(path, first, last, count, wholeCount, map);
            }
        }

        /** Adds every id to the filter; answers how many. */
        long addTo(IdFilter filter) {
            for (int record = 0; record < count; record++) {
                int at = HEADER_BYTES + record * RECORD_BYTES;
                filter.add(map.getLong(at), map.getLong(at + 8));
            }
            return count;
        }

        Decided find(long hash, long msb, long lsb) {
            long target = hash >>> 28;
            int low = 0;
            int high = count - 1;
            while (low <= high) {
                int middle = (low + high) >>> 1;
                int at = HEADER_BYTES + middle * RECORD_BYTES;
                long held = IdFilter.hash(map.getLong(at), map.getLong(at + 8)) >>> 28;
                if (held < target) {
                    low = middle + 1;
                } else if (held > target) {
                    high = middle - 1;
                } else {
                    // Records with the same 36 bits of hash lie together around the middle.
                    for (int r = middle; r >= 0 && prefixAt(r) == target; r--) {
                        if (holds(r, msb, lsb)) {
                            return decidedAt(r);
                        }
                    }
                    for (int r = middle + 1; r < count && prefixAt(r) == target; r++) {
                        if (holds(r, msb, lsb)) {
                            return decidedAt(r);
                        }
                    }
                    return null;
                }
            }
            return null;
        }

        private long prefixAt(int record) {
            int at = HEADER_BYTES + record * RECORD_BYTES;
            return IdFilter.hash(map.getLong(at), map.getLong(at + 8)) >>> 28;
        }

        private boolean holds(int record, long msb, long lsb) {
            int at = HEADER_BYTES + record * RECORD_BYTES;
            return map.getLong(at) == msb && map.getLong(at + 8) == lsb;
        }

        private Decided decidedAt(int record) {
            int at = HEADER_BYTES + record * RECORD_BYTES;
            int debited = map.getInt(at + 24);
            int credited = map.getInt(at + 28);
            MoneyCommand whole = debited < 0 || credited < 0 ? wholeCommand(record) : null;
            return new Decided(map.get(at + 34), map.get(at + 35), debited, credited, map.getLong(at + 16),
                    map.getShort(at + 32) & 0xffff, whole);
        }

        private MoneyCommand wholeCommand(int record) {
            ByteBuffer in = map.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            in.position(HEADER_BYTES + count * RECORD_BYTES);
            for (int i = 0; i < wholeCount; i++) {
                int of = in.getInt();
                MoneyCommand command = EventCodec.decodeCommand(in);
                if (of == record) {
                    return command;
                }
            }
            throw new JournalCorruptedException(path, 0, "record " + record + " names a whole command the file does not hold");
        }

        boolean checksumMatches() throws IOException {
            CRC32C crc = new CRC32C();
            ByteBuffer all = map.duplicate();
            all.position(0).limit(map.capacity() - 4);
            crc.update(all);
            return (int) crc.getValue() == map.getInt(map.capacity() - 4);
        }
    }
}
