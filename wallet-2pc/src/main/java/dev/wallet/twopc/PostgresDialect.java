package dev.wallet.twopc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL: {@code PREPARE TRANSACTION 'name'} detaches the transaction from the session;
 * {@code COMMIT PREPARED} / {@code ROLLBACK PREPARED} then run outside a transaction block (on an
 * auto-commit connection), from any session of the same database; {@code pg_prepared_xacts} lists
 * them (names are unique per server, hence the shard number in each name). Requires
 * {@code max_prepared_transactions > 0}. Lock timeouts are SQLState 55P03, deadlocks 40P01.
 */
final class PostgresDialect implements Dialect {

    @Override
    public void prepare(Connection connection, String name) throws SQLException {
        execute(connection, "PREPARE TRANSACTION '" + Dialect.checked(name) + "'");
    }

    @Override
    public void commitPrepared(Connection owner, String name) throws SQLException {
        outsideTransaction(owner, "COMMIT PREPARED '" + Dialect.checked(name) + "'");
    }

    @Override
    public void rollbackPrepared(Connection owner, String name) throws SQLException {
        outsideTransaction(owner, "ROLLBACK PREPARED '" + Dialect.checked(name) + "'");
    }

    @Override
    public void commitInDoubt(Connection any, String name) throws SQLException {
        commitPrepared(any, name);
    }

    @Override
    public void rollbackInDoubt(Connection any, String name) throws SQLException {
        rollbackPrepared(any, name);
    }

    @Override
    public List<String> inDoubt(Connection any) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement statement = any.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        any.commit();
        return names;
    }

    @Override
    public boolean isLockFailure(SQLException e) {
        return "55P03".equals(e.getSQLState()) || "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    @Override
    public boolean isUnknownTransaction(SQLException e) {
        return "42704".equals(e.getSQLState());
    }

    @Override
    public boolean needsForce() {
        return false;
    }

    @Override
    public boolean preparedSurvivesSessionEnd() {
        return true;
    }

    /**
     * Every commit must reach the server's disk before it returns ({@code fsync} on; the pools
     * also set {@code synchronous_commit = on} per session), and two-phase commit needs prepared
     * transactions enabled.
     */
    @Override
    public void checkSettings(Connection any, boolean needsPreparedTransactions) throws SQLException {
        String fsync = show(any, "fsync");
        if (!fsync.equals("on")) {
            throw new IllegalStateException("PostgreSQL runs with fsync = " + fsync + ": acknowledged transfers could be "
                    + "lost in a power cut; set fsync = on");
        }
        if (needsPreparedTransactions && Integer.parseInt(show(any, "max_prepared_transactions")) == 0) {
            throw new IllegalStateException("PostgreSQL runs with max_prepared_transactions = 0, which turns two-phase "
                    + "commit off; set it above the number of concurrent transfers (e.g. 200)");
        }
        any.commit();
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SHOW " + setting)) {
            row.next();
            return row.getString(1);
        }
    }

    @Override
    public void forceToDisk(Connection any) {
        // Every commit and PREPARE TRANSACTION is already forced to the server's log.
    }

    @Override
    public void killSessions(Connection any) {
        // A server keeps prepared transactions when a client dies and rolls back the rest;
        // closing the pools afterwards does exactly that.
    }

    private static void outsideTransaction(Connection connection, String sql) throws SQLException {
        connection.setAutoCommit(true);
        try {
            execute(connection, sql);
        } finally {
            connection.setAutoCommit(false);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
