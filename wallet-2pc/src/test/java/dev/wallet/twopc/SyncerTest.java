package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
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

/** Group commit: every caller returns only after a force that began after its call; concurrent callers share forces. */
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

    /** A dialect whose force takes a while and counts itself, stamping when each force began. */
    private static final class CountingDialect extends H2Dialect {
        final AtomicInteger forces = new AtomicInteger();
        final AtomicLong lastStart = new AtomicLong();

        @Override
        public void forceToDisk(Connection any) {
            lastStart.set(System.nanoTime());
            forces.incrementAndGet();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void concurrentCallersShareForcesAndEachIsCoveredByOneThatStartedAfterIt() throws Exception {
        CountingDialect dialect = new CountingDialect();
        Syncer syncer = new Syncer(pool, dialect, true);
        int callers = 8;
        int calls = 25;
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        AtomicInteger uncovered = new AtomicInteger();
        for (int t = 0; t < callers; t++) {
            done.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < calls; i++) {
                    long asked = System.nanoTime();
                    syncer.force();
                    if (dialect.lastStart.get() < asked) {
                        uncovered.incrementAndGet();
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
        assertEquals(0, uncovered.get(), "no caller returned on a force that began before it asked");
        assertTrue(dialect.forces.get() < callers * calls, "forces were shared: " + dialect.forces.get());
    }

    @Test
    void disabledSyncerForcesNothing() {
        CountingDialect dialect = new CountingDialect();
        new Syncer(pool, dialect, false).force();
        assertEquals(0, dialect.forces.get());
    }
}
