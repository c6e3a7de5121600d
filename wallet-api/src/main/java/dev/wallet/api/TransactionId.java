package dev.wallet.api;

import java.util.Objects;
import java.util.UUID;

/**
 * The client-chosen id of a money command, a UUID, used as its idempotency key: repeating a
 * command with the same id and the same payload returns the original outcome and moves no money;
 * the same id with a different payload is a {@link Status#CONFLICT}. The nil UUID is rejected as
 * the usual sign of an id that was never set.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the UUID
 */
public record TransactionId(UUID value) {

    private static final UUID NIL = new UUID(0, 0);

    public TransactionId {
        Objects.requireNonNull(value, "value");
        if (value.equals(NIL)) {
            throw new InvalidInputException("transaction_id", value.toString(), "is the nil UUID");
        }
    }

    /** A new random (version 4) id. */
    public static TransactionId random() {
        return new TransactionId(UUID.randomUUID());
    }

    /** The id made of two longs, the most significant first; used by storage formats. */
    public static TransactionId of(long mostSignificantBits, long leastSignificantBits) {
        return new TransactionId(new UUID(mostSignificantBits, leastSignificantBits));
    }

    /**
     * Parses the canonical 36-character form {@code 01589980-2664-11ec-9621-0242ac130002}
     * (hex digits in either case).
     *
     * @throws InvalidInputException naming the field {@code transaction_id}
     */
    public static TransactionId parse(String text) {
        return parse("transaction_id", text);
    }

    /** As {@link #parse(String)}, naming {@code field} in errors. */
    public static TransactionId parse(String field, String text) {
        if (text == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (text.length() != 36) {
            throw new InvalidInputException(field, text, "is not a UUID in the form 8-4-4-4-12 hex digits");
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            boolean ok = dash ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) {
                throw new InvalidInputException(field, text, "is not a UUID in the form 8-4-4-4-12 hex digits");
            }
        }
        UUID uuid = UUID.fromString(text);
        if (uuid.equals(NIL)) {
            throw new InvalidInputException(field, text, "is the nil UUID");
        }
        return new TransactionId(uuid);
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
