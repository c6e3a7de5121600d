package dev.wallet.twopc;

import dev.wallet.api.TransactionId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks two-phase-commit decisions finished in the background, many per database commit. A mark
 * is housekeeping, not part of the protocol: every participant already committed, and a mark
 * lost to a crash only makes recovery look at the decision once more. Keeping it off the
 * transfer's path saves one forced commit per cross-shard transfer.
 *
 * <p>Thread-safe; one background thread.
 */
final class Finisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Finisher.class);
    private static final int QUEUE_CAPACITY = 65_536;
    private static final int BATCH_MAX = 1_024;

    private final Shards shards;
    private final BlockingQueue<TransactionId> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread thread;
    private volatile boolean stopping;

    Finisher(Shards shards, String name) {
        this.shards = shards;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a mark; marks at once if the queue is full. */
    void finished(TransactionId id) {
        if (!queue.offer(id)) {
            mark(List.of(id));
        }
    }

    private void run() {
        List<TransactionId> batch = new ArrayList<>();
        while (!stopping || !queue.isEmpty()) {
            try {
                TransactionId first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH_MAX - 1);
                mark(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void mark(List<TransactionId> ids) {
        try (Connection log = shards.connectCoordinator();
             PreparedStatement update = log.prepareStatement("UPDATE decisions SET finished = TRUE WHERE tx_id = ?")) {
            for (TransactionId id : ids) {
                update.setObject(1, id.value());
                update.addBatch();
            }
            update.executeBatch();
            log.commit();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("could not mark {} decisions finished; recovery will", ids.size(), e);
        }
    }

    /** Marks what is queued, then stops. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once, dropping queued marks, as a crash would. */
    void abandon() {
        queue.clear();
        stopping = true;
        thread.interrupt();
    }
}
