package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Currency;

/**
 * Binary payloads of the journal's records (little-endian). One record type per event:
 *
 * <pre>
 * type 1 FUNDING_OPENED    int32 index, 3 bytes currency code (ASCII)                          7 bytes
 * type 2 ACCOUNT_OPENED    int32 index, 3 bytes currency code, uint8 id length n, n bytes id  8+n bytes
 * type 3 MONEY_MOVED       uint8 kind (1 transfer, 2 deposit, 3 withdrawal),
 *                          int64 id msb, int64 id lsb, int32 debited index,
 *                          int32 credited index, int64 amount in minor units                 33 bytes
 * type 4 COMMAND_REJECTED  uint8 status ({@link Status#code()}), then a command:
 *                          uint8 kind, int64 id msb, int64 id lsb, int64 amount,
 *                          3 bytes currency code, uint8 n1 + n1 bytes first account id
 *                          (transfer source, or the deposit's/withdrawal's account),
 *                          uint8 n2 + n2 bytes second account id (transfer target; n2 = 0 otherwise)
 * </pre>
 *
 * Account ids are ASCII by construction ({@link AccountId}), at most 64 bytes. Snapshots use the
 * same command encoding for commands kept whole.
 */
final class EventCodec {

    static final byte FUNDING_OPENED = 1;
    static final byte ACCOUNT_OPENED = 2;
    static final byte MONEY_MOVED = 3;
    static final byte COMMAND_REJECTED = 4;

    /** The largest payload any event encodes to. */
    static final int PAYLOAD_MAX = 1 + 1 + 8 + 8 + 8 + 3 + 1 + AccountId.LENGTH_MAX + 1 + AccountId.LENGTH_MAX;

    /** The fixed part of a COMMAND_REJECTED payload: status, kind, id, amount, currency, two length bytes. */
    private static final int REJECTED_FIXED = 1 + 1 + 8 + 8 + 8 + 3 + 1 + 1;

    private EventCodec() {
    }

    /**
     * Whether {@code length} is a possible payload length for {@code type}: a record whose length
     * does not fit its type is corrupt, never a torn write (a torn write keeps its header intact).
     */
    static boolean plausibleLength(byte type, int length) {
        return switch (type) {
            case MONEY_MOVED -> length == 33;
            case FUNDING_OPENED -> length == 7;
            case ACCOUNT_OPENED -> length >= 9 && length <= 8 + AccountId.LENGTH_MAX;
            case COMMAND_REJECTED -> length >= REJECTED_FIXED + 1 && length <= PAYLOAD_MAX;
            default -> false;
        };
    }

    static byte typeOf(Event event) {
        if (event instanceof Event.MoneyMoved) {
            return MONEY_MOVED;
        }
        if (event instanceof Event.CommandRejected) {
            return COMMAND_REJECTED;
        }
        if (event instanceof Event.AccountOpened) {
            return ACCOUNT_OPENED;
        }
        return FUNDING_OPENED;
    }

    /** Writes the event's payload at the buffer's position. */
    static void encode(Event event, ByteBuffer out) {
        if (event instanceof Event.MoneyMoved moved) {
            out.put(moved.kind()).putLong(moved.idMsb()).putLong(moved.idLsb())
                    .putInt(moved.debited()).putInt(moved.credited()).putLong(moved.amountMinor());
        } else if (event instanceof Event.CommandRejected rejected) {
            out.put(rejected.status().code());
            encodeCommand(rejected.command(), out);
        } else if (event instanceof Event.AccountOpened opened) {
            out.putInt(opened.index());
            putCurrency(opened.currency(), out);
            putAscii(opened.account().value(), out);
        } else {
            Event.FundingOpened funding = (Event.FundingOpened) event;
            out.putInt(funding.index());
            putCurrency(funding.currency(), out);
        }
    }

