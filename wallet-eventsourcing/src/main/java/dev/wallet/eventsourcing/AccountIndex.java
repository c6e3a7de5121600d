package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import java.nio.ByteBuffer;

/**
 * Account id to dense index, by open addressing over one long array that holds, per slot, the
 * index with half of the id's hash and the id's first {@value #INLINE_BYTES} bytes. Account ids
 * are ASCII and never contain a zero byte, so for an id shorter than that the slot alone decides
 * a match: a lookup touches one slot, not the stored id's objects (which, with many accounts,
 * cost a cache miss each). Longer ids are confirmed against the stored {@link AccountId}.
 * Lookups take an {@link AccountId} or the id's bytes in a buffer, so a replicated log entry is
 * resolved without building strings.
 *
 * <p>Not thread-safe: owned by the state machine's thread.
 */
final class AccountIndex {

    private static final int LOAD_FACTOR_PERCENT = 50;
    /**
     * Longs per slot: a head (a {@link #tag} of hash and length, a funding-account bit and
     * index + 1, so that 0 marks an empty slot), then the inline bytes.
     */
    private static final int STRIDE = 4;
    static final int INLINE_BYTES = 24;
    private static final int FUNDING_BIT = 1 << 31;
    private static final int INDEX_MASK = ~FUNDING_BIT;

    private long[] slots = new long[STRIDE * 1024];
    /** The stored id of each slot, to confirm long ids and to rebuild the table when it grows. */
    private AccountId[] ids = new AccountId[1024];
    private int mask = 1023;
    private int size;

    /** The index of {@code account}, or -1. */
    int get(AccountId account) {
        String id = account.value();
        int length = id.length();
        long w0 = word(id, 0);
        long w1 = word(id, 8);
        long w2 = word(id, 16);
        long hash = hash(w0, w1, w2, length);
        for (int from = INLINE_BYTES; from < length; from += 8) {
            hash = step(hash, word(id, from));
        }
        int head = find(hash, w0, w1, w2, id, null, 0, length);
        return head == 0 ? -1 : (head & INDEX_MASK) - 1;
    }

    /**
     * The index of the customer account whose id is the {@code length} bytes at {@code offset} of
     * {@code bytes} (absolute; the buffer's position is ignored), or -1 when there is none or the
     * bytes name a funding account; no string is built. {@code w0..w2} and {@code hash} are the
     * key's {@link #word words} and {@link #hash(ByteBuffer, int, int, long, long, long) hash}.
     */
    int findCustomer(long hash, long w0, long w1, long w2, ByteBuffer bytes, int offset, int length) {
        if (length > 0xff) {
            return -1;
        }
        int head = find(hash, w0, w1, w2, null, bytes, offset, length);
        return head == 0 || (head & FUNDING_BIT) != 0 ? -1 : (head & INDEX_MASK) - 1;
    }

    /**
     * Reads the slot where the probe for {@code hash} starts (both of its cache lines, when it
     * spans two) and answers a meaningless sum: for a batch of keys, a tight loop of touches
     * before the lookups lets the processor overlap the cache misses (see
     * {@link dev.wallet.api.internal.IdTable#touch}).
     */
    long touch(long hash) {
        int at = ((int) hash & mask) * STRIDE;
        return slots[at] + slots[at + STRIDE - 1];
    }

