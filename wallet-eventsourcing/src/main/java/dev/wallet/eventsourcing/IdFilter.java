package dev.wallet.eventsourcing;

/**
 * A fixed-size split-block Bloom filter over transaction ids: each id sets one bit in each of the
 * eight longs of one 64-byte block (one cache line), so a lookup is one memory access. It answers
 * "maybe" for every id added and, for an id never added, "no" except at its false-positive rate,
 * which grows as ids are added to a filter of fixed size (about 0.5% at 14 bits per id, 3% at 9):
 * the filter never refuses an id, it only grows less selective.
 *
 * <p>One thread adds; others may read concurrently. Bits are only ever set, so a reader sees a
 * subset of the bits; whoever relies on an id being present establishes happens-before with the
 * adding thread first.
 */
final class IdFilter {

    private static final int LONGS_PER_BLOCK = 8;

    private final long[] words;
    /** log2 of the number of blocks: a block is named by the hash's top bits. */
    private final int blockBits;

    /** A filter of {@code bytes} (a power of two between 64 bytes and 8 GiB). */
    IdFilter(long bytes) {
        this(new long[(int) (checkedBytes(bytes) / Long.BYTES)]);
    }

    /** A filter over words read back from a file written from {@link #words()}. */
    IdFilter(long[] words) {
        if (Integer.bitCount(words.length) != 1 || words.length < LONGS_PER_BLOCK) {
            throw new IllegalArgumentException("a filter's words must be a power of two of at least " + LONGS_PER_BLOCK
                    + ": " + words.length);
        }
        this.words = words;
        this.blockBits = Integer.numberOfTrailingZeros(words.length / LONGS_PER_BLOCK);
    }

    /** {@code bytes}, if it is a size a filter can have (a power of two from 64 bytes to 8 GiB). */
    static long checkedBytes(long bytes) {
        if (bytes < 64 || bytes > (8L << 30) || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("idFilterBytes must be a power of two between 64 bytes and 8 GiB: " + bytes);
        }
        return bytes;
    }

    long bytes() {
        return (long) words.length * Long.BYTES;
    }

    long[] words() {
        return words;
    }

    /** A well-mixed 64-bit hash of an id, the filter's and the archive's order. */
    static long hash(long msb, long lsb) {
        long h = msb ^ Long.rotateLeft(lsb, 29) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    void add(long msb, long lsb) {
        long h = hash(msb, lsb);
        int base = block(h);
        long g = h * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < LONGS_PER_BLOCK; i++) {
            words[base + i] |= 1L << bit(g, i);
        }
    }

    /** Reads the word of an id's block that {@link #mightContain} reads first, so that a later call finds it in the cache. */
    long touch(long msb, long lsb) {
        return words[block(hash(msb, lsb))];
    }

    boolean mightContain(long msb, long lsb) {
        long h = hash(msb, lsb);
        int base = block(h);
        long g = h * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < LONGS_PER_BLOCK; i++) {
            if ((words[base + i] & 1L << bit(g, i)) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The block of a hash, named by its top bits: ids added in the archive's order (ascending
     * hashes, a generation's record order) fill the filter from its first block to its last,
     * instead of at random.
     */
    private int block(long h) {
        return blockBits == 0 ? 0 : (int) (h >>> (64 - blockBits)) * LONGS_PER_BLOCK;
    }

    /** Six bits per word of the block, from the hash multiplied again (so that they do not repeat the block's bits). */
    private static int bit(long g, int word) {
        return (int) (g >>> (16 + 6 * word)) & 63;
    }
}
