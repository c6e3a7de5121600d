package dev.wallet.api.micrometer;

import dev.wallet.api.Wallet;
import dev.wallet.api.WalletMetric;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;

/**
 * Binds a wallet's own figures ({@link Wallet#metrics()}) to a Micrometer registry: counters as
 * function counters, gauges as gauges, each read on every scrape.
 *
 * <pre>
 * new WalletMeterBinder(wallet, Tags.of("strategy", "event-sourcing")).bindTo(registry);
 * </pre>
 *
 * <p>Micrometer is an optional dependency of {@code wallet-api}: an application that uses this
 * class adds {@code io.micrometer:micrometer-core} itself; one that does not never loads it.
 */
public final class WalletMeterBinder implements MeterBinder {

    private final Wallet wallet;
    private final List<Tag> tags;

    public WalletMeterBinder(Wallet wallet, Iterable<Tag> tags) {
        this.wallet = Objects.requireNonNull(wallet, "wallet");
        this.tags = new java.util.ArrayList<>();
        Objects.requireNonNull(tags, "tags").forEach(this.tags::add);
    }

    public WalletMeterBinder(Wallet wallet) {
        this(wallet, List.of());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (WalletMetric metric : wallet.metrics()) {
            switch (metric.kind()) {
                case COUNTER -> FunctionCounter.builder(metric.name(), metric, WalletMetric::value)
                        .description(metric.description()).baseUnit(metric.baseUnit()).tags(tags).register(registry);
                case GAUGE -> Gauge.builder(metric.name(), metric, WalletMetric::value)
                        .description(metric.description()).baseUnit(metric.baseUnit()).tags(tags).register(registry);
            }
        }
    }
}
