package dev.wallet.api.internal;

import java.util.Arrays;

/**
 * A compact set of transaction ids (a UUID as two longs) that gives each id a dense entry number
 * in insertion order, so that a strategy can keep what it remembers of each id in flat columns
 * indexed by that number instead of one object per id.
 *
 * <p>The ids themselves are kept in two append-only columns in entry order; the hash table is one
 * {@code long} per slot (the upper 36 bits of the id's hash and its entry number + 1) at a load of
 * at most {@value #LOAD_FACTOR_PERCENT}%, with linear probing from the slot the hash's upper bits
 * name. A lookup of a new id, the common case, reads one slot and no column (a slot whose hash
 * bits match is confirmed against the columns). Because a slot's own bits name its place, growing
 * is one sequential pass over the old slots into the new ones, in nearly ascending order, without
 * reading the ids: a stream of memory rather than a cache miss per id. About
 * {@value #BYTES_PER_ID_MAX} bytes per id at most, and nothing for the garbage collector to trace.
 *
 * <p>Not thread-safe: one writer at a time (a partition's lock or its single writer thread).
 */
public final class IdTable {

    static final int LOAD_FACTOR_PERCENT = 70;
    /** Two column longs per id, and a slot per id at a load just over half the maximum (right after growing). */
    static final int BYTES_PER_ID_MAX = 16 + 8 * 100 / (LOAD_FACTOR_PERCENT / 2);
    private static final int CAPACITY_MIN = 16;
    private static final int CAPACITY_MAX = 1 << 28;
    private static final int CHUNK_BITS = 14;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    /** A slot's low bits hold the entry + 1 (at most {@value #CAPACITY_MAX} x 70% + 1), the rest the hash's upper bits. */
    private static final int ENTRY_BITS = 28;
    private static final long ENTRY_MASK = (1L << ENTRY_BITS) - 1;

    /** Which of a hash's bits count; all of them, except in tests that want many ids to share a hash. */
    private final long hashMask;
    private long[] slots;
    private int mask;
    /** A hash shifted right by this many bits is its home slot. */
    private int shift;
    private int size;
    private int resizeAt;
    private long[][] msbs = new long[1][];
    private long[][] lsbs = new long[1][];

    public IdTable() {
        this(CAPACITY_MIN);
    }

    /** A table sized for {@code expected} ids without growing. */
    public IdTable(int expected) {
        this(expected, -1);
    }

    /** With a hash that keeps only {@code hashMask}'s bits, so that tests see slots whose bits match a different id. */
    IdTable(int expected, long hashMask) {
        this.hashMask = hashMask;
        allocate(capacityFor(Math.max(expected, 1)));
    }

    /** The number of ids held; entries are {@code 0 .. size()-1}. */
    public int size() {
        return size;
    }

