package dev.wallet.twopc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * H2 2.x: {@code PREPARE COMMIT "name"}; the owning session then commits or rolls back normally;
 * after a restart, {@code INFORMATION_SCHEMA.IN_DOUBT} lists what is left and
 * {@code COMMIT TRANSACTION "name"} / {@code ROLLBACK TRANSACTION "name"} resolve it. Lock timeouts
 * are error 50200 (SQLState HYT00), deadlocks 40001.
 */
// Not final: tests subclass it to count forces.
class H2Dialect implements Dialect {

    @Override
    public void prepare(Connection connection, String name) throws SQLException {
        execute(connection, "PREPARE COMMIT \"" + Dialect.checked(name) + "\"");
    }

    @Override
    public void commitPrepared(Connection owner, String name) throws SQLException {
        owner.commit();
    }

    @Override
    public void rollbackPrepared(Connection owner, String name) throws SQLException {
        owner.rollback();
    }

    @Override
    public void commitInDoubt(Connection any, String name) throws SQLException {
        execute(any, "COMMIT TRANSACTION \"" + Dialect.checked(name) + "\"");
        any.commit();
    }

    @Override
    public void rollbackInDoubt(Connection any, String name) throws SQLException {
        execute(any, "ROLLBACK TRANSACTION \"" + Dialect.checked(name) + "\"");
        any.commit();
    }

    @Override
    public List<String> inDoubt(Connection any) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement statement = any.createStatement();
             ResultSet rows = statement.executeQuery("SELECT TRANSACTION_NAME FROM INFORMATION_SCHEMA.IN_DOUBT")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        any.commit();
        return names;
    }

    @Override
    public boolean isUnknownTransaction(SQLException e) {
        return e.getErrorCode() == 90129;
    }

    @Override
    public boolean needsForce() {
        return true;
    }

    @Override
    public boolean preparedSurvivesSessionEnd() {
        return false;
    }

    @Override
    public boolean isLockFailure(SQLException e) {
        return e.getErrorCode() == 50200 || "HYT00".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    @Override
    public void forceToDisk(Connection any) throws SQLException {
        execute(any, "CHECKPOINT SYNC");
        any.commit();
    }

    @Override
    public void killSessions(Connection any) throws SQLException {
        execute(any, "SHUTDOWN IMMEDIATELY");
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