    /** The low half of the matching slot's head (funding bit and index + 1), or 0 when the key is absent. */
    private int find(long hash, long w0, long w1, long w2, String id, ByteBuffer bytes, int offset, int length) {
        int tag = tag(hash, length);
        int slot = (int) hash & mask;
        while (true) {
            int at = slot * STRIDE;
            long head = slots[at];
            if (head == 0) {
                return 0;
            }
            if ((int) (head >>> 32) == tag && slots[at + 1] == w0 && slots[at + 2] == w1 && slots[at + 3] == w2
                    && (length < INLINE_BYTES || sameTail(ids[slot].value(), id, bytes, offset, length))) {
                return (int) head;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Whether a long stored id equals the key (given as a string or as bytes) beyond the inline bytes. */
    private static boolean sameTail(String stored, String id, ByteBuffer bytes, int offset, int length) {
        if (stored.length() != length) {
            return false;
        }
        for (int i = INLINE_BYTES; i < length; i++) {
            int c = id != null ? id.charAt(i) : bytes.get(offset + i) & 0xff;
            if (stored.charAt(i) != c) {
                return false;
            }
        }
        return true;
    }

    /** Adds an account that is not present yet. */
    void put(AccountId account, int index) {
        if ((size + 1) * 100 > ids.length * LOAD_FACTOR_PERCENT) {
            grow();
        }
        insert(account, index);
        size++;
    }

    private void insert(AccountId account, int index) {
        String id = account.value();
        long w0 = word(id, 0);
        long w1 = word(id, 8);
        long w2 = word(id, 16);
        long hash = hash(w0, w1, w2, id.length());
        for (int from = INLINE_BYTES; from < id.length(); from += 8) {
            hash = step(hash, word(id, from));
        }
        int slot = (int) hash & mask;
        while (slots[slot * STRIDE] != 0) {
            slot = (slot + 1) & mask;
        }
        int at = slot * STRIDE;
        slots[at] = (long) tag(hash, id.length()) << 32 | (account.isFunding() ? FUNDING_BIT & 0xffffffffL : 0) | (index + 1L);
        slots[at + 1] = w0;
        slots[at + 2] = w1;
        slots[at + 3] = w2;
        ids[slot] = account;
    }

    private void grow() {
        long[] oldSlots = slots;
        AccountId[] oldIds = ids;
        int capacity = oldIds.length * 2;
        slots = new long[STRIDE * capacity];
        ids = new AccountId[capacity];
        mask = capacity - 1;
        for (int slot = 0; slot < oldIds.length; slot++) {
            long head = oldSlots[slot * STRIDE];
            if (head != 0) {
                insert(oldIds[slot], ((int) head & INDEX_MASK) - 1);
            }
        }
    }

    int size() {
        return size;
    }

    /** Eight characters of an ASCII id from {@code from}, little-endian, zero past its end. */
    private static long word(String id, int from) {
        long word = 0;
        for (int i = Math.min(id.length(), from + 8) - 1; i >= from; i--) {
            word = word << 8 | (id.charAt(i) & 0xff);
        }
        return word;
    }

    /** As {@link #word(String, int)} for an id given as bytes; the buffer must be little-endian. */
    static long word(ByteBuffer bytes, int offset, int length, int from) {
        int left = length - from;
        if (left <= 0) {
            return 0;
        }
        if (offset + from + 8 <= bytes.limit()) {
            long word = bytes.getLong(offset + from);
            return left >= 8 ? word : word & (1L << 8 * left) - 1;
        }
        long word = 0;
        for (int i = Math.min(length, from + 8) - 1; i >= from; i--) {
            word = word << 8 | (bytes.get(offset + i) & 0xff);
        }
        return word;
    }

    /** The hash of an id given as bytes whose first three {@link #word words} are {@code w0..w2}. */
    static long hash(ByteBuffer bytes, int offset, int length, long w0, long w1, long w2) {
        long hash = hash(w0, w1, w2, length);
        for (int from = INLINE_BYTES; from < length; from += 8) {
            hash = step(hash, word(bytes, offset, length, from));
        }
        return hash;
    }

    /**
     * The upper half of a slot's head: 24 bits of the hash and the id's length. With the length
     * there, equal inline words mean equal ids for short ids even when the key holds zero bytes
     * (which an id never does, but bytes from a log entry might).
     */
    private static int tag(long hash, int length) {
        return (int) (hash >>> 40) << 8 | length & 0xff;
    }

    private static long hash(long w0, long w1, long w2, int length) {
        return step(step(step(length * 0x9E3779B97F4A7C15L, w0), w1), w2);
    }

    private static long step(long hash, long word) {
        long h = (hash ^ word) * 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }

    @Override
    public String toString() {
        return "AccountIndex(" + size + " accounts)";
    }
}
