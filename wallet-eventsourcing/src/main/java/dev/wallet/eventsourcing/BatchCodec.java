package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Status;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * The bytes the replicated wallet puts in a Raft log entry, in its replies, and in its queries.
 *
 * <p>Log entry (little-endian), one batch of commands decided in order:
 * <pre>
 * uint8  format version (1)
 * int32  item count N (1 to {@link #ITEMS_MAX})
 * N x    uint8 item type, then
 *        type 1 (money command): the command as {@link EventCodec#encodeCommand} writes it
 *        type 2 (open account):  uint8 id length n, n bytes ASCII id, 3 bytes ISO 4217 code
 * </pre>
 * Reply to an entry: one byte per item, in order: a money command's {@link Status#code()} with bit
 * 0x80 set for a replay; an open's {@link OpenResult} ordinal; {@link #CAPACITY_EXCEEDED} when the
 * idempotency index had no room (nothing changed for that item).
 *
 * <p>Query: uint8 kind; kind 1 (balance) is followed by the account as in an open item (without
 * currency); the reply is uint8 present, then int64 minor units and 3 bytes currency when present.
 * Kind 2 (state) has no body; the reply is int64 applied log index, int64 event sequence and the
 * 32-byte SHA-256 state digest.
 */
final class BatchCodec {

    static final byte VERSION = 1;
    static final byte MONEY = 1;
    static final byte OPEN = 2;
    static final byte QUERY_BALANCE = 1;
    static final byte QUERY_STATE = 2;
    static final byte REPLAY_BIT = (byte) 0x80;
    static final byte CAPACITY_EXCEEDED = 0x7f;
    static final int ITEMS_MAX = 1 << 20;
    /** Bytes of a money item up to its first account id: type, kind, id halves, amount, currency, the id's length. */
    static final int MONEY_HEAD = 1 + 1 + 8 + 8 + 8 + 3 + 1;
    /** ASCII 0-63 and 64-127 as bit sets: digits, then letters; and those with . : - (low) and @ _ (high). */
    private static final long ALPHANUMERIC_LOW = 0x03FF_0000_0000_0000L;
    private static final long ALPHANUMERIC_HIGH = 0x07FF_FFFE_07FF_FFFEL;
    private static final long ID_CHAR_LOW = ALPHANUMERIC_LOW | 1L << '.' | 1L << ':' | 1L << '-';
    private static final long ID_CHAR_HIGH = ALPHANUMERIC_HIGH | 1L << ('@' - 64) | 1L << ('_' - 64);

    /** One item of a batch: a money command or an account to open. */
    sealed interface Item permits Command, Open {
    }

    record Command(MoneyCommand command) implements Item {
    }

    record Open(AccountId account, Currency currency) implements Item {
    }

    /** The state a replica reports: where it is and a digest of everything it holds. */
    record StateReport(long appliedIndex, long sequence, byte[] digest) {
    }

    private BatchCodec() {
    }

    static ByteBuffer encode(List<? extends Item> items) {
        int bytes = 5;
        for (Item item : items) {
            bytes += 1 + (item instanceof Command money ? EventCodec.commandBytes(money.command())
                    : 1 + ((Open) item).account().value().length() + 3);
        }
        ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put(VERSION).putInt(items.size());
        for (Item item : items) {
            if (item instanceof Command money) {
                out.put(MONEY);
                EventCodec.encodeCommand(money.command(), out);
            } else {
                Open open = (Open) item;
                out.put(OPEN);
                EventCodec.putAscii(open.account().value(), out);
                EventCodec.putCurrency(open.currency(), out);
            }
        }
        return out.flip();
    }

    /**
     * Decodes a log entry; every field is validated by the value types it rebuilds.
     *
     * @throws IllegalArgumentException when the bytes are not a valid entry
     */
    static List<Item> decode(ByteBuffer in) {
        try {
            in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown batch format version " + version);
            }
            int count = in.getInt();
            if (count < 1 || count > ITEMS_MAX) {
                throw new IllegalArgumentException("batch item count out of range: " + count);
            }
            List<Item> items = new ArrayList<>(Math.min(count, in.remaining()));
            for (int i = 0; i < count; i++) {
                byte type = in.get();
                if (type == MONEY) {
                    items.add(new Command(EventCodec.decodeCommand(in)));
                } else if (type == OPEN) {
                    items.add(decodeOpen(in));
                } else {
                    throw new IllegalArgumentException("unknown batch item type " + type);
                }
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last batch item");
            }
            return items;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("batch entry ends inside an item", e);
        }
    }

    /**
     * Checks a log entry as {@link #decode} does, refusing exactly the entries it refuses, without
     * building objects for the common case: a money command whose fields are plainly valid (see
     * {@link #plainMoneyFields} and {@link #plainAccountId}, in a currency the canonical decoding
     * accepted earlier in the entry) is only read; any other item is decoded the canonical way, the
     * one place the rules live.
     *
     * @throws IllegalArgumentException when the bytes are not a valid entry
     */
    static void validate(ByteBuffer entry) {
        ByteBuffer in = entry.slice().order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte version = in.get(0);
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown batch format version " + version);
            }
            int count = in.getInt(1);
            if (count < 1 || count > ITEMS_MAX) {
                throw new IllegalArgumentException("batch item count out of range: " + count);
            }
            int at = 5;
            int acceptedCurrency = -1;
            for (int i = 0; i < count; i++) {
                byte type = in.get(at);
                if (type == MONEY) {
                    int firstLength = in.get(at + MONEY_HEAD - 1) & 0xff;
                    int second = at + MONEY_HEAD + firstLength + 1;
                    int secondLength = in.get(second - 1) & 0xff;
                    int end = second + secondLength;
                    if (end > in.limit()) {
                        throw new IllegalArgumentException("batch entry ends inside an item");
                    }
                    boolean plain = plainMoneyFields(in, at) && currencyCode(in, at) == acceptedCurrency
                            && plainAccountId(in, at + MONEY_HEAD, firstLength)
                            && (in.get(at + 1) != CommandKind.TRANSFER || plainAccountId(in, second, secondLength));
                    if (!plain) {
                        EventCodec.decodeCommand(in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1));
                        acceptedCurrency = currencyCode(in, at);
                    }
                    at = end;
                } else if (type == OPEN) {
                    ByteBuffer item = in.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at + 1);
                    decodeOpen(item);
                    at = item.position();
                } else {
                    throw new IllegalArgumentException("unknown batch item type " + type);
                }
            }
            if (at != in.limit()) {
                throw new IllegalArgumentException((in.limit() - at) + " bytes after the last batch item");
            }
        } catch (RuntimeException e) {
            throw invalidEntry(e);
        }
    }

    /**
     * What reading an entry throws, as the one error a refused entry gets: framing cut short
     * (a buffer underflow or an index out of bounds) or a field the value types refuse (an
     * {@code InvalidInputException}) become an {@link IllegalArgumentException}.
     */
    static IllegalArgumentException invalidEntry(RuntimeException e) {
        if (e instanceof BufferUnderflowException || e instanceof IndexOutOfBoundsException) {
            return new IllegalArgumentException("batch entry ends inside an item", e);
        }
        return e instanceof IllegalArgumentException invalid ? invalid : new IllegalArgumentException(e.getMessage(), e);
    }

    /**
     * Whether the kind, id and amount of the money item at {@code at} (its type byte) are plainly
     * valid: a known kind, a non-nil id, an amount above zero and at most {@link Money#MAX_AMOUNT_MINOR}.
     * Never true for fields the value types refuse.
     */
    static boolean plainMoneyFields(ByteBuffer in, int at) {
        byte kind = in.get(at + 1);
        long amount = in.getLong(at + 18);
        return kind >= CommandKind.TRANSFER && kind <= CommandKind.WITHDRAWAL
                && (in.getLong(at + 2) != 0 || in.getLong(at + 10) != 0)
                && amount > 0 && amount <= Money.MAX_AMOUNT_MINOR;
    }

    /** The three currency code bytes of the money item at {@code at}, packed in an int. */
    static int currencyCode(ByteBuffer in, int at) {
        return (in.get(at + 26) & 0xff) | (in.get(at + 27) & 0xff) << 8 | (in.get(at + 28) & 0xff) << 16;
    }

    /**
     * Whether {@code length} bytes at {@code offset} are plainly a customer account id: 1 to
     * {@value AccountId#LENGTH_MAX} ASCII letters, digits and {@code . _ : @ -}, starting with a
     * letter or digit. Never true for an id {@link AccountId#of(String)} refuses.
     */
    static boolean plainAccountId(ByteBuffer in, int offset, int length) {
        if (length < 1 || length > AccountId.LENGTH_MAX || !idChar(in.get(offset), ALPHANUMERIC_LOW, ALPHANUMERIC_HIGH)) {
            return false;
        }
        for (int i = 1; i < length; i++) {
            if (!idChar(in.get(offset + i), ID_CHAR_LOW, ID_CHAR_HIGH)) {
                return false;
            }
        }
        return true;
    }

    private static boolean idChar(byte b, long low, long high) {
        return b >= 0 && ((b < 64 ? low : high) >>> (b & 63) & 1) != 0;
    }

    /** Decodes an open item's body (after its type byte) at the buffer's position. */
    static Open decodeOpen(ByteBuffer in) {
        AccountId account = AccountId.of(EventCodec.getAscii(in));
        Currency currency = EventCodec.getCurrency(in);
        if (account.isFunding()) {
            throw new IllegalArgumentException("a batch opens a funding account: " + account);
        }
        Currencies.requireSupported("currency", currency);
        return new Open(account, currency);
    }

    static byte outcomeCode(Status status, boolean replay) {
        return (byte) (status.code() | (replay ? REPLAY_BIT : 0));
    }

    static ByteBuffer balanceQuery(AccountId account) {
        ByteBuffer out = ByteBuffer.allocate(2 + account.value().length());
        out.put(QUERY_BALANCE);
        EventCodec.putAscii(account.value(), out);
        return out.flip();
    }

    static ByteBuffer stateQuery() {
        return ByteBuffer.wrap(new byte[] {QUERY_STATE});
    }

    static ByteBuffer encodeBalance(Optional<Money> balance) {
        ByteBuffer out = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) (balance.isPresent() ? 1 : 0));
        balance.ifPresent(money -> {
            out.putLong(money.minor());
            EventCodec.putCurrency(money.currency(), out);
        });
        return out.flip();
    }

    static Optional<Money> decodeBalance(ByteBuffer in) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.get() == 0) {
            return Optional.empty();
        }
        long minor = in.getLong();
        return Optional.of(Money.of(EventCodec.getCurrency(in), minor));
    }

    static ByteBuffer encodeState(StateReport report) {
        ByteBuffer out = ByteBuffer.allocate(16 + report.digest().length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(report.appliedIndex()).putLong(report.sequence()).put(report.digest());
        return out.flip();
    }

    static StateReport decodeState(ByteBuffer in) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        long index = in.getLong();
        long sequence = in.getLong();
        byte[] digest = new byte[in.remaining()];
        in.get(digest);
        return new StateReport(index, sequence, digest);
    }

    static AccountId decodeBalanceQuery(ByteBuffer in) {
        in = in.slice();
        in.get();
        // The canonical constructor: a balance query may name a funding account.
        return new AccountId(EventCodec.getAscii(in));
    }
}
