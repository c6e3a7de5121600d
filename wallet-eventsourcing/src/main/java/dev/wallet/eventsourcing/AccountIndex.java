package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;

/**
 * Account id to dense index, by open addressing over an int array holding each slot's cached
 * string hash and index side by side. A lookup touches one slot and, to confirm a match, the stored id; a
 * {@code HashMap<AccountId, Integer>} walks a node, the key and a boxed integer as well, which
 * showed as the writer's largest cost after the id index.
 *
 * <p>Not thread-safe: owned by the state machine's thread.
 */
final class AccountIndex {

    private static final int LOAD_FACTOR_PERCENT = 50;

    /** Per slot, side by side: the id's string hash and its index + 1 (0 marks an empty slot). */
    private int[] slots = new int[2 * 1024];
    private AccountId[] ids = new AccountId[1024];
    private int mask = 1023;
    private int size;

    /** The index of {@code account}, or -1. */
    int get(AccountId account) {
        int hash = account.value().hashCode();
        int slot = mix(hash) & mask;
        while (true) {
            int stored = slots[2 * slot + 1];
            if (stored == 0) {
                return -1;
            }
            if (slots[2 * slot] == hash) {
                AccountId candidate = ids[slot];
                if (candidate == account || candidate.equals(account)) {
                    return stored - 1;
                }
            }
            slot = (slot + 1) & mask;
        }
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
        int hash = account.value().hashCode();
        int slot = mix(hash) & mask;
        while (slots[2 * slot + 1] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[2 * slot] = hash;
        slots[2 * slot + 1] = index + 1;
        ids[slot] = account;
    }

    private void grow() {
        int[] oldSlots = slots;
        AccountId[] oldIds = ids;
        int capacity = oldIds.length * 2;
        slots = new int[2 * capacity];
        ids = new AccountId[capacity];
        mask = capacity - 1;
        for (int i = 0; i < oldIds.length; i++) {
            if (oldSlots[2 * i + 1] != 0) {
                insert(oldIds[i], oldSlots[2 * i + 1] - 1);
            }
        }
    }

    int size() {
        return size;
    }

    private static int mix(int hash) {
        int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    @Override
    public String toString() {
        return "AccountIndex(" + size + " accounts)";
    }
}
