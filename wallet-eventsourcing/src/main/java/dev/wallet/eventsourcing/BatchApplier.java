package dev.wallet.eventsourcing;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.WalletCapacityException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Applies one replicated log entry ({@link BatchCodec}'s bytes) to a {@link LedgerState} and
 * answers one outcome code per item, with the same decisions as decoding the entry and calling
 * {@link LedgerState#process} on each command, but without building objects for the common case.
 *
 * <p>First every item is read and nothing changes. A money command whose fields are plainly valid
 * (a known command kind, a non-nil id, an amount in range, a currency the canonical decoding
 * accepted before, and accounts found among this state's customer accounts by their bytes) is
 * kept as resolved account indexes; any other item is decoded by {@link EventCodec#decodeCommand}
 * or {@link BatchCodec#decodeOpen}, the one place the rules live, and an item they refuse makes the
 * whole entry invalid, so that every replica skips it alike before anything changed. Then the
 * items are decided in order: {@link LedgerState#moveIfClear} moves money for a new id between
 * resolved accounts that can give it; everything else (a repeated id, a rejection, an account
 * opened earlier in the same entry) goes through {@code process} on the decoded command.
 *
 * <p>Where the time goes is cache misses: with many accounts and millions of remembered ids, each
 * lookup misses, and a miss the next step depends on stalls the processor for its whole latency.
 * So the reading is done in stages, each a tight loop over the whole entry of loads that do not
 * depend on each other (touching the id slots, the account slots, the balances), which the
 * processor overlaps; the lookups and decisions after them hit the cache.
 *
 * <p>Not thread-safe: one per state machine, used on its applying thread.
 */
final class BatchApplier {

    private static final Consumer<Event> APPLIED_ONLY = event -> { };
    /** A money command whose fields are plainly valid, with its accounts resolved. */
    private static final byte RESOLVED = 0;
    /** A money command the canonical decoding has to read (and validate). */
    private static final byte UNDECODED = 1;
    /** An item decoded the canonical way, kept in {@code decoded}. */
    private static final byte DECODED = 2;
    private static final byte SUCCESS = BatchCodec.outcomeCode(Status.SUCCESS, false);
    /**
     * Items read, resolved and decided per stage: enough independent loads for the processor to
     * overlap, few enough that what the touches brought in (and the address translations) is still
     * in the core's caches when the next stage uses it.
     */
    private static final int CHUNK = 256;
    /** Per item: two account ids, each three inline words and a hash. */
    private static final int KEY_LONGS = 4;

    /** Currencies the canonical decoding accepted, by their three code bytes packed in an int. */
    private final Map<Integer, Currency> currencies = new HashMap<>();
    private byte[] plans = new byte[0];
    private int[] offsets = new int[0];
    private int[] debited = new int[0];
    private int[] credited = new int[0];
    private int[] currencyIndexes = new int[0];
    private long[] keys = new long[0];
    private Object[] decoded = new Object[0];
    /** Where the touches' meaningless sums go, so that the compiler keeps their loads. */
    private long touched;

    /**
     * Applies the entry and answers one code per item (see {@link BatchCodec}).
     *
     * @throws IllegalArgumentException when the bytes are not a valid entry; nothing changed then
     */
    byte[] apply(LedgerState state, ByteBuffer entry) {
        ByteBuffer in = entry.slice().order(ByteOrder.LITTLE_ENDIAN);
        int count;
        try {
            count = readAll(state, in);
        } catch (IllegalArgumentException e) {
            Arrays.fill(decoded, null);
            throw e;
        }
        try {
            return decideAll(state, in, count);
        } finally {
            Arrays.fill(decoded, 0, count, null);
        }
    }

    private int readAll(LedgerState state, ByteBuffer in) {
        try {
            if (in.get(0) != BatchCodec.VERSION) {
                throw new IllegalArgumentException("unknown batch format version " + in.get(0));
            }
            int count = in.getInt(1);
            if (count < 1 || count > BatchCodec.ITEMS_MAX) {
                throw new IllegalArgumentException("batch item count out of range: " + count);
            }
            if (count > in.limit()) {
                throw new IllegalArgumentException("batch entry ends inside an item");
            }
            ensureCapacity(count);
            int end = readItems(state, in, count);
            if (end != in.limit()) {
                throw new IllegalArgumentException((in.limit() - end) + " bytes after the last batch item");
            }
            for (int from = 0; from < count; from += CHUNK) {
                resolveAccounts(state, in, from, Math.min(count, from + CHUNK));
            }
            for (int i = 0; i < count; i++) {
                if (plans[i] == UNDECODED) {
                    decodeMoney(in, i);
                }
            }
            return count;
        } catch (RuntimeException e) {
            throw BatchCodec.invalidEntry(e);
        }
    }

    /**
     * Finds where each item starts; decodes opens; marks a money command {@code RESOLVED} when its
     * fixed fields are plainly valid, {@code UNDECODED} otherwise. Answers where the last item ends.
     */
    private int readItems(LedgerState state, ByteBuffer in, int count) {
        int at = 5;
        int lastCode = -1;
        Currency lastCurrency = null;
        int lastCurrencyIndex = -1;
        for (int i = 0; i < count; i++) {
            offsets[i] = at;
            byte type = in.get(at);
            if (type == BatchCodec.MONEY) {
                int second = at + BatchCodec.MONEY_HEAD + (in.get(at + BatchCodec.MONEY_HEAD - 1) & 0xff) + 1;
                int end = second + (in.get(second - 1) & 0xff);
                if (end > in.limit()) {
                    throw new IllegalArgumentException("batch entry ends inside an item");
                }
                int code = BatchCodec.currencyCode(in, at);
                if (code != lastCode) {
                    lastCode = code;
                    lastCurrency = currencies.get(code);
                    lastCurrencyIndex = lastCurrency == null ? -1 : state.currencyIndexOf(lastCurrency);
                }
                currencyIndexes[i] = lastCurrencyIndex;
                plans[i] = lastCurrency != null && BatchCodec.plainMoneyFields(in, at) ? RESOLVED : UNDECODED;
                at = end;
            } else if (type == BatchCodec.OPEN) {
                ByteBuffer item = in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1);
                decoded[i] = BatchCodec.decodeOpen(item);
                plans[i] = DECODED;
                at = item.position();
            } else {
                throw new IllegalArgumentException("unknown batch item type " + type);
            }
        }
        return at;
    }

    /**
     * Resolves the accounts of the plainly valid money commands among the customer accounts
     * (a deposit's or withdrawal's other side is its currency's funding account; its second id is
     * not read, as the canonical decoding does not read it); {@code UNDECODED} when one is not there.
     */
    private void resolveAccounts(LedgerState state, ByteBuffer in, int from, int to) {
        AccountIndex index = state.accountIndex();
        for (int i = from; i < to; i++) {
            if (plans[i] == RESOLVED) {
                int first = offsets[i] + BatchCodec.MONEY_HEAD;
                int firstLength = in.get(first - 1) & 0xff;
                key(in, first, firstLength, KEY_LONGS * 2 * i);
                if (in.get(offsets[i] + 1) == CommandKind.TRANSFER) {
                    int second = first + firstLength + 1;
                    key(in, second, in.get(second - 1) & 0xff, KEY_LONGS * (2 * i + 1));
                }
            }
        }
        long sum = 0;
        for (int i = from; i < to; i++) {
            if (plans[i] == RESOLVED) {
                sum += index.touch(keys[KEY_LONGS * 2 * i + 3]) + index.touch(keys[KEY_LONGS * (2 * i + 1) + 3]);
            }
        }
        for (int i = from; i < to; i++) {
            if (plans[i] != RESOLVED) {
                continue;
            }
            int first = offsets[i] + BatchCodec.MONEY_HEAD;
            int firstLength = in.get(first - 1) & 0xff;
            int account = customer(index, in, first, firstLength, KEY_LONGS * 2 * i);
            byte kind = in.get(offsets[i] + 1);
            int other;
            if (kind == CommandKind.TRANSFER) {
                int second = first + firstLength + 1;
                other = customer(index, in, second, in.get(second - 1) & 0xff, KEY_LONGS * (2 * i + 1));
            } else {
                other = currencyIndexes[i] < 0 ? -1 : state.fundingAccountOf(currencyIndexes[i]);
            }
            if (account < 0 || kind == CommandKind.TRANSFER && other < 0) {
                plans[i] = UNDECODED;
                continue;
            }
            debited[i] = kind == CommandKind.DEPOSIT ? other : account;
            credited[i] = kind == CommandKind.DEPOSIT ? account : other;
        }
        touched += sum;
    }

    /** Writes the words and hash of the id at {@code offset} into {@code keys} from {@code to}. */
    private void key(ByteBuffer in, int offset, int length, int to) {
        long w0 = AccountIndex.word(in, offset, length, 0);
        long w1 = AccountIndex.word(in, offset, length, 8);
        long w2 = AccountIndex.word(in, offset, length, 16);
        keys[to] = w0;
        keys[to + 1] = w1;
        keys[to + 2] = w2;
        keys[to + 3] = AccountIndex.hash(in, offset, length, w0, w1, w2);
    }

    private int customer(AccountIndex index, ByteBuffer in, int offset, int length, int key) {
        return index.findCustomer(keys[key + 3], keys[key], keys[key + 1], keys[key + 2], in, offset, length);
    }

    /** Decodes a money command the canonical way, which validates every field or throws. */
    private void decodeMoney(ByteBuffer in, int i) {
        int at = offsets[i];
        MoneyCommand command = EventCodec.decodeCommand(in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1));
        currencies.putIfAbsent(BatchCodec.currencyCode(in, at), command.amount().currency());
        decoded[i] = command;
        plans[i] = DECODED;
    }

    private byte[] decideAll(LedgerState state, ByteBuffer in, int count) {
        byte[] reply = new byte[count];
        for (int from = 0; from < count; from += CHUNK) {
            int to = Math.min(count, from + CHUNK);
            touchForDecisions(state, in, from, to);
            for (int i = from; i < to; i++) {
                reply[i] = decide(state, in, i);
            }
        }
        return reply;
    }

    /** Reads the id slots and balances the decisions of items {@code from .. to-1} will use. */
    private void touchForDecisions(LedgerState state, ByteBuffer in, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            // A deposit's or withdrawal's funding side is -1 while its currency has none; moveIfClear declines those.
            if (plans[i] == RESOLVED && debited[i] >= 0 && credited[i] >= 0) {
                sum += state.touchId(in.getLong(offsets[i] + 2), in.getLong(offsets[i] + 10))
                        + state.touchBalance(debited[i]) + state.touchBalance(credited[i]);
            }
        }
        touched += sum;
    }

    /** Decides item {@code i}: the common case by moving money, anything else the canonical way. */
    private byte decide(LedgerState state, ByteBuffer in, int i) {
        int at = offsets[i];
        if (plans[i] == RESOLVED && state.moveIfClear(in.get(at + 1), in.getLong(at + 2), in.getLong(at + 10),
                debited[i], credited[i], in.getLong(at + 18), currencyIndexes[i])) {
            return SUCCESS;
        }
        // A rejection or a repeated id: the canonical path decides (the fields are valid).
        Object item = plans[i] == DECODED ? decoded[i]
                : EventCodec.decodeCommand(in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1));
        if (item instanceof MoneyCommand command) {
            return process(state, command);
        }
        BatchCodec.Open open = (BatchCodec.Open) item;
        return (byte) state.open(open.account(), open.currency(), APPLIED_ONLY).ordinal();
    }

    private static byte process(LedgerState state, MoneyCommand command) {
        try {
            Outcome outcome = state.process(command, APPLIED_ONLY);
            return BatchCodec.outcomeCode(outcome.status(), outcome.replay());
        } catch (WalletCapacityException full) {
            return BatchCodec.CAPACITY_EXCEEDED;
        }
    }

    private void ensureCapacity(int count) {
        if (plans.length < count) {
            int length = Math.max(count, 2 * plans.length);
            plans = new byte[length];
            offsets = new int[length];
            debited = new int[length];
            credited = new int[length];
            currencyIndexes = new int[length];
            keys = new long[KEY_LONGS * 2 * length];
            decoded = new Object[length];
        }
    }

    @Override
    public String toString() {
        return "BatchApplier(" + touched + ")";
    }
}
