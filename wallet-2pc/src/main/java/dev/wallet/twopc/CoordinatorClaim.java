package dev.wallet.twopc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One open wallet at a time coordinates a set of databases. Recovery resolves every unfinished
 * transaction of its coordinator that no thread of its own runs; a second wallet on the same
 * databases would take the first one's live transactions for abandoned ones and roll them back
 * (or cancel them) under its feet. The claim is keyed by the coordinator database's identity:
 *
 * <ul>
 *   <li>within this JVM, a registry of claimed identities (an embedded H2 file database cannot be
 *       opened by a second process at all, and an in-memory one lives in this JVM only);</li>
 *   <li>on PostgreSQL, also a session-level advisory lock held on a connection of its own for as
 *       long as the wallet is open, so that other processes are refused too; it goes when the
 *       connection does, including when the process dies.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class CoordinatorClaim implements AutoCloseable {

    private static final Set<UUID> CLAIMED_HERE = ConcurrentHashMap.newKeySet();

    private final UUID identity;
    private final Connection advisory;
    private boolean released;

    private CoordinatorClaim(UUID identity, Connection advisory) {
        this.identity = identity;
        this.advisory = advisory;
    }

    /**
     * Claims the coordinator whose database has {@code identity}.
     *
     * @throws IllegalStateException when another open wallet coordinates these databases
     */
    static CoordinatorClaim claim(UUID identity, String coordinatorUrl, String user, String password) {
        if (!CLAIMED_HERE.add(identity)) {
            throw new IllegalStateException("the databases coordinated from " + coordinatorUrl + " are in use by another "
                    + "open wallet in this process; close it first (one coordinator per set of databases)");
        }
        if (!coordinatorUrl.startsWith("jdbc:postgresql:")) {
            return new CoordinatorClaim(identity, null);
        }
        Connection connection = null;
        try {
            connection = DriverManager.getConnection(coordinatorUrl, user, password);
            connection.setAutoCommit(true);
            boolean granted;
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                lock.setLong(1, identity.getMostSignificantBits());
                try (ResultSet row = lock.executeQuery()) {
                    row.next();
                    granted = row.getBoolean(1);
                }
            }
            if (!granted) {
                throw new IllegalStateException("the databases coordinated from " + coordinatorUrl + " are in use by a "
                        + "wallet in another process; stop it first (one coordinator per set of databases)");
            }
            return new CoordinatorClaim(identity, connection);
        } catch (SQLException | RuntimeException e) {
            CLAIMED_HERE.remove(identity);
            closeQuietly(connection);
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("cannot claim the coordinator database " + coordinatorUrl + ": " + e.getMessage(), e);
        }
    }

    /** Lets go of the databases; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        closeQuietly(advisory);
        CLAIMED_HERE.remove(identity);
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // The session ends with the connection either way, and the advisory lock with it.
            }
        }
    }
}
