package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The read side's per-account history: every successful movement, in journal order, queryable by
 * account. Built only from the event stream (it keeps its own account index), so it can be rebuilt
 * by replaying the journal from the start; {@link #position()} is the last sequence applied. Each
 * leg of a movement costs about 45 bytes, in flat chunked columns.
 *
 * <p>Thread-safe: one applying thread, any number of readers.
 */
final class HistoryProjection {

    private static final int CHUNK_BITS = 14;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    private static final String[] KINDS = {"", "transfer", "deposit", "withdrawal"};

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<AccountId> accounts = new ArrayList<>();
    private final List<Currency> currencies = new ArrayList<>();
    private final Map<AccountId, Integer> indexOf = new HashMap<>();
    private int[] heads = new int[1024];
    private long[][] sequences = new long[1][];
    private long[][] amounts = new long[1][];
    private long[][] msbs = new long[1][];
    private long[][] lsbs = new long[1][];
    private int[][] counterparties = new int[1][];
    private int[][] previous = new int[1][];
    private byte[][] kinds = new byte[1][];
    private int legs;
    private volatile long position;

    long position() {
        return position;
    }

    /** Applies the event at {@code sequence}, which must be the next one. */
    void apply(long sequence, Event event) {
        if (sequence != position + 1) {
            throw new IllegalStateException("history projection at " + position + " was given event " + sequence);
        }
        lock.writeLock().lock();
        try {
            if (event instanceof Event.MoneyMoved moved) {
                addLeg(moved.debited(), sequence, moved, -moved.amountMinor(), moved.credited());
                addLeg(moved.credited(), sequence, moved, moved.amountMinor(), moved.debited());
            } else if (event instanceof Event.AccountOpened opened) {
                addAccount(opened.index(), opened.account(), opened.currency());
            } else if (event instanceof Event.FundingOpened funding) {
                addAccount(funding.index(), AccountId.funding(funding.currency()), funding.currency());
            }
            position = sequence;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The account's movements in journal order; empty for an account without any. */
    List<HistoryEntry> history(AccountId account) {
        lock.readLock().lock();
        try {
            Integer index = indexOf.get(account);
            if (index == null) {
                return List.of();
            }
            List<HistoryEntry> entries = new ArrayList<>();
            Currency currency = currencies.get(index);
            for (int leg = heads[index] - 1; leg >= 0; leg = previous[leg >>> CHUNK_BITS][leg & CHUNK_MASK] - 1) {
                int c = leg >>> CHUNK_BITS;
                int a = leg & CHUNK_MASK;
                entries.add(new HistoryEntry(sequences[c][a], TransactionId.of(msbs[c][a], lsbs[c][a]), KINDS[kinds[c][a]],
                        accounts.get(counterparties[c][a]), Money.of(currency, amounts[c][a])));
            }
            Collections.reverse(entries);
            return entries;
        } finally {
            lock.readLock().unlock();
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

    private void addLeg(int account, long sequence, Event.MoneyMoved moved, long signedAmount, int counterparty) {
        int leg = legs++;
        int chunk = leg >>> CHUNK_BITS;
        if (chunk == sequences.length) {
            int length = sequences.length * 2;
            sequences = Arrays.copyOf(sequences, length);
            amounts = Arrays.copyOf(amounts, length);
            msbs = Arrays.copyOf(msbs, length);
            lsbs = Arrays.copyOf(lsbs, length);
            counterparties = Arrays.copyOf(counterparties, length);
            previous = Arrays.copyOf(previous, length);
            kinds = Arrays.copyOf(kinds, length);
        }
        if (sequences[chunk] == null) {
            sequences[chunk] = new long[CHUNK_SIZE];
            amounts[chunk] = new long[CHUNK_SIZE];
            msbs[chunk] = new long[CHUNK_SIZE];
            lsbs[chunk] = new long[CHUNK_SIZE];
            counterparties[chunk] = new int[CHUNK_SIZE];
            previous[chunk] = new int[CHUNK_SIZE];
            kinds[chunk] = new byte[CHUNK_SIZE];
        }
        int at = leg & CHUNK_MASK;
        sequences[chunk][at] = sequence;
        amounts[chunk][at] = signedAmount;
        msbs[chunk][at] = moved.idMsb();
        lsbs[chunk][at] = moved.idLsb();
        counterparties[chunk][at] = counterparty;
        kinds[chunk][at] = moved.kind();
        previous[chunk][at] = heads[account];
        heads[account] = leg + 1;
    }
}
