package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * The bytes the replicated wallet puts in a Raft log entry, in its replies, and in its queries.
 * Public only for the module that replicates the wallet ({@code wallet-raft}, whose client encodes
 * batches and queries and decodes replies); applications do not use it.
 *
 * <p>A client sends the leader a batch of commands as it has them, account ids spelled out
 * (little-endian):
 * <pre>
 * uint8  format version (1)
 * int32  item count N (1 to {@link #ITEMS_MAX}; 1 to {@link #ENTRY_ITEMS_MAX} in a logged entry)
 * N x    uint8 item type, then
 *        type 1 (money command): the command as {@link EventCodec#encodeCommand} writes it
 *        type 2 (open account):  uint8 id length n, n bytes ASCII id, 3 bytes ISO 4217 code
 * </pre>
 * The leader logs the batch as a <em>resolved</em> entry instead (see
 * {@link BatchApplier#resolve}): every money command whose accounts the leader's state already
 * holds names them by account number, about half the bytes, which every replica then writes,
 * receives and applies without looking the ids up. An account's number is the order in which it
 * was opened, the same on every replica and never changed, and the leader takes it from the state
 * it has applied, which every replica has applied too before it reaches this entry.
 * <pre>
 * uint8  format version (2)
 * int32  item count N (1 to {@link #ITEMS_MAX})
 * uint8  currency count C, then C x 3 bytes ISO 4217 code: the currencies of the resolved items
 * N x    uint8 item type, then
 *        type 1 or 2: as in format 1 (a command whose accounts the leader could not resolve, an open)
 *        type 3 (resolved money command): uint8 kind, int64 id msb, int64 id lsb,
 *               varint amount in minor units, uint8 currency (an index into the entry's table),
 *               varint account number (a transfer's source; a deposit's or withdrawal's customer),
 *               then for a transfer only, varint target account number
 * </pre>
 * A varint is an unsigned LEB128 number in its shortest form (7 bits a byte, low bits first, the
 * high bit set on every byte but the last). A resolved command is decided exactly as the format-1
 * command naming the ids of those accounts would be.
 *
 * <p>Reply to an entry: one byte per item, in order: a money command's {@link Status#code()} with bit
 * 0x80 set for a replay; an open's {@link OpenResult} ordinal; {@link #CAPACITY_EXCEEDED} when the
 * idempotency index had no room (nothing changed for that item).
 *
 * <p>Query: uint8 kind; kind 1 (balance) is followed by the account as in an open item (without
 * currency); the reply is uint8 present, then int64 minor units and 3 bytes currency when present.
 * Kind 2 (state) has no body; the reply is int64 applied log index, int64 event sequence, int64
 * transaction ids held in memory and the 32-byte SHA-256 state digest.
 */
public final class BatchCodec {

    /** The format clients send. */
    public static final byte VERSION = 1;
    /** The format the leader logs, with resolved items. */
    static final byte VERSION_RESOLVED = 2;
    static final byte MONEY = 1;
    static final byte OPEN = 2;
    static final byte RESOLVED = 3;
    static final byte QUERY_BALANCE = 1;
    static final byte QUERY_STATE = 2;
    static final byte QUERY_LOOKUP = 3;
    static final byte QUERY_BALANCES = 4;
    public static final byte REPLAY_BIT = (byte) 0x80;
    public static final byte CAPACITY_EXCEEDED = 0x7f;
    /** Most items a batch the leader accepts may hold: four times the client's largest entry, and a bound on what it sizes for. */
    static final int ITEMS_MAX = 1 << 16;
    /**
     * Most items a logged entry may hold. Larger than {@link #ITEMS_MAX}: a leader of an earlier
     * version accepted batches of up to this many, and a replica replaying its log must decide
     * them as the replicas whose snapshots already hold them did.
     */
    static final int ENTRY_ITEMS_MAX = 1 << 20;
    /** Bytes of a money item up to its first account id: type, kind, id halves, amount, currency, the id's length. */
    static final int MONEY_HEAD = 1 + 1 + 8 + 8 + 8 + 3 + 1;
    /** Bytes of a resolved item before its amount: type, kind, id halves. */
    static final int RESOLVED_HEAD = 1 + 1 + 8 + 8;
    /** Most currencies one resolved entry's table holds; items in others stay in format 1. */
    static final int CURRENCIES_MAX = 255;
    /** Most bytes of a varint: a long that is not negative, 63 bits at 7 a byte. */
    private static final int VARINT_BYTES_MAX = 9;

    /** One item of a batch: a money command or an account to open. */
    sealed interface Item permits Command, Open {
    }

    record Command(MoneyCommand command) implements Item {
    }

    record Open(AccountId account, Currency currency) implements Item {
    }

    /** The state a replica reports: where it is and a digest of everything it holds. */
    public record StateReport(long appliedIndex, long sequence, long idsInMemory, byte[] digest) {
    }

    private BatchCodec() {
    }

    /** A format-1 batch of {@code items}, as a client sends it. */
    static ByteBuffer encode(List<? extends Item> items) {
        int bytes = 5;
        for (Item item : items) {
            bytes += item instanceof Command money ? moneyItemBytes(money.command()) : openItemBytes(((Open) item).account());
        }
        ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put(VERSION).putInt(items.size());
        for (Item item : items) {
            if (item instanceof Command money) {
                putMoneyItem(money.command(), out);
            } else {
                putOpenItem(((Open) item).account(), ((Open) item).currency(), out);
            }
        }
        return out.flip();
    }

    /** The bytes of a money command's item in a format-1 batch (its type byte included). */
    public static int moneyItemBytes(MoneyCommand command) {
        return 1 + EventCodec.commandBytes(command);
    }

    /** Writes a money command's item (its type byte included) at the buffer's position, little-endian. */
    public static void putMoneyItem(MoneyCommand command, ByteBuffer out) {
        out.put(MONEY);
        EventCodec.encodeCommand(command, out);
    }

    /** The bytes of an open's item in a format-1 batch (its type byte included). */
    public static int openItemBytes(AccountId account) {
        return 1 + 1 + account.value().length() + 3;
    }

    /** Writes an open's item (its type byte included) at the buffer's position. */
    public static void putOpenItem(AccountId account, Currency currency, ByteBuffer out) {
        out.put(OPEN);
        EventCodec.putAscii(account.value(), out);
        EventCodec.putCurrency(currency, out);
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
        return packedCode(in, at + 26);
    }

    /** The three currency code bytes at {@code at}, packed in an int, the first in the low byte. */
    static int packedCode(ByteBuffer in, int at) {
        return (in.get(at) & 0xff) | (in.get(at + 1) & 0xff) << 8 | (in.get(at + 2) & 0xff) << 16;
    }

    /** The number of bytes {@link #putVarint} writes for {@code value} (not negative). */
    static int varintBytes(long value) {
        return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
    }

    /** Writes {@code value} (not negative) as a varint at the buffer's position. */
    static void putVarint(ByteBuffer out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.put((byte) (value & 0x7f | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }

    /**
     * The varint at {@code at}, absolute; it takes {@link #varintBytes} of its value.
     *
     * @throws IllegalArgumentException when it is longer than its value needs, longer than 9
     *                                  bytes, or runs past the buffer's limit
     */
    static long getVarint(ByteBuffer in, int at) {
        long value = 0;
        for (int i = 0; i < VARINT_BYTES_MAX; i++) {
            if (at + i >= in.limit()) {
                throw new IllegalArgumentException("batch entry ends inside an item");
            }
            byte b = in.get(at + i);
            value |= (long) (b & 0x7f) << (7 * i);
            if (b >= 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("a varint at byte " + at + " is longer than its value needs");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("a varint at byte " + at + " is longer than " + VARINT_BYTES_MAX + " bytes");
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

    public static ByteBuffer balanceQuery(AccountId account) {
        ByteBuffer out = ByteBuffer.allocate(2 + account.value().length());
        out.put(QUERY_BALANCE);
        EventCodec.putAscii(account.value(), out);
        return out.flip();
    }

    /** Layout: kind (1), id's most and least significant bits (8 + 8, little-endian). */
    public static ByteBuffer lookupQuery(TransactionId id) {
        ByteBuffer out = ByteBuffer.allocate(17).order(ByteOrder.LITTLE_ENDIAN);
        out.put(QUERY_LOOKUP).putLong(id.value().getMostSignificantBits()).putLong(id.value().getLeastSignificantBits());
        return out.flip();
    }

    static TransactionId decodeLookupQuery(ByteBuffer in) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        in.get();
        return TransactionId.of(in.getLong(), in.getLong());
    }

    /** Layout: 0 for an id never decided, or the status code of its outcome (1 byte). */
    static ByteBuffer encodeLookup(Optional<TransactionLookup> lookup) {
        return ByteBuffer.wrap(new byte[] {lookup.flatMap(TransactionLookup::status).map(Status::code).orElse((byte) 0)});
    }

    public static Optional<Status> decodeLookup(ByteBuffer in) {
        byte code = in.get(in.position());
        return code == 0 ? Optional.empty() : Optional.of(Status.fromCode(code));
    }

    /** Layout: kind (1), count (4, little-endian), then each account as {@link EventCodec#putAscii}. */
    public static ByteBuffer balancesQuery(List<AccountId> accounts) {
        int size = 5;
        for (AccountId account : accounts) {
            size += 1 + account.value().length();
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(QUERY_BALANCES).putInt(accounts.size());
        accounts.forEach(account -> EventCodec.putAscii(account.value(), out));
        return out.flip();
    }

    static List<AccountId> decodeBalancesQuery(ByteBuffer in) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        in.get();
        int count = in.getInt();
        if (count < 0 || count > in.remaining()) {
            throw new IllegalArgumentException("a balances query of " + count + " accounts in " + in.remaining() + " bytes");
        }
        List<AccountId> accounts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            // The canonical constructor: a query may name a funding account.
            accounts.add(new AccountId(EventCodec.getAscii(in)));
        }
        return accounts;
    }

    /** Layout: per account of the query in order, {@link #encodeBalance}'s layout. */
    static ByteBuffer encodeBalances(List<Optional<Money>> balances) {
        ByteBuffer out = ByteBuffer.allocate(12 * balances.size()).order(ByteOrder.LITTLE_ENDIAN);
        balances.forEach(balance -> out.put(encodeBalance(balance)));
        return out.flip();
    }

    public static List<Optional<Money>> decodeBalances(ByteBuffer in, int count) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        List<Optional<Money>> balances = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (in.get() == 0) {
                balances.add(Optional.empty());
            } else {
                long minor = in.getLong();
                balances.add(Optional.of(Money.of(EventCodec.getCurrency(in), minor)));
            }
        }
        return balances;
    }

    public static ByteBuffer stateQuery() {
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

    public static Optional<Money> decodeBalance(ByteBuffer in) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.get() == 0) {
            return Optional.empty();
        }
        long minor = in.getLong();
        return Optional.of(Money.of(EventCodec.getCurrency(in), minor));
    }

    static ByteBuffer encodeState(StateReport report) {
        ByteBuffer out = ByteBuffer.allocate(24 + report.digest().length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(report.appliedIndex()).putLong(report.sequence()).putLong(report.idsInMemory()).put(report.digest());
        return out.flip();
    }

    public static StateReport decodeState(ByteBuffer in) {
        in = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        long index = in.getLong();
        long sequence = in.getLong();
        long idsInMemory = in.getLong();
        byte[] digest = new byte[in.remaining()];
        in.get(digest);
        return new StateReport(index, sequence, idsInMemory, digest);
    }

    static AccountId decodeBalanceQuery(ByteBuffer in) {
        in = in.slice();
        in.get();
        // The canonical constructor: a balance query may name a funding account.
        return new AccountId(EventCodec.getAscii(in));
    }
}
