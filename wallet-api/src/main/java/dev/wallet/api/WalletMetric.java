package dev.wallet.api;

import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * One figure a wallet reports about its own work ({@link Wallet#metrics()}): how many journal
 * commits it made, how long they took, how many Raft leader changes it saw. A counter only grows;
 * a gauge is a current value. Reading one is cheap and never blocks, so a metrics scrape can read
 * them all at any time.
 *
 * <p>This type is the wallet's metrics in a form that needs no library; {@code
 * dev.wallet.api.micrometer.WalletMeterBinder} binds them to a Micrometer registry where the
 * application has one. Names are dotted lower case, Micrometer's convention
 * ({@code wallet.journal.commits}); each registry renders them in its own way
 * ({@code wallet_journal_commits_total} in Prometheus).
 *
 * <p>Immutable and thread-safe, as long as {@code value} is.
 */
public final class WalletMetric {

    /** Whether the figure only grows or is a current value. */
    public enum Kind {
        COUNTER,
        GAUGE
    }

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");

    private final String name;
    private final Kind kind;
    private final String description;
    private final String baseUnit;
    private final DoubleSupplier value;

    private WalletMetric(String name, Kind kind, String description, String baseUnit, DoubleSupplier value) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a metric name is dotted lower case, like wallet.journal.commits: " + name);
        }
        this.name = name;
        this.kind = kind;
        this.description = Objects.requireNonNull(description, "description");
        this.baseUnit = baseUnit;
        this.value = Objects.requireNonNull(value, "value");
    }

    /** A figure that only grows, such as commits made or seconds spent; {@code baseUnit} may be null. */
    public static WalletMetric counter(String name, String description, String baseUnit, DoubleSupplier value) {
        return new WalletMetric(name, Kind.COUNTER, description, baseUnit, value);
    }

    /** A current value, such as requests waiting in a queue; {@code baseUnit} may be null. */
    public static WalletMetric gauge(String name, String description, String baseUnit, DoubleSupplier value) {
        return new WalletMetric(name, Kind.GAUGE, description, baseUnit, value);
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return description;
    }

    /** The unit, such as {@code seconds}, {@code commits} or {@code events}; null when it has none. */
    public String baseUnit() {
        return baseUnit;
    }

    /** The figure now. */
    public double value() {
        return value.getAsDouble();
    }

    /** The supplier of the figure, for bindings that read it on each scrape. */
    public DoubleSupplier supplier() {
        return value;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name + " = " + value();
    }
}
