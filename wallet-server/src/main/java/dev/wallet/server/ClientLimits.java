package dev.wallet.server;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-principal limits, so that one noisy client cannot starve the others: a rate (a Bucket4j
 * token bucket refilled greedily, holding one second's worth) and a number of requests under way.
 * Thread-safe; a principal's state is created on its first request and kept (principals are few).
 */
final class ClientLimits {

    private final int rate;
    private final int concurrency;
    private final ConcurrentHashMap<String, Client> clients = new ConcurrentHashMap<>();

    private record Client(Bucket bucket, AtomicInteger underWay) {
    }

    ClientLimits(int rate, int concurrency) {
        this.rate = rate;
        this.concurrency = concurrency;
    }

    /**
     * Counts a request of {@code principal} in: 0 when it may go on (then {@link #release} must
     * follow), otherwise the seconds after which to retry.
     */
    long tryAcquire(String principal) {
        Client client = clients.computeIfAbsent(principal, name -> new Client(Bucket.builder()
                .addLimit(limit -> limit.capacity(rate).refillGreedy(rate, Duration.ofSeconds(1))).build(), new AtomicInteger()));
        if (client.underWay().incrementAndGet() > concurrency) {
            client.underWay().decrementAndGet();
            return 1;
        }
        ConsumptionProbe probe = client.bucket().tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            client.underWay().decrementAndGet();
            return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        }
        return 0;
    }

    void release(String principal) {
        Client client = clients.get(principal);
        if (client != null) {
            client.underWay().decrementAndGet();
        }
    }
}
