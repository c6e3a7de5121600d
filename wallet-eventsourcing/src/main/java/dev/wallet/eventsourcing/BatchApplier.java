package dev.wallet.eventsourcing;

import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.WalletCapacityException;
import dev.wallet.api.Withdrawal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads replicated log entries ({@link BatchCodec}'s bytes) against a {@link LedgerState}: on the
 * leader, {@link #resolve} turns a client's batch into the entry it logs; on every replica,
 * {@link #apply} decides an entry with the same outcomes as decoding it and calling
 * {@link LedgerState#process} on each command, but without building objects for the common case.
 *
 * <p>First every item is read and nothing changes. A money command whose fields are plainly valid
 * (a known command kind, a non-nil id, an amount in range, a currency the canonical decoding
 * accepted before) either names its accounts by number already (a resolved item) or has them
 * looked up among the state's customer accounts by their bytes; any other item is decoded by
 * {@link EventCodec#decodeCommand} or {@link BatchCodec#decodeOpen}, the one place the rules
 * live, and an item they refuse makes the whole entry invalid, so that every replica skips it
 * alike before anything changed. Then the items are decided in order:
 * {@link LedgerState#moveIfClear} moves money for a new id between resolved accounts that can
 * give it; everything else (a repeated id, a rejection, an account opened earlier in the same
 * entry) goes through {@code process} on the decoded (or, for a resolved item, rebuilt) command.
 *
 * <p>Where the time goes is cache misses: with many accounts and millions of remembered ids, each
 * lookup misses, and a miss the next step depends on stalls the processor for its whole latency.
 * So the reading is done in stages, each a tight loop over a chunk of items of loads that do not
 * depend on each other (touching the id slots, the account slots, the balances), which the
 * processor overlaps; the lookups and decisions after them hit the cache.
 *
 * <p>Not thread-safe: one per state machine and purpose, used by one thread at a time.
 */
final class BatchApplier {

    private static final Consumer<Event> APPLIED_ONLY = event -> { };
    /** A money command in format 1 whose fields are plainly valid; its accounts are looked up next. */
    private static final byte PLAIN = 0;
    /** A money command whose accounts are known by number. */
    private static final byte RESOLVED = 1;
    /** A money command the canonical decoding has to read (and validate). */
    private static final byte UNDECODED = 2;
    /** An item decoded the canonical way, kept in {@code decoded}. */
    private static final byte DECODED = 3;
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
    /** The currency table of the entry being read (format 2), and the state's index of each (or -1). */
    private final Currency[] table = new Currency[BatchCodec.CURRENCIES_MAX];
    private final int[] tableIndexes = new int[BatchCodec.CURRENCIES_MAX];
    private int tableSize;
    private byte[] types = new byte[0];
    private byte[] plans = new byte[0];
    private byte[] kinds = new byte[0];
    private int[] offsets = new int[0];
    private int[] debited = new int[0];
    private int[] credited = new int[0];
    private int[] currencyIndexes = new int[0];
    private int[] tableSlots = new int[0];
    private long[] amounts = new long[0];
    private long[] keys = new long[0];
    private Object[] decoded = new Object[0];
    /** Where the touches' meaningless sums go, so that the compiler keeps their loads. */
    private long touched;

    /**
     * Applies the entry (format 1 or 2) and answers one code per item (see {@link BatchCodec}).
     *
     * @throws IllegalArgumentException when the bytes are not a valid entry; nothing changed then
     */
    byte[] apply(LedgerState state, ByteBuffer entry) {
        ByteBuffer in = entry.slice().order(ByteOrder.LITTLE_ENDIAN);
        int count = readAll(state, in, true);
        try {
            return decideAll(state, in, count);
        } finally {
            Arrays.fill(decoded, 0, count, null);
        }
    }

    /**
     * The leader's step before it logs a client's batch (format 1): the same batch as a resolved
     * entry (format 2), in which every money command whose fields are plainly valid and whose
     * accounts {@code state} holds as customer accounts names them by number; every other item is
     * kept as the client sent it. Nothing changes in {@code state}. Applied by any replica whose
     * state has applied at least what {@code state} has, the entry decides every command as the
     * client's batch would.
     *
     * @throws IllegalArgumentException when the client's bytes are not a valid format-1 batch,
     *                                  exactly as {@link BatchCodec#decode} refuses them
     */
    byte[] resolve(LedgerState state, ByteBuffer batch) {
        ByteBuffer in = batch.slice().order(ByteOrder.LITTLE_ENDIAN);
        int count = readAll(state, in, false);
        try {
            int[] codes = new int[BatchCodec.CURRENCIES_MAX];
            int codeCount = 0;
            int bytes = 5 + 1;
            for (int i = 0; i < count; i++) {
                if (plans[i] == RESOLVED) {
                    int code = BatchCodec.currencyCode(in, offsets[i]);
                    int slot = indexOf(codes, codeCount, code);
                    if (slot < 0 && codeCount < codes.length) {
                        slot = codeCount;
                        codes[codeCount++] = code;
                        bytes += 3;
                    }
                    if (slot >= 0) {
                        tableSlots[i] = slot;
                        bytes += resolvedBytes(i);
                        continue;
                    }
                    plans[i] = UNDECODED;
                }
                bytes += end(in, i, count) - offsets[i];
            }
            ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            out.put(BatchCodec.VERSION_RESOLVED).putInt(count).put((byte) codeCount);
            for (int c = 0; c < codeCount; c++) {
                out.put((byte) codes[c]).put((byte) (codes[c] >>> 8)).put((byte) (codes[c] >>> 16));
            }
            for (int i = 0; i < count; i++) {
                if (plans[i] == RESOLVED) {
                    putResolved(in, i, out);
                } else {
                    out.put(in.slice(offsets[i], end(in, i, count) - offsets[i]));
                }
            }
            if (out.hasRemaining()) {
                throw new IllegalStateException("a resolved entry came out " + out.remaining() + " bytes short");
            }
            return out.array();
        } finally {
            Arrays.fill(decoded, 0, count, null);
        }
    }

    /** The bytes of resolved item {@code i} in a resolved entry. */
    private int resolvedBytes(int i) {
        int bytes = BatchCodec.RESOLVED_HEAD + BatchCodec.varintBytes(amounts[i]) + 1 + BatchCodec.varintBytes(customer(i));
        return kinds[i] == CommandKind.TRANSFER ? bytes + BatchCodec.varintBytes(credited[i]) : bytes;
    }

    private void putResolved(ByteBuffer in, int i, ByteBuffer out) {
        int at = offsets[i];
        out.put(BatchCodec.RESOLVED).put(kinds[i]).putLong(in.getLong(at + 2)).putLong(in.getLong(at + 10));
        BatchCodec.putVarint(out, amounts[i]);
        out.put((byte) tableSlots[i]);
        BatchCodec.putVarint(out, customer(i));
        if (kinds[i] == CommandKind.TRANSFER) {
            BatchCodec.putVarint(out, credited[i]);
        }
    }

    /** A resolved command's first account: a transfer's source, a deposit's or withdrawal's customer. */
    private int customer(int i) {
        return kinds[i] == CommandKind.DEPOSIT ? credited[i] : debited[i];
    }

    private int end(ByteBuffer in, int i, int count) {
        return i + 1 < count ? offsets[i + 1] : in.limit();
    }

    private static int indexOf(int[] values, int count, int value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reads every item, resolves what it can and decodes the rest; changes nothing. Answers the item
     * count. {@code logged}: an entry from the log (either format, up to {@link BatchCodec#ENTRY_ITEMS_MAX}
     * items), not a client's batch.
     */
    private int readAll(LedgerState state, ByteBuffer in, boolean logged) {
        int count = 0;
        tableSize = 0;
        try {
            byte version = in.get(0);
            if (version != BatchCodec.VERSION && !(logged && version == BatchCodec.VERSION_RESOLVED)) {
                throw new IllegalArgumentException("unknown batch format version " + version);
            }
            count = in.getInt(1);
            if (count < 1 || count > (logged ? BatchCodec.ENTRY_ITEMS_MAX : BatchCodec.ITEMS_MAX)) {
                throw new IllegalArgumentException("batch item count out of range: " + count);
            }
            if (count > in.limit()) {
                throw new IllegalArgumentException("batch entry ends inside an item");
            }
            ensureCapacity(count);
            int at = version == BatchCodec.VERSION_RESOLVED ? readTable(state, in, 5) : 5;
            int end = readItems(state, in, at, count);
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
            Arrays.fill(decoded, 0, Math.min(decoded.length, Math.max(count, 0)), null);
            throw BatchCodec.invalidEntry(e);
        }
    }

    /** Reads a resolved entry's currency table from {@code at}; answers where the items start. */
    private int readTable(LedgerState state, ByteBuffer in, int at) {
        tableSize = in.get(at) & 0xff;
        for (int c = 0; c < tableSize; c++) {
            int from = at + 1 + 3 * c;
            int code = BatchCodec.packedCode(in, from);
            Currency currency = currencies.get(code);
            if (currency == null) {
                currency = EventCodec.getCurrency(in.duplicate().position(from));
                currencies.put(code, currency);
            }
            table[c] = currency;
            tableIndexes[c] = state.currencyIndexOf(currency);
        }
        return at + 1 + 3 * tableSize;
    }

    /**
     * Finds where each item starts; decodes opens; reads resolved items (checking every field, and
     * that their accounts are customer accounts of the state) as {@code RESOLVED}; marks a format-1
     * money command {@code PLAIN} when its fixed fields are plainly valid, {@code UNDECODED}
     * otherwise. Answers where the last item ends.
     */
    private int readItems(LedgerState state, ByteBuffer in, int at, int count) {
        int lastCode = -1;
        Currency lastCurrency = null;
        int lastCurrencyIndex = -1;
        for (int i = 0; i < count; i++) {
            offsets[i] = at;
            byte type = in.get(at);
            types[i] = type;
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
                kinds[i] = in.get(at + 1);
                amounts[i] = in.getLong(at + 18);
                plans[i] = lastCurrency != null && BatchCodec.plainMoneyFields(in, at) ? PLAIN : UNDECODED;
                at = end;
            } else if (type == BatchCodec.OPEN) {
                ByteBuffer item = in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1);
                decoded[i] = BatchCodec.decodeOpen(item);
                plans[i] = DECODED;
                at = item.position();
            } else if (type == BatchCodec.RESOLVED && in.get(0) == BatchCodec.VERSION_RESOLVED) {
                at = readResolved(state, in, at, i);
            } else {
                throw new IllegalArgumentException("unknown batch item type " + type);
            }
        }
        return at;
    }

    /** Reads resolved item {@code i} at {@code at}, refusing any field out of range; answers where it ends. */
    private int readResolved(LedgerState state, ByteBuffer in, int at, int i) {
        byte kind = in.get(at + 1);
        if (kind < CommandKind.TRANSFER || kind > CommandKind.WITHDRAWAL) {
            throw new IllegalArgumentException("unknown command kind " + kind + " in a resolved item");
        }
        if (in.getLong(at + 2) == 0 && in.getLong(at + 10) == 0) {
            throw new IllegalArgumentException("a resolved item has the nil transaction id");
        }
        int p = at + BatchCodec.RESOLVED_HEAD;
        long amount = BatchCodec.getVarint(in, p);
        p += BatchCodec.varintBytes(amount);
        if (amount <= 0 || amount > Money.MAX_AMOUNT_MINOR) {
            throw new IllegalArgumentException("a resolved item's amount is out of range: " + amount);
        }
        int slot = in.get(p++) & 0xff;
        if (slot >= tableSize) {
            throw new IllegalArgumentException("a resolved item names currency " + slot + " of " + tableSize);
        }
        int first = customerAccount(state, BatchCodec.getVarint(in, p));
        p += BatchCodec.varintBytes(first);
        int second = -1;
        if (kind == CommandKind.TRANSFER) {
            second = customerAccount(state, BatchCodec.getVarint(in, p));
            p += BatchCodec.varintBytes(second);
        }
        int currency = tableIndexes[slot];
        int funding = currency < 0 ? -1 : state.fundingAccountOf(currency);
        plans[i] = RESOLVED;
        kinds[i] = kind;
        amounts[i] = amount;
        tableSlots[i] = slot;
        currencyIndexes[i] = currency;
        debited[i] = kind == CommandKind.DEPOSIT ? funding : first;
        credited[i] = kind == CommandKind.TRANSFER ? second : kind == CommandKind.DEPOSIT ? first : funding;
        return p;
    }

    private static int customerAccount(LedgerState state, long number) {
        if (number >= state.accountCount() || !state.isCustomerAccount((int) number)) {
            throw new IllegalArgumentException("a resolved item names account " + number + ", which is not a customer account "
                    + "of this state (" + state.accountCount() + " accounts)");
        }
        return (int) number;
    }

    /**
     * Resolves the accounts of the {@code PLAIN} money commands among the customer accounts
     * (a deposit's or withdrawal's other side is its currency's funding account; its second id is
     * not read, as the canonical decoding does not read it): {@code RESOLVED} when they are
     * there, {@code UNDECODED} when one is not.
     */
    private void resolveAccounts(LedgerState state, ByteBuffer in, int from, int to) {
        AccountIndex index = state.accountIndex();
        for (int i = from; i < to; i++) {
            if (plans[i] == PLAIN) {
                int first = offsets[i] + BatchCodec.MONEY_HEAD;
                int firstLength = in.get(first - 1) & 0xff;
                key(in, first, firstLength, KEY_LONGS * 2 * i);
                if (kinds[i] == CommandKind.TRANSFER) {
                    int second = first + firstLength + 1;
                    key(in, second, in.get(second - 1) & 0xff, KEY_LONGS * (2 * i + 1));
                }
            }
        }
        long sum = 0;
        for (int i = from; i < to; i++) {
            if (plans[i] == PLAIN) {
                sum += index.touch(keys[KEY_LONGS * 2 * i + 3]) + index.touch(keys[KEY_LONGS * (2 * i + 1) + 3]);
            }
        }
        for (int i = from; i < to; i++) {
            if (plans[i] != PLAIN) {
                continue;
            }
            int first = offsets[i] + BatchCodec.MONEY_HEAD;
            int firstLength = in.get(first - 1) & 0xff;
            int account = customer(index, in, first, firstLength, KEY_LONGS * 2 * i);
            byte kind = kinds[i];
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
            plans[i] = RESOLVED;
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
        if (plans[i] == RESOLVED && state.moveIfClear(kinds[i], in.getLong(at + 2), in.getLong(at + 10),
                debited[i], credited[i], amounts[i], currencyIndexes[i])) {
            return SUCCESS;
        }
        // A rejection or a repeated id: the canonical path decides (the fields are valid).
        Object item = plans[i] == DECODED ? decoded[i]
                : types[i] == BatchCodec.RESOLVED ? rebuild(state, in, i)
                : EventCodec.decodeCommand(in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1));
        if (item instanceof MoneyCommand command) {
            return process(state, command);
        }
        BatchCodec.Open open = (BatchCodec.Open) item;
        return (byte) state.open(open.account(), open.currency(), APPLIED_ONLY).ordinal();
    }

    /** The command a resolved item stands for: the same fields, its accounts named by their ids in this state. */
    private MoneyCommand rebuild(LedgerState state, ByteBuffer in, int i) {
        TransactionId id = TransactionId.of(in.getLong(offsets[i] + 2), in.getLong(offsets[i] + 10));
        Money amount = Money.of(table[tableSlots[i]], amounts[i]);
        return switch (kinds[i]) {
            case CommandKind.TRANSFER -> new Transfer(id, state.accountAt(debited[i]), state.accountAt(credited[i]), amount);
            case CommandKind.DEPOSIT -> new Deposit(id, state.accountAt(credited[i]), amount);
            default -> new Withdrawal(id, state.accountAt(debited[i]), amount);
        };
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
            types = new byte[length];
            plans = new byte[length];
            kinds = new byte[length];
            offsets = new int[length];
            debited = new int[length];
            credited = new int[length];
            currencyIndexes = new int[length];
            tableSlots = new int[length];
            amounts = new long[length];
            keys = new long[KEY_LONGS * 2 * length];
            decoded = new Object[length];
        }
    }

    @Override
    public String toString() {
        return "BatchApplier(" + touched + ")";
    }
}
