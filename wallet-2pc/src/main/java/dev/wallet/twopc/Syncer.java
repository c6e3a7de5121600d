package dev.wallet.twopc;

import com.zaxxer.hikari.HikariDataSource;
import dev.wallet.api.WalletUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Group commit for one database: a caller that committed asks for its commit to be forced to
 * disk; one caller at a time runs {@link Dialect#forceToDisk}, and every caller whose commit
 * happened before that force started is served by it. Concurrent callers therefore share one
 * fsync instead of queueing one each.
 *
 * <p>The force runs on a connection of its own (a pool of one, used by one forcing caller at a
 * time), never on the pool the callers take their connections from: a caller asks for a force
 * while it still holds its own connection, and with every pooled connection held that way a force
 * that needed one more would wait for the pool's timeout.
 *
 * <p>Thread-safe.
 */
final class Syncer {

    private final HikariDataSource pool;
    private final Dialect dialect;
    private final boolean enabled;
    /** Commits asked to be forced so far (tickets), and how many of them a finished force covers. */
    private long requested;
    private long covered;
    private boolean forcing;

    Syncer(HikariDataSource pool, Dialect dialect, boolean enabled) {
        this.pool = pool;
        this.dialect = dialect;
        this.enabled = enabled;
    }

    /**
     * Returns once everything this thread committed to the database before calling is on disk.
     *
     * @throws WalletUnavailableException when the force fails
     */
    void force() {
        if (!enabled) {
            return;
        }
        long ticket;
        synchronized (this) {
            ticket = ++requested;
            while (covered < ticket && forcing) {
                waitForForce();
            }
            if (covered >= ticket) {
                return;
            }
            forcing = true;
        }
        long covering;
        synchronized (this) {
            covering = requested;
        }
        boolean done = false;
        try (Connection connection = pool.getConnection()) {
            dialect.forceToDisk(connection);
            done = true;
        } catch (SQLException e) {
            throw new WalletUnavailableException("could not force " + pool.getPoolName() + " to disk: " + e.getMessage(), e);
        } finally {
            synchronized (this) {
                forcing = false;
                if (done) {
                    covered = Math.max(covered, covering);
                }
                notifyAll();
            }
        }
    }

    private void waitForForce() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while waiting for a commit to reach disk", e);
        }
    }
}
