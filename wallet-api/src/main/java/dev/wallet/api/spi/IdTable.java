package dev.wallet.api.spi;

/**
 * A compact set of transaction ids (a UUID as two longs) that gives each id a dense entry number
 * in insertion order, so that a strategy can keep what it remembers of each id in flat columns
 * indexed by that number instead of one object per id. Open addressing with linear probing over
 * three primitive arrays; about {@value #BYTES_PER_SLOT} bytes per slot at a load of at most
 * {@value #LOAD_FACTOR_PERCENT}%, and nothing for the garbage collector to trace.
 *
 * <p>Not thread-safe: one writer at a time (a partition's lock or its single writer thread).
 */
public final class IdTable {

    static final int BYTES_PER_SLOT = 20;
    static final int LOAD_FACTOR_PERCENT = 70;
    private static final int CAPACITY_MIN = 16;
    private static final int CAPACITY_MAX = 1 << 30;

    private long[] msbs;
    private long[] lsbs;
    /** Entry number + 1 per slot; 0 marks an empty slot. */
    private int[] entries;
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
            int entry = entries[slot];
            if (entry == 0) {
                return -1;
            }
            if (msbs[slot] == msb && lsbs[slot] == lsb) {
                return entry - 1;
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Adds an id. Returns its new entry number ({@code >= 0}, equal to the previous size), or, if
     * the id is present, {@code -(existing entry) - 1}.
     */
    public int add(long msb, long lsb) {
        int slot = slotOf(msb, lsb);
        while (true) {
            int entry = entries[slot];
            if (entry == 0) {
                break;
            }
            if (msbs[slot] == msb && lsbs[slot] == lsb) {
                return -entry;
            }
            slot = (slot + 1) & mask;
        }
        if (size == Integer.MAX_VALUE - 1) {
            throw new IllegalStateException("IdTable is full: " + size + " ids");
        }
        int entry = size++;
        msbs[slot] = msb;
        lsbs[slot] = lsb;
        entries[slot] = entry + 1;
        if (size >= resizeAt) {
            grow();
        }
        return entry;
    }

    /** Bytes held by the table's arrays (for memory reports). */
    public long footprintBytes() {
        return (long) entries.length * BYTES_PER_SLOT;
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
        msbs = new long[capacity];
        lsbs = new long[capacity];
        entries = new int[capacity];
        mask = capacity - 1;
        resizeAt = (int) ((long) capacity * LOAD_FACTOR_PERCENT / 100);
    }

    private void grow() {
        if (entries.length >= CAPACITY_MAX) {
            throw new IllegalStateException("IdTable cannot grow beyond " + CAPACITY_MAX + " slots");
        }
        long[] oldMsbs = msbs;
        long[] oldLsbs = lsbs;
        int[] oldEntries = entries;
        allocate(oldEntries.length << 1);
        for (int i = 0; i < oldEntries.length; i++) {
            if (oldEntries[i] != 0) {
                int slot = slotOf(oldMsbs[i], oldLsbs[i]);
                while (entries[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                msbs[slot] = oldMsbs[i];
                lsbs[slot] = oldLsbs[i];
                entries[slot] = oldEntries[i];
            }
        }
    }
}
