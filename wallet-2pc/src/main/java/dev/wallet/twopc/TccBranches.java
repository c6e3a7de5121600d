package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.spi.LedgerRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The participant side of TC/C: every phase of a branch is one local transaction on the branch's
 * shard, and every phase is a compare-and-set on the branch's fence row ({@code tcc_fence}),
 * written in the same transaction as the balance change:
 *
 * <ul>
 *   <li><b>try source</b>: insert the fence as TRIED, check funds and debit (reserve) the amount;</li>
 *   <li><b>try target</b>: insert the fence as TRIED, nothing else;</li>
 *   <li><b>confirm target</b>: TRIED → CONFIRMED and credit the amount;</li>
 *   <li><b>confirm source</b>: TRIED → CONFIRMED (the debit stands);</li>
 *   <li><b>cancel source</b>: TRIED → CANCELLED and refund the amount;</li>
 *   <li><b>cancel target</b>: TRIED → CANCELLED.</li>
 * </ul>
 * Every phase is forced to disk before it returns. A repeated confirm or cancel finds the fence
 * already there and changes nothing. A cancel that
 * arrives before its try ("empty rollback") inserts the fence as CANCELLED; a try that arrives
 * after it finds that fence and is refused ("no hanging").
 *
 * <p>Stateless and thread-safe.
 */
final class TccBranches {

    static final String SOURCE = "SOURCE";
    static final String TARGET = "TARGET";
    static final String TRIED = "TRIED";
    static final String CONFIRMED = "CONFIRMED";
    static final String CANCELLED = "CANCELLED";

    /** What a try did. */
    enum TryResult {
        /** The branch is tried (now, or by an earlier identical try). */
        TRIED,
        /** The source cannot give the amount; nothing changed. */
        INSUFFICIENT_FUNDS,
        /** A funding source would exceed its outstanding limit; nothing changed. */
        LIMIT_EXCEEDED,
        /** The branch was cancelled before this try arrived; the try is refused and changes nothing. */
        REFUSED
    }

    private final Shards shards;

    TccBranches(Shards shards) {
        this.shards = shards;
    }

