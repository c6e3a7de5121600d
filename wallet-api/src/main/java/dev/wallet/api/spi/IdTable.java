package dev.wallet.api.spi;

/**
 * A compact set of transaction ids (a UUID as two longs) that gives each id a dense entry number
 * in insertion order, so that a strategy can keep what it remembers of each id in flat columns
 * indexed by that number instead of one object per id. Open addressing with linear probing over
 * one primitive array; {@value #BYTES_PER_SLOT} bytes per slot at a load of at most
 * {@value #LOAD_FACTOR_PERCENT}%, and nothing for the garbage collector to trace.
 *
 * <p>Not thread-safe: one writer at a time (a partition's lock or its single writer thread).
 */
public final class IdTable {

    static final int BYTES_PER_SLOT = 24;
    static final int LOAD_FACTOR_PERCENT = 70;
    private static final int CAPACITY_MIN = 16;
    private static final int CAPACITY_MAX = 1 << 28;
    /** Longs per slot: the id's two halves and its entry number + 1 (0 marks an empty slot), side by side so that a probe touches one cache line. */
    private static final int STRIDE = 3;

    private long[] slots;
    private int mask;
    private int size;
    private int resizeAt;

    public IdTable() {
        this(CAPACITY_MIN);
    }

    /** A table sized for {@code expected} ids without growing. */
    public IdTable(int expected) {
        allocate(capacityFor(Math.max(expected, 1)));
    }

    /** The number of ids held; entries are {@code 0 .. size()-1}. */
    public int size() {
        return size;
    }

    /** The entry of an id, or -1 if absent. */
    public int find(long msb, long lsb) {
        int slot = slotOf(msb, lsb);
        while (true) {
            int at = slot * STRIDE;
            long entry = slots[at + 2];
            if (entry == 0) {
                return -1;
            }
            if (slots[at] == msb && slots[at + 1] == lsb) {
                return (int) entry - 1;
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Reads the slot where an id's probe starts (both of its cache lines, when it spans two) and
     * answers a meaningless sum. For a batch of ids, a tight loop of touches, whose loads do not
     * depend on each other so that the processor overlaps their cache misses, makes the finds or
     * adds that follow hit the cache.
     */
    public long touch(long msb, long lsb) {
        int at = slotOf(msb, lsb) * STRIDE;
        return slots[at] + slots[at + STRIDE - 1];
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
        int slot = slotOf(msb, lsb);
        while (true) {
            int at = slot * STRIDE;
            long entry = slots[at + 2];
            if (entry == 0) {
                break;
            }
            if (slots[at] == msb && slots[at + 1] == lsb) {
                return (int) -entry;
            }
            slot = (slot + 1) & mask;
        }
        int entry = size++;
        int at = slot * STRIDE;
        slots[at] = msb;
        slots[at + 1] = lsb;
        slots[at + 2] = entry + 1L;
        return entry;
    }

    /** Whether one more id fits (the table can still grow, or has room at its current size). */
    public boolean hasRoomForOneMore() {
        return size + 1 < resizeAt || mask + 1 < CAPACITY_MAX;
    }

    /** Bytes held by the table's arrays (for memory reports). */
    public long footprintBytes() {
        return (long) slots.length * Long.BYTES;
    }

    private int slotOf(long msb, long lsb) {
        long h = msb * 0x9E3779B97F4A7C15L + lsb;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 32;
        return (int) h & mask;
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
        slots = new long[capacity * STRIDE];
        mask = capacity - 1;
        resizeAt = (int) ((long) capacity * LOAD_FACTOR_PERCENT / 100);
    }

    private void grow() {
        int capacity = mask + 1;
        if (capacity >= CAPACITY_MAX) {
            throw new IllegalStateException("the id table is full: it holds " + size + " transaction ids, the most one "
                    + "table can remember");
        }
        long[] old = slots;
        allocate(capacity << 1);
        for (int at = 0; at < old.length; at += STRIDE) {
            if (old[at + 2] != 0) {
                int slot = slotOf(old[at], old[at + 1]);
                while (slots[slot * STRIDE + 2] != 0) {
                    slot = (slot + 1) & mask;
                }
                int to = slot * STRIDE;
                slots[to] = old[at];
                slots[to + 1] = old[at + 1];
                slots[to + 2] = old[at + 2];
            }
        }
    }
}
