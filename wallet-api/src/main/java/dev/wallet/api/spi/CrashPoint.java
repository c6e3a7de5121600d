package dev.wallet.api.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named place in a strategy's code where a test can make the process "die" (see
 * {@link FaultInjector}).
 *
 * @param name        a stable name of lower-case letters, digits, dots and dashes, e.g.
 *                    {@code memory.after-debit}
 * @param description what has and has not happened when the crash hits, in a sentence
 */
public record CrashPoint(String name, String description) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]+([.-][a-z0-9]+)*");

    public CrashPoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("crash point name must be lower-case words joined by '.' or '-': " + name);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