    @SuppressWarnings("try") // the row lock is held for the whole block, never referenced
    TryResult trySource(MoneyCommand command, int attempt) throws SQLException {
        AccountId source = command.debited();
        int shard = shards.shardOf(source);
        try (RowLocks.Held row = shards.lockAccounts(source); Connection connection = shards.connect(shard)) {
            try {
                if (!insertFence(connection, shard, command.transactionId(), attempt, SOURCE, TRIED)) {
                    connection.rollback();
                    return alreadyThere(connection, command.transactionId(), attempt, SOURCE);
                }
                long amount = command.amount().minor();
                long balance = Rows.lock(connection, source).orElseThrow().balanceMinor();
                Status funds = LedgerRules.checkDebit(source, balance, amount);
                if (funds != Status.SUCCESS) {
                    connection.rollback();
                    return funds == Status.LIMIT_EXCEEDED ? TryResult.LIMIT_EXCEEDED : TryResult.INSUFFICIENT_FUNDS;
                }
                Rows.addToBalance(connection, source, -amount);
                connection.commit();
                shards.force(shard);
                return TryResult.TRIED;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    TryResult tryTarget(MoneyCommand command, int attempt) throws SQLException {
        int shard = shards.shardOf(command.credited());
        try (Connection connection = shards.connect(shard)) {
            if (!insertFence(connection, shard, command.transactionId(), attempt, TARGET, TRIED)) {
                connection.rollback();
                return alreadyThere(connection, command.transactionId(), attempt, TARGET);
            }
            connection.commit();
            shards.force(shard);
            return TryResult.TRIED;
        }
    }

    void confirmTarget(MoneyCommand command, int attempt) throws SQLException {
        move(command.credited(), command, attempt, TARGET, CONFIRMED, command.amount().minor());
    }

    void confirmSource(MoneyCommand command, int attempt) throws SQLException {
        move(command.debited(), command, attempt, SOURCE, CONFIRMED, 0);
    }

    void cancelSource(MoneyCommand command, int attempt) throws SQLException {
        move(command.debited(), command, attempt, SOURCE, CANCELLED, command.amount().minor());
    }

    void cancelTarget(MoneyCommand command, int attempt) throws SQLException {
        move(command.credited(), command, attempt, TARGET, CANCELLED, 0);
    }

    /** The status of a branch's fence, empty if nothing reached the branch. */
    Optional<String> status(MoneyCommand command, int attempt, String branch) throws SQLException {
        AccountId account = branch.equals(SOURCE) ? command.debited() : command.credited();
        try (Connection connection = shards.connect(shards.shardOf(account))) {
            Optional<String> status = fence(connection, command.transactionId(), attempt, branch);
            connection.commit();
            return status;
        }
    }

    /**
     * Moves a branch's fence from TRIED to {@code to}, adding {@code deltaMinor} to the account in
     * the same transaction. Already at {@code to}: nothing to do. A cancel that finds no fence
     * inserts it as CANCELLED (empty rollback). Anything else is a protocol violation.
     */
    @SuppressWarnings("try") // the row lock is held for the whole block, never referenced
    private void move(AccountId account, MoneyCommand command, int attempt, String branch, String to, long deltaMinor)
            throws SQLException {
        int shard = shards.shardOf(account);
        TransactionId id = command.transactionId();
        try (RowLocks.Held row = shards.lockAccounts(account); Connection connection = shards.connect(shard)) {
            try {
                try (PreparedStatement update = connection.prepareStatement("UPDATE tcc_fence SET status = ? "
                        + "WHERE tx_id = ? AND attempt = ? AND branch = ? AND status = ?")) {
                    update.setString(1, to);
                    update.setObject(2, id.value());
                    update.setInt(3, attempt);
                    update.setString(4, branch);
                    update.setString(5, TRIED);
                    if (update.executeUpdate() == 1) {
                        if (deltaMinor != 0) {
                            Rows.lock(connection, account);
                            Rows.addToBalance(connection, account, deltaMinor);
                        }
                        connection.commit();
                        shards.force(shard);
                        return;
                    }
                }
                Optional<String> current = fence(connection, id, attempt, branch);
                if (current.isEmpty() && to.equals(CANCELLED)
                        && insertFence(connection, shard, id, attempt, branch, CANCELLED)) {
                    connection.commit();
                    shards.force(shard);
                    return;
                }
                connection.rollback();
                current = fence(connection, id, attempt, branch);
                connection.commit();
                if (current.isPresent() && current.get().equals(to)) {
                    return;
                }
                throw new IllegalStateException("cannot move " + branch + " branch of " + id + " attempt " + attempt
                        + " to " + to + ": it is " + current.orElse("not tried"));
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** Inserts a fence; false if one exists (its primary key decides races between a try and a cancel). */
    private boolean insertFence(Connection connection, int shard, TransactionId id, int attempt, String branch, String status)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO tcc_fence (tx_id, attempt, branch, status) VALUES (?, ?, ?, ?)")) {
            insert.setObject(1, id.value());
            insert.setInt(2, attempt);
            insert.setString(3, branch);
            insert.setString(4, status);
            insert.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (shards.dialect(shard).isDuplicateKey(e)) {
                connection.rollback();
                return false;
            }
            throw e;
        }
    }

    /** A try found the fence already there: tried before (idempotent), or cancelled first (refused). */
    private static TryResult alreadyThere(Connection connection, TransactionId id, int attempt, String branch)
            throws SQLException {
        String status = fence(connection, id, attempt, branch).orElseThrow();
        connection.commit();
        return status.equals(CANCELLED) ? TryResult.REFUSED : TryResult.TRIED;
    }

    /** The status of a branch's fence, read on {@code connection} (a shard's), empty if nothing reached the branch. */
    static Optional<String> fence(Connection connection, TransactionId id, int attempt, String branch)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT status FROM tcc_fence WHERE tx_id = ? AND attempt = ? AND branch = ?")) {
            select.setObject(1, id.value());
            select.setInt(2, attempt);
            select.setString(3, branch);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        }
    }
}
