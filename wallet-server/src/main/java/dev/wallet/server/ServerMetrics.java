package dev.wallet.server;

import dev.wallet.api.Wallet;
import dev.wallet.api.micrometer.WalletMeterBinder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The server's meters, in a Prometheus registry scraped at {@code GET /metrics}:
 * <ul>
 *   <li>{@code wallet_http_requests_seconds} (histogram) by endpoint and HTTP status;</li>
 *   <li>{@code wallet_http_outcomes_total} by endpoint and outcome (success, insufficient_funds,
 *       rejected, unavailable, ...; a batch counts each of its items);</li>
 *   <li>{@code wallet_http_requests_in_flight}, {@code wallet_http_connections};</li>
 *   <li>{@code wallet_http_rejections_total} by reason (overload, request_timeout, idle_timeout, write_timeout,
 *       body_too_large, bad_request, connections, shutting_down);</li>
 *   <li>{@code wallet_http_batch_items} (histogram of batch sizes);</li>
 *   <li>the wallet's own figures ({@link Wallet#metrics()}) and the JVM's.</li>
 * </ul>
 * Meters are looked up once per endpoint, status and outcome and then kept, so that recording
 * costs a map read and an atomic add.
 */
final class ServerMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final DistributionSummary batchItems;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    ServerMetrics(Wallet wallet, String strategy, IntSupplier inFlight, IntSupplier connections) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("strategy", strategy);
        Gauge.builder("wallet.http.requests.in.flight", inFlight::getAsInt)
                .description("Wallet requests admitted and not yet answered").register(registry);
        Gauge.builder("wallet.http.connections", connections::getAsInt)
                .description("Open client connections").register(registry);
        batchItems = DistributionSummary.builder("wallet.http.batch.items").description("Transfers per batch request")
                .publishPercentileHistogram().minimumExpectedValue(1.0)
                .maximumExpectedValue((double) Api.BATCH_ITEMS_MAX).register(registry);
        new WalletMeterBinder(wallet).bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Records an answer: its latency from the request's first byte, its status and its outcome. */
    void answered(Api.Endpoint endpoint, Response response, long nanos) {
        String key = endpoint.tag + ' ' + response.code();
        timers.computeIfAbsent(key, k -> Timer.builder("wallet.http.requests")
                .description("Requests answered, from their first byte to the answer, by endpoint and status")
                .tags(Tags.of("endpoint", endpoint.tag, "status", Integer.toString(response.code())))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        if (endpoint != Api.Endpoint.TRANSFERS || response.code() != 200) {
            outcome(endpoint, response.outcome(), 1);
        }
    }

    /** Counts outcomes of one kind; a batch counts its items one by one. */
    void outcome(Api.Endpoint endpoint, String outcome, long count) {
        counters.computeIfAbsent(endpoint.tag + ' ' + outcome, k -> Counter.builder("wallet.http.outcomes")
                .description("Outcomes answered, by endpoint and kind; a batch counts each item")
                .tags(Tags.of("endpoint", endpoint.tag, "outcome", outcome)).register(registry))
                .increment(count);
    }

    void batch(int items, int malformed) {
        batchItems.record(items);
        if (malformed > 0) {
            outcome(Api.Endpoint.TRANSFERS, "rejected", malformed);
        }
    }

    void rejected(String reason) {
        counters.computeIfAbsent("rejection " + reason, k -> Counter.builder("wallet.http.rejections")
                .description("Requests or connections the server refused before they reached the wallet, by reason")
                .tags(Tags.of("reason", reason)).register(registry)).increment();
    }

    /** The Prometheus text exposition of every meter. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
