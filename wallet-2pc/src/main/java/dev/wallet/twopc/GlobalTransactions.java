package dev.wallet.twopc;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The coordinator's table of TC/C and Saga transactions ({@code global-schema.sql}): one row per
 * transaction id, holding its command, the attempt under way, its phase and, once finished, its
 * outcome. It is the idempotency index of these strategies: a repeat of a finished id answers
 * from it, another payload under the same id conflicts, and an attempt that recovery aborted (it
 * never took effect) is started again under a new attempt number, so that the branches of the old
 * attempt can never be mistaken for the new one's.
 *
 * <p>Every change of phase is a compare-and-set from the phases it may come from, so that two
 * drivers of one transaction (which the coordinator's own bookkeeping already rules out) could
 * never both win: the loser finds the row moved and stops loudly.
 *
 * <p>Stateless; every method is one local transaction on the coordinator's database.
 */
final class GlobalTransactions {

    static final String FINISHED = "FINISHED";
    static final String ABORTED = "ABORTED";

    /** A row as read. */
    record Row(TransactionId id, int attempt, String phase, MoneyCommand command, Status outcome, String sourceBranch,
               String targetBranch, int recoveryFailures) {

        boolean finishedOrAborted() {
            return phase.equals(FINISHED) || phase.equals(ABORTED);
        }

        /** Whether recovery failed it more often than {@code failuresMax}: left for repair. */
        boolean stuck(int failuresMax) {
            return !finishedOrAborted() && recoveryFailures > failuresMax;
        }
    }

    /** What {@link #begin} found. */
    sealed interface Begun permits Started, Answered, Running {
    }

    /** A new attempt may run. */
    record Started(int attempt) implements Begun {
    }

    /** The id is decided (or reused for another payload): this is the answer. */
    record Answered(Outcome outcome) implements Begun {
    }

    /** An attempt of the same command is under way, waits for recovery, or is stuck ({@link Row#recoveryFailures()}). */
    record Running(Row row) implements Begun {
    }

    private final Shards shards;
    private final String protocol;

    GlobalTransactions(Shards shards, String protocol) {
        this.shards = shards;
        this.protocol = protocol;
    }

    /** Registers a command under its id, or says why it must not run now. */
    Begun begin(MoneyCommand command, String firstPhase) throws SQLException {
        try (Connection log = shards.connectCoordinator()) {
            try (PreparedStatement insert = log.prepareStatement("INSERT INTO global_transactions (tx_id, protocol, attempt, "
                    + "phase, kind, first_account, second_account, amount, currency, outcome, source_branch, target_branch, "
                    + "recovery_attempts) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 0)")) {
                insert.setObject(1, command.transactionId().value());
                insert.setString(2, protocol);
                insert.setString(3, firstPhase);
                Rows.bindCommand(insert, 4, command);
                insert.executeUpdate();
                log.commit();
                shards.forceCoordinator();
                return new Started(1);
            } catch (SQLException e) {
                log.rollback();
                if (!shards.coordinatorDialect().isDuplicateKey(e)) {
                    throw e;
                }
            }
            Row row = read(log, command.transactionId()).orElseThrow(() -> new IllegalStateException(
                    "transaction " + command.transactionId() + " was reported present but is not"));
            log.commit();
            if (!row.command().equals(command)) {
                return new Answered(Outcome.of(command.transactionId(), Status.CONFLICT));
            }
            if (row.phase().equals(FINISHED)) {
                return new Answered(Outcome.replayOf(command.transactionId(), row.outcome()));
            }
            if (row.phase().equals(ABORTED) && restart(log, row, firstPhase)) {
                shards.forceCoordinator();
                return new Started(row.attempt() + 1);
            }
            return new Running(row);
        }
    }

    /** Starts the next attempt of an aborted transaction; false if another caller did first. */
    private static boolean restart(Connection log, Row row, String firstPhase) throws SQLException {
        try (PreparedStatement update = log.prepareStatement("UPDATE global_transactions SET attempt = attempt + 1, "
                + "phase = ?, source_branch = NULL, target_branch = NULL, recovery_attempts = 0 "
                + "WHERE tx_id = ? AND attempt = ? AND phase = ?")) {
            update.setString(1, firstPhase);
            update.setObject(2, row.id().value());
            update.setInt(3, row.attempt());
            update.setString(4, ABORTED);
            boolean restarted = update.executeUpdate() == 1;
            log.commit();
            return restarted;
        }
    }

    /**
     * Moves an attempt to {@code phase} (recording branch statuses, where not null) if it is in
     * one of {@code from}.
     *
     * @throws IllegalStateException if it is in another phase: something else drove it
     */
    void phase(TransactionId id, int attempt, Set<String> from, String phase, String sourceBranch, String targetBranch)
            throws SQLException {
        move(id, attempt, from, phase, null, sourceBranch, targetBranch);
    }

    /** Pins the outcome of a finished transaction; a compare-and-set from {@code from} as {@link #phase}. */
    void finish(TransactionId id, int attempt, Set<String> from, Status outcome, String sourceBranch, String targetBranch)
            throws SQLException {
        move(id, attempt, from, FINISHED, outcome, sourceBranch, targetBranch);
    }

    /** Marks an attempt that never took effect, so that a repeat of the id runs again; a compare-and-set as {@link #phase}. */
    void abort(TransactionId id, int attempt, Set<String> from, String sourceBranch, String targetBranch) throws SQLException {
        move(id, attempt, from, ABORTED, null, sourceBranch, targetBranch);
    }

    private void move(TransactionId id, int attempt, Set<String> from, String phase, Status outcome, String sourceBranch,
                      String targetBranch) throws SQLException {
        String expected = String.join(",", java.util.Collections.nCopies(from.size(), "?"));
        try (Connection log = shards.connectCoordinator();
             PreparedStatement update = log.prepareStatement("UPDATE global_transactions SET phase = ?, outcome = ?, "
                     + "source_branch = COALESCE(?, source_branch), target_branch = COALESCE(?, target_branch) "
                     + "WHERE tx_id = ? AND attempt = ? AND phase IN (" + expected + ")")) {
            update.setString(1, phase);
            update.setString(2, outcome == null ? null : outcome.name());
            update.setString(3, sourceBranch);
            update.setString(4, targetBranch);
            update.setObject(5, id.value());
            update.setInt(6, attempt);
            int parameter = 7;
            for (String phaseFrom : from) {
                update.setString(parameter++, phaseFrom);
            }
            if (update.executeUpdate() != 1) {
                log.rollback();
                Optional<Row> now = read(log, id);
                log.commit();
                throw new IllegalStateException("transaction " + id + " attempt " + attempt + " cannot move to " + phase
                        + " from " + now.map(row -> row.phase() + " (attempt " + row.attempt() + ")").orElse("nowhere")
                        + ": only from " + from + "; another driver moved it");
            }
            log.commit();
        }
        shards.forceCoordinator();
    }

    /** Counts a recovery pass that failed for an attempt; returns the new count. */
    int countRecoveryFailure(TransactionId id, int attempt) throws SQLException {
        try (Connection log = shards.connectCoordinator()) {
            try (PreparedStatement update = log.prepareStatement("UPDATE global_transactions "
                    + "SET recovery_attempts = recovery_attempts + 1 WHERE tx_id = ? AND attempt = ?")) {
                update.setObject(1, id.value());
                update.setInt(2, attempt);
                update.executeUpdate();
            }
            Row row = read(log, id).orElseThrow();
            log.commit();
            return row.recoveryFailures();
        }
    }

    Optional<Row> find(TransactionId id) throws SQLException {
        try (Connection log = shards.connectCoordinator()) {
            Optional<Row> row = read(log, id);
            log.commit();
            return row;
        }
    }

    /**
     * Transactions of this protocol neither finished nor aborted: the ones recovery drives; unless
     * {@code withStuck}, only those that failed recovery at most {@code failuresMax} times.
     */
    List<Row> unfinished(boolean withStuck, int failuresMax) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection log = shards.connectCoordinator();
             PreparedStatement select = log.prepareStatement(SELECT + " WHERE protocol = ? AND phase NOT IN (?, ?)"
                     + " AND recovery_attempts <= ?")) {
            select.setString(1, protocol);
            select.setString(2, FINISHED);
            select.setString(3, ABORTED);
            select.setInt(4, withStuck ? Integer.MAX_VALUE : failuresMax);
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(row(result));
                }
            }
            log.commit();
        }
        return rows;
    }

    private static final String SELECT = "SELECT tx_id, attempt, phase, kind, first_account, second_account, amount, "
            + "currency, outcome, source_branch, target_branch, recovery_attempts FROM global_transactions";

    private static Optional<Row> read(Connection log, TransactionId id) throws SQLException {
        try (PreparedStatement select = log.prepareStatement(SELECT + " WHERE tx_id = ?")) {
            select.setObject(1, id.value());
            try (ResultSet result = select.executeQuery()) {
                return result.next() ? Optional.of(row(result)) : Optional.empty();
            }
        }
    }

    private static Row row(ResultSet result) throws SQLException {
        TransactionId id = new TransactionId(result.getObject(1, UUID.class));
        String outcome = result.getString(9);
        return new Row(id, result.getInt(2), result.getString(3), Rows.readCommand(result, 4, id),
                outcome == null ? null : Status.valueOf(outcome), result.getString(10), result.getString(11),
                result.getInt(12));
    }
}