    /** The entry of an id, or -1 if absent. */
    public int find(long msb, long lsb) {
        long hash = hash(msb, lsb);
        int slot = (int) (hash >>> shift);
        while (true) {
            long held = slots[slot];
            if (held == 0) {
                return -1;
            }
            if (sameHash(held, hash) && holds(entryOf(held), msb, lsb)) {
                return entryOf(held);
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Reads the slot where an id's probe starts and answers a meaningless sum. For a batch of ids,
     * a tight loop of touches, whose loads do not depend on each other so that the processor
     * overlaps their cache misses, makes the finds or adds that follow hit the cache.
     */
    public long touch(long msb, long lsb) {
        return slots[(int) (hash(msb, lsb) >>> shift)];
    }

    /**
     * Adds an id. Returns its new entry number ({@code >= 0}, equal to the previous size), or, if
     * the id is present, {@code -(existing entry) - 1}.
     *
     * @throws IllegalStateException when the table is full ({@value #CAPACITY_MAX} slots at
     *                               {@value #LOAD_FACTOR_PERCENT}% load); nothing is added then
     */
    public int add(long msb, long lsb) {
        if (size + 1 >= resizeAt) {
            // Grow (or refuse) before changing anything, so that a full table is never left with
            // an id it could not account for.
            grow();
        }
        long hash = hash(msb, lsb);
        int slot = (int) (hash >>> shift);
        while (true) {
            long held = slots[slot];
            if (held == 0) {
                break;
            }
            if (sameHash(held, hash) && holds(entryOf(held), msb, lsb)) {
                return -entryOf(held) - 1;
            }
            slot = (slot + 1) & mask;
        }
        int entry = size;
        int chunk = entry >>> CHUNK_BITS;
        if (chunk == msbs.length || msbs[chunk] == null) {
            addChunk(chunk);
        }
        msbs[chunk][entry & CHUNK_MASK] = msb;
        lsbs[chunk][entry & CHUNK_MASK] = lsb;
        slots[slot] = (hash & ~ENTRY_MASK) | (entry + 1L);
        size++;
        return entry;
    }

    /** The id's upper half at {@code entry} ({@code 0 .. size()-1}). */
    public long msb(int entry) {
        return msbs[entry >>> CHUNK_BITS][entry & CHUNK_MASK];
    }

    /** The id's lower half at {@code entry} ({@code 0 .. size()-1}). */
    public long lsb(int entry) {
        return lsbs[entry >>> CHUNK_BITS][entry & CHUNK_MASK];
    }

    /**
     * The ids held now, immutable: it shares the append-only columns (nothing below the current
     * size ever changes), so it is cheap to take and safe to read from another thread while this
     * table goes on adding.
     */
    public Ids freeze() {
        return new Ids(size, msbs.clone(), lsbs.clone());
    }

    /** Whether one more id fits (the table can still grow, or has room at its current size). */
    public boolean hasRoomForOneMore() {
        return size + 1 < resizeAt || mask + 1 < CAPACITY_MAX;
    }

    /** Bytes held by the table's arrays (for memory reports). */
    public long footprintBytes() {
        long chunks = (size + CHUNK_SIZE - 1) / CHUNK_SIZE;
        return (long) slots.length * Long.BYTES + chunks * CHUNK_SIZE * 2L * Long.BYTES;
    }

    /** The ids of an {@link IdTable} at one moment, in entry order. */
    public static final class Ids {
        private final int size;
        private final long[][] msbs;
        private final long[][] lsbs;

        private Ids(int size, long[][] msbs, long[][] lsbs) {
            this.size = size;
            this.msbs = msbs;
            this.lsbs = lsbs;
        }

        public int size() {
            return size;
        }

        public long msb(int entry) {
            return msbs[checked(entry) >>> CHUNK_BITS][entry & CHUNK_MASK];
        }

        public long lsb(int entry) {
            return lsbs[checked(entry) >>> CHUNK_BITS][entry & CHUNK_MASK];
        }

        /** Copies the upper halves of entries {@code from .. from+count-1} into {@code into} from 0. */
        public void copyMsbs(int from, long[] into, int count) {
            copy(msbs, from, into, count);
        }

        /** Copies the lower halves of entries {@code from .. from+count-1} into {@code into} from 0. */
        public void copyLsbs(int from, long[] into, int count) {
            copy(lsbs, from, into, count);
        }

        private void copy(long[][] column, int from, long[] into, int count) {
            if (from < 0 || count < 0 || from > size - count) {
                throw new IndexOutOfBoundsException("entries " + from + " + " + count + " of " + size);
            }
            int done = 0;
            while (done < count) {
                int at = from + done;
                int n = Math.min(count - done, CHUNK_SIZE - (at & CHUNK_MASK));
                System.arraycopy(column[at >>> CHUNK_BITS], at & CHUNK_MASK, into, done, n);
                done += n;
            }
        }

        private int checked(int entry) {
            if (entry < 0 || entry >= size) {
                throw new IndexOutOfBoundsException("entry " + entry + " of " + size);
            }
            return entry;
        }
    }

    private boolean holds(int entry, long msb, long lsb) {
        return msb(entry) == msb && lsb(entry) == lsb;
    }

    private static boolean sameHash(long held, long hash) {
        return (held ^ hash) >>> ENTRY_BITS == 0;
    }

    private static int entryOf(long held) {
        return (int) (held & ENTRY_MASK) - 1;
    }

    private long hash(long msb, long lsb) {
        long h = msb * 0x9E3779B97F4A7C15L + lsb;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 32;
        return h & hashMask;
    }

    private static int capacityFor(int expected) {
        long needed = (long) expected * 100 / LOAD_FACTOR_PERCENT + 1;
        if (needed > CAPACITY_MAX) {
            throw new IllegalArgumentException("too many ids for one IdTable: " + expected);
        }
        int capacity = CAPACITY_MIN;
        while (capacity < needed) {
            capacity <<= 1;
        }
        return capacity;
    }

    private void allocate(int capacity) {
        slots = new long[capacity];
        mask = capacity - 1;
        shift = Long.numberOfLeadingZeros(capacity) + 1;
        resizeAt = (int) ((long) capacity * LOAD_FACTOR_PERCENT / 100);
    }

    private void addChunk(int chunk) {
        if (chunk == msbs.length) {
            msbs = Arrays.copyOf(msbs, 2 * msbs.length);
            lsbs = Arrays.copyOf(lsbs, 2 * lsbs.length);
        }
        msbs[chunk] = new long[CHUNK_SIZE];
        lsbs[chunk] = new long[CHUNK_SIZE];
    }

    /**
     * Doubles the slots. A slot keeps its hash's upper bits, which name its home in the new table
     * as in the old; taking the old slots in order inserts in nearly ascending order of home, so
     * the new table is written front to back and no id is read.
     */
    private void grow() {
        int capacity = mask + 1;
        if (capacity >= CAPACITY_MAX) {
            throw new IllegalStateException("the id table is full: it holds " + size + " transaction ids, the most one "
                    + "table can remember");
        }
        long[] old = slots;
        allocate(capacity << 1);
        for (long held : old) {
            if (held != 0) {
                int slot = (int) (held >>> shift);
                while (slots[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = held;
            }
        }
    }
}