    /**
     * Reads a payload of {@code type} from the buffer's position to its limit.
     *
     * @throws RuntimeException when the payload does not decode (unknown type, bytes left over or
     *                          missing, a field that is not valid); the journal reports it as corruption
     */
    static Event decode(byte type, ByteBuffer in) {
        Event event = switch (type) {
            case MONEY_MOVED -> new Event.MoneyMoved(in.get(), in.getLong(), in.getLong(), in.getInt(), in.getInt(), in.getLong());
            case COMMAND_REJECTED -> {
                Status status = Status.fromCode(in.get());
                yield new Event.CommandRejected(decodeCommand(in), status);
            }
            case ACCOUNT_OPENED -> {
                int index = in.getInt();
                Currency currency = getCurrency(in);
                yield new Event.AccountOpened(index, AccountId.of(getAscii(in)), currency);
            }
            case FUNDING_OPENED -> new Event.FundingOpened(in.getInt(), getCurrency(in));
            default -> throw new IllegalArgumentException("unknown record type " + type);
        };
        if (in.hasRemaining()) {
            throw new IllegalArgumentException(in.remaining() + " bytes left after the payload");
        }
        return event;
    }

    static void encodeCommand(MoneyCommand command, ByteBuffer out) {
        TransactionId id = command.transactionId();
        out.put(CommandKind.of(command)).putLong(id.value().getMostSignificantBits())
                .putLong(id.value().getLeastSignificantBits()).putLong(command.amount().minor());
        putCurrency(command.amount().currency(), out);
        if (command instanceof Transfer transfer) {
            putAscii(transfer.source().value(), out);
            putAscii(transfer.target().value(), out);
        } else {
            putAscii(command instanceof Deposit deposit ? deposit.account().value() : ((Withdrawal) command).account().value(), out);
            out.put((byte) 0);
        }
    }

    /** The number of bytes {@link #encodeCommand} writes for {@code command}. */
    static int commandBytes(MoneyCommand command) {
        int fixed = 1 + 8 + 8 + 8 + 3 + 1 + 1;
        if (command instanceof Transfer transfer) {
            return fixed + transfer.source().value().length() + transfer.target().value().length();
        }
        return fixed + (command instanceof Deposit deposit ? deposit.account() : ((Withdrawal) command).account()).value().length();
    }

    static MoneyCommand decodeCommand(ByteBuffer in) {
        byte kind = in.get();
        TransactionId id = TransactionId.of(in.getLong(), in.getLong());
        long amount = in.getLong();
        Money money = Money.of(getCurrency(in), amount);
        AccountId first = AccountId.of(getAscii(in));
        String second = getAscii(in);
        return switch (kind) {
            case CommandKind.TRANSFER -> new Transfer(id, first, AccountId.of(second), money);
            case CommandKind.DEPOSIT -> new Deposit(id, first, money);
            case CommandKind.WITHDRAWAL -> new Withdrawal(id, first, money);
            default -> throw new IllegalArgumentException("unknown command kind " + kind);
        };
    }

    static void putCurrency(Currency currency, ByteBuffer out) {
        String code = currency.getCurrencyCode();
        out.put((byte) code.charAt(0)).put((byte) code.charAt(1)).put((byte) code.charAt(2));
    }

    static Currency getCurrency(ByteBuffer in) {
        byte[] code = new byte[3];
        in.get(code);
        return Currencies.parse("currency", new String(code, StandardCharsets.US_ASCII));
    }

    /** Writes a length byte and the id's ASCII bytes; into a heap buffer without an intermediate array. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int) copies the low byte of each char, which is the ASCII byte.
    static void putAscii(String value, ByteBuffer out) {
        int length = value.length();
        out.put((byte) length);
        if (out.hasArray()) {
            int at = out.position();
            if (out.remaining() < length) {
                throw new BufferOverflowException();
            }
            value.getBytes(0, length, out.array(), out.arrayOffset() + at);
            out.position(at + length);
        } else {
            out.put(value.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    static String getAscii(ByteBuffer in) {
        int length = in.get() & 0xff;
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
