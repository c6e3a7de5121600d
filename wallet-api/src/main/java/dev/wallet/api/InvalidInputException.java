package dev.wallet.api;

import java.util.Objects;

/**
 * A field of a request is malformed. Nothing was changed. The message names the field, quotes the
 * rejected value and says what is wrong with it, e.g.
 * {@code amount: "1.234" has 3 fraction digits but USD allows at most 2}.
 */
public final class InvalidInputException extends WalletException {

    private static final int QUOTED_LENGTH_MAX = 80;

    private final String field;
    private final String rejectedValue;
    private final String reason;

    /**
     * @param field         the field's name as the caller knows it ({@code amount}, {@code from_account})
     * @param rejectedValue the value as given, {@code null} when it was missing
     * @param reason        what is wrong, as the end of a sentence
     */
    public InvalidInputException(String field, String rejectedValue, String reason) {
        super(field + ": " + quote(rejectedValue) + " " + reason);
        this.field = Objects.requireNonNull(field, "field");
        this.rejectedValue = rejectedValue;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The name of the malformed field. */
    public String field() {
        return field;
    }

    /** The value as given, or {@code null} when the field was missing. */
    public String rejectedValue() {
        return rejectedValue;
    }

    /** What is wrong with the value. */
    public String reason() {
        return reason;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }

    /** Quotes a value for a message: control and non-ASCII characters escaped, length bounded. */
    static String quote(String value) {
        if (value == null) {
            return "(missing)";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), QUOTED_LENGTH_MAX) + 8).append('"');
        for (int i = 0; i < value.length(); i++) {
            if (out.length() > QUOTED_LENGTH_MAX) {
                out.append("...(").append(value.length()).append(" chars)");
                break;
            }
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
