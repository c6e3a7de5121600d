package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit: every caller returns only after a force that began after its call and ended
 * before it returned; concurrent callers share forces.
 */
class SyncerTest {

    private HikariDataSource pool;

    @BeforeEach
    void pool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:syncer-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(4);
        config.setAutoCommit(false);
        pool = new HikariDataSource(config);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    /**
     * A dialect whose force takes a while and records, on a logical clock shared with the callers,
     * when each force began and ended.
     */
    private static final class CountingDialect extends H2Dialect {
        final AtomicLong clock = new AtomicLong();
        final AtomicInteger forces = new AtomicInteger();
        /** [start, end] of every finished force. */
        final List<long[]> spans = new CopyOnWriteArrayList<>();

        @Override
        public void forceToDisk(Connection any) {
            long start = clock.incrementAndGet();
            forces.incrementAndGet();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            spans.add(new long[] {start, clock.incrementAndGet()});
        }

        /** Whether some force began after {@code asked} and ended before {@code returned}. */
        boolean covered(long asked, long returned) {
            for (long[] span : spans) {
                if (span[0] > asked && span[1] < returned) {
                    return true;
                }
            }
            return false;
        }
    }

    @Test
    void concurrentCallersShareForcesAndEachIsCoveredByOneThatStartedAfterIt() throws Exception {
        CountingDialect dialect = new CountingDialect();
        Syncer syncer = new Syncer(pool, dialect, true);
        int callers = 8;
        int calls = 40;
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        List<String> uncovered = new CopyOnWriteArrayList<>();
        for (int t = 0; t < callers; t++) {
            done.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < calls; i++) {
                    // The caller's commit happened before this stamp; a force that began later holds it.
                    long asked = dialect.clock.incrementAndGet();
                    syncer.force();
                    long returned = dialect.clock.incrementAndGet();
                    if (!dialect.covered(asked, returned)) {
                        uncovered.add("asked at " + asked + ", returned at " + returned);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> future : done) {
            future.get(60, TimeUnit.SECONDS);
        }
        threads.shutdown();
        assertTrue(uncovered.isEmpty(), () -> uncovered.size() + " calls returned without a whole force that began after "
                + "they asked, e.g. " + uncovered.subList(0, Math.min(5, uncovered.size())));
        assertTrue(dialect.forces.get() < callers * calls, "forces were shared: " + dialect.forces.get());
    }

    @Test
    void disabledSyncerForcesNothing() {
        CountingDialect dialect = new CountingDialect();
        new Syncer(pool, dialect, false).force();
        assertEquals(0, dialect.forces.get());
    }
}
