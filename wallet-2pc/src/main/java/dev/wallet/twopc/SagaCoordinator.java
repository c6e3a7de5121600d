package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.CrashPoint;
import dev.wallet.api.FaultInjector;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.spi.LedgerRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * An orchestrated, linear Saga over the shards: step 1 debits the source, step 2 credits the
 * target; the compensation of step 1 refunds the source. Every step is one local transaction that
 * also inserts its row in {@code saga_applied} keyed by (transaction, attempt, step), so running a
 * step twice changes nothing; the saga log in the coordinator's database records each step before
 * (BEGUN) and after (DONE) it runs. A credit that cannot be made is compensated in reverse; recovery
 * resumes a saga forward when its debit was applied and aborts it otherwise.
 */
final class SagaCoordinator extends GlobalCoordinator {

    static final String RUNNING = "RUNNING";
    static final String COMPENSATING = "COMPENSATING";
    static final String DEBIT = "DEBIT";
    static final String CREDIT = "CREDIT";
    static final String REFUND = "REFUND";

    static final CrashPoint AFTER_BEGIN = new CrashPoint("saga.after-begin",
            "the saga is registered; no step ran");
    static final CrashPoint AFTER_DEBIT = new CrashPoint("saga.after-debit",
            "the source is debited; the log does not say so yet: the amount is in flight");
    static final CrashPoint AFTER_DEBIT_LOGGED = new CrashPoint("saga.after-debit-logged",
            "the debit is logged DONE; the credit has not begun");
    static final CrashPoint AFTER_CREDIT = new CrashPoint("saga.after-credit",
            "the target is credited; the log does not say so yet");
    static final CrashPoint AFTER_CREDIT_LOGGED = new CrashPoint("saga.after-credit-logged",
            "both steps are logged DONE; the outcome is not pinned");
    static final List<CrashPoint> CRASH_POINTS = List.of(AFTER_BEGIN, AFTER_DEBIT, AFTER_DEBIT_LOGGED, AFTER_CREDIT,
            AFTER_CREDIT_LOGGED);
    /** Reached just before the credit step; tests make the credit fail here to see the compensation. */
    static final CrashPoint BEFORE_CREDIT = new CrashPoint("saga.before-credit",
            "the debit is done and logged; the credit is about to run");

    SagaCoordinator(Shards shards, FaultInjector faults) {
        super(shards, faults, "SAGA");
    }

    @Override
    String firstPhase() {
        return RUNNING;
    }

    @Override
    String protocolName() {
        return "Saga";
    }

    @Override
    Outcome run(MoneyCommand command, int attempt) throws SQLException {
        TransactionId id = command.transactionId();
        faults.reach(AFTER_BEGIN);
        Status refusal = checkAccounts(command);
        if (refusal != null) {
            log.finish(id, attempt, refusal, null, null);
            return Outcome.of(id, refusal);
        }
        logStep(id, attempt, DEBIT, "BEGUN");
        Status debit = apply(command, attempt, DEBIT);
        if (debit != Status.SUCCESS) {
            log.finish(id, attempt, debit, null, null);
            return Outcome.of(id, debit);
        }
        faults.reach(AFTER_DEBIT);
        logStep(id, attempt, DEBIT, "DONE");
        faults.reach(AFTER_DEBIT_LOGGED);
        try {
            faults.reach(BEFORE_CREDIT);
            credit(command, attempt);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof dev.wallet.api.SimulatedCrashException crash) {
                throw crash;
            }
            compensateQuietly(command, attempt, e);
            throw e;
        }
        return Outcome.of(id, Status.SUCCESS);
    }

    private void credit(MoneyCommand command, int attempt) throws SQLException {
        TransactionId id = command.transactionId();
        logStep(id, attempt, CREDIT, "BEGUN");
        apply(command, attempt, CREDIT);
        faults.reach(AFTER_CREDIT);
        logStep(id, attempt, CREDIT, "DONE");
        faults.reach(AFTER_CREDIT_LOGGED);
        log.finish(id, attempt, Status.SUCCESS, null, null);
    }

    /** Refunds the source in reverse order of the steps, then aborts the attempt so that a repeat runs afresh. */
    private void compensate(MoneyCommand command, int attempt) throws SQLException {
        TransactionId id = command.transactionId();
        log.phase(id, attempt, COMPENSATING, null, null);
        logStep(id, attempt, REFUND, "BEGUN");
        apply(command, attempt, REFUND);
        logStep(id, attempt, REFUND, "DONE");
        log.abort(id, attempt, null, null);
    }

    private void compensateQuietly(MoneyCommand command, int attempt, Exception cause) {
        try {
            compensate(command, attempt);
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    boolean recover(GlobalTransactions.Row row) throws SQLException {
        MoneyCommand command = row.command();
        int attempt = row.attempt();
        if (row.phase().equals(COMPENSATING) || applied(command, attempt, REFUND)) {
            compensate(command, attempt);
            return false;
        }
        if (applied(command, attempt, CREDIT)) {
            logStep(command.transactionId(), attempt, CREDIT, "DONE");
            log.finish(command.transactionId(), attempt, Status.SUCCESS, null, null);
            return true;
        }
        if (applied(command, attempt, DEBIT)) {
            // The debit stands: the saga resumes forward.
            logStep(command.transactionId(), attempt, DEBIT, "DONE");
            credit(command, attempt);
            return true;
        }
        log.abort(command.transactionId(), attempt, null, null);
        return false;
    }

    // Steps: one local transaction each, idempotent through saga_applied.

    /**
     * Runs a step on its account's shard: records it in {@code saga_applied} and moves the
     * balance in the same transaction. Already recorded: nothing changes. A debit the source
     * cannot give changes nothing and answers its failure status.
     */
    @SuppressWarnings("try") // the row lock is held for the whole block, never referenced
    private Status apply(MoneyCommand command, int attempt, String step) throws SQLException {
        AccountId account = step.equals(CREDIT) ? command.credited() : command.debited();
        long delta = step.equals(DEBIT) ? -command.amount().minor() : command.amount().minor();
        int shard = shards.shardOf(account);
        try (RowLocks.Held row = shards.lockAccounts(account); Connection connection = shards.connect(shard)) {
            try {
                if (!recordStep(connection, shard, command.transactionId(), attempt, step)) {
                    return Status.SUCCESS;
                }
                long balance = Rows.lock(connection, account).orElseThrow().balanceMinor();
                if (step.equals(DEBIT)) {
                    Status funds = LedgerRules.checkDebit(account, balance, command.amount().minor());
                    if (funds != Status.SUCCESS) {
                        connection.rollback();
                        return funds;
                    }
                }
                Rows.addToBalance(connection, account, delta);
                connection.commit();
                shards.force(shard);
                return Status.SUCCESS;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private boolean recordStep(Connection connection, int shard, TransactionId id, int attempt, String step)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO saga_applied (tx_id, attempt, step) VALUES (?, ?, ?)")) {
            insert.setObject(1, id.value());
            insert.setInt(2, attempt);
            insert.setString(3, step);
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

    /** Whether a step's row is on its shard. */
    boolean applied(MoneyCommand command, int attempt, String step) throws SQLException {
        AccountId account = step.equals(CREDIT) ? command.credited() : command.debited();
        try (Connection connection = shards.connect(shards.shardOf(account));
             PreparedStatement select = connection.prepareStatement(
                     "SELECT 1 FROM saga_applied WHERE tx_id = ? AND attempt = ? AND step = ?")) {
            select.setObject(1, command.transactionId().value());
            select.setInt(2, attempt);
            select.setString(3, step);
            try (ResultSet row = select.executeQuery()) {
                boolean found = row.next();
                connection.commit();
                return found;
            }
        }
    }

    private void logStep(TransactionId id, int attempt, String step, String state) throws SQLException {
        try (Connection log = shards.connectCoordinator();
             PreparedStatement insert = log.prepareStatement(
                     "INSERT INTO saga_log (tx_id, attempt, step, state) VALUES (?, ?, ?, ?)")) {
            insert.setObject(1, id.value());
            insert.setInt(2, attempt);
            insert.setString(3, step);
            insert.setString(4, state);
            insert.executeUpdate();
            log.commit();
            shards.forceCoordinator();
        } catch (SQLException e) {
            if (!shards.coordinatorDialect().isDuplicateKey(e)) {
                throw e;
            }
            // Logged already (recovery repeating a step's record): nothing to add.
        }
    }
}
