package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An orchestrated, linear Saga over the shards: step 1 debits the source, step 2 credits the
 * target; the compensation of step 1 refunds the source. Every step is one local transaction that
 * also inserts its row in {@code saga_applied} keyed by (transaction, attempt, step), so running a
 * step twice changes nothing; the saga log in the coordinator's database records each step before
 * (BEGUN) and after (DONE) it runs, the orchestrator's own account of where each saga stands.
 *
 * <p>The credit is the pivot. A credit that failed may still have committed (its force, or the
 * log write after it, failed; or its reply was lost), so a compensation never trusts the failure:
 * it first voids the credit, inserting the credit's {@code saga_applied} row marked voided with no
 * balance change. Whoever inserts that row first decides: if the credit's own row is there, the
 * credit stands and the saga goes forward instead; if the void is there, no late credit can land
 * and the source is refunded. Recovery abandons a saga whose debit is not there the same way,
 * voiding the debit before it aborts the attempt.
 */
final class SagaCoordinator extends GlobalCoordinator {

    private static final Logger LOG = LoggerFactory.getLogger(SagaCoordinator.class);

    static final String RUNNING = "RUNNING";
    static final String COMPENSATING = "COMPENSATING";
    static final String DEBIT = "DEBIT";
    static final String CREDIT = "CREDIT";
    static final String REFUND = "REFUND";
    private static final Set<String> FROM_RUNNING = Set.of(RUNNING);
    private static final Set<String> FROM_RUNNING_OR_COMPENSATING = Set.of(RUNNING, COMPENSATING);
    private static final Set<String> FROM_COMPENSATING = Set.of(COMPENSATING);

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

    /** Where a step stands on its shard. */
    enum StepState {
        /** Nothing of the step is there. */
        ABSENT,
        /** The step ran: its balance change is committed. */
        APPLIED,
        /** The step was voided: it never ran and never will. */
        VOIDED
    }

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
            log.finish(id, attempt, FROM_RUNNING, refusal, null, null);
            return Outcome.of(id, refusal);
        }
        logStep(id, attempt, DEBIT, "BEGUN");
        Status debit = debit(command, attempt);
        if (debit != Status.SUCCESS) {
            log.finish(id, attempt, FROM_RUNNING, debit, null, null);
            return Outcome.of(id, debit);
        }
        faults.reach(AFTER_DEBIT);
        logStep(id, attempt, DEBIT, "DONE");
        faults.reach(AFTER_DEBIT_LOGGED);
        try {
            faults.reach(BEFORE_CREDIT);
            credit(command, attempt, FROM_RUNNING);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SimulatedCrashException crash) {
                throw crash;
            }
            try {
                if (compensate(command, attempt)) {
                    // The credit had landed after all: the saga finished forward.
                    LOG.warn("the credit of {} reported {} but had landed; the saga went forward", id, e.toString());
                    return Outcome.of(id, Status.SUCCESS);
                }
            } catch (SQLException | RuntimeException compensation) {
                if (compensation instanceof SimulatedCrashException crash) {
                    throw crash;
                }
                // Recovery goes on from wherever the compensation stopped.
                e.addSuppressed(compensation);
            }
            throw e;
        }
        return Outcome.of(id, Status.SUCCESS);
    }

    private void credit(MoneyCommand command, int attempt, Set<String> from) throws SQLException {
        TransactionId id = command.transactionId();
        logStep(id, attempt, CREDIT, "BEGUN");
        if (apply(command, attempt, CREDIT) == StepState.VOIDED) {
            throw new IllegalStateException("the credit of " + id + " attempt " + attempt + " was voided by its compensation");
        }
        faults.reach(AFTER_CREDIT);
        finishForward(command, attempt, from);
    }

    private void finishForward(MoneyCommand command, int attempt, Set<String> from) throws SQLException {
        TransactionId id = command.transactionId();
        logStep(id, attempt, CREDIT, "DONE");
        faults.reach(AFTER_CREDIT_LOGGED);
        log.finish(id, attempt, from, Status.SUCCESS, null, null);
    }

    /**
     * Compensates the attempt: voids the credit first; if the credit had landed, the saga goes
     * forward instead. Returns true when it went forward, false when it refunded the source and
     * aborted the attempt (a repeat of the id then runs afresh).
     */
    private boolean compensate(MoneyCommand command, int attempt) throws SQLException {
        TransactionId id = command.transactionId();
        log.phase(id, attempt, FROM_RUNNING_OR_COMPENSATING, COMPENSATING, null, null);
        if (voidStep(command, attempt, CREDIT) == StepState.APPLIED) {
            finishForward(command, attempt, FROM_COMPENSATING);
            return true;
        }
        logStep(id, attempt, REFUND, "BEGUN");
        apply(command, attempt, REFUND);
        logStep(id, attempt, REFUND, "DONE");
        log.abort(id, attempt, FROM_COMPENSATING, null, null);
        return false;
    }

    @Override
    boolean recover(GlobalTransactions.Row row) throws SQLException {
        MoneyCommand command = row.command();
        int attempt = row.attempt();
        if (row.phase().equals(COMPENSATING)) {
            return compensate(command, attempt);
        }
        StepState credit = state(command, attempt, CREDIT);
        if (credit == StepState.APPLIED) {
            finishForward(command, attempt, FROM_RUNNING);
            return true;
        }
        if (credit == StepState.VOIDED) {
            // Only a compensation voids the credit, and it logs COMPENSATING first.
            throw new IllegalStateException("the credit of " + command.transactionId() + " attempt " + attempt
                    + " is voided but the log says " + row.phase());
        }
        if (voidStep(command, attempt, DEBIT) == StepState.APPLIED) {
            // The debit stands: the saga resumes forward.
            logStep(command.transactionId(), attempt, DEBIT, "DONE");
            credit(command, attempt, FROM_RUNNING);
            return true;
        }
        log.abort(command.transactionId(), attempt, FROM_RUNNING, null, null);
        return false;
    }

    /**
     * The debit's {@code saga_applied} row is there (not voided) exactly while its debit is; the
     * credit's and the refund's rows likewise, each written with its balance change.
     */
    @Override
    long inFlightMinor(MoneyCommand command, int attempt, LockedReads.Cut cut) throws SQLException {
        TransactionId id = command.transactionId();
        StepState debit = cut.onShardOf(command.debited(), connection -> read(connection, id, attempt, DEBIT));
        StepState refund = cut.onShardOf(command.debited(), connection -> read(connection, id, attempt, REFUND));
        StepState credit = cut.onShardOf(command.credited(), connection -> read(connection, id, attempt, CREDIT));
        long amount = command.amount().minor();
        return (debit == StepState.APPLIED ? amount : 0) - (credit == StepState.APPLIED ? amount : 0)
                - (refund == StepState.APPLIED ? amount : 0);
    }

    // Steps: one local transaction each, idempotent through saga_applied.

    /** Debits the source; a source that cannot give the amount changes nothing and answers its failure. */
    @SuppressWarnings("try") // the row lock is held for the whole block, never referenced
    private Status debit(MoneyCommand command, int attempt) throws SQLException {
        AccountId account = command.debited();
        int shard = shards.shardOf(account);
        try (RowLocks.Held row = shards.lockAccounts(account); Connection connection = shards.connect(shard)) {
            try {
                StepState state = recordStep(connection, shard, command.transactionId(), attempt, DEBIT, false);
                if (state == StepState.VOIDED) {
                    throw new IllegalStateException("the debit of " + command.transactionId() + " attempt " + attempt
                            + " was voided by recovery");
                }
                if (state == StepState.APPLIED) {
                    return Status.SUCCESS;
                }
                long balance = Rows.lock(connection, account).orElseThrow().balanceMinor();
                Status funds = LedgerRules.checkDebit(account, balance, command.amount().minor());
                if (funds != Status.SUCCESS) {
                    connection.rollback();
                    return funds;
                }
                Rows.addToBalance(connection, account, -command.amount().minor());
                connection.commit();
                shards.force(shard);
                return Status.SUCCESS;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /**
     * Runs the credit or the refund on its account's shard: records it in {@code saga_applied}
     * and moves the balance in the same transaction. Returns what was there before: ABSENT (it ran
     * now), APPLIED (it ran before; nothing changes) or VOIDED (it must not run; nothing changes).
     */
    @SuppressWarnings("try") // the row lock is held for the whole block, never referenced
    private StepState apply(MoneyCommand command, int attempt, String step) throws SQLException {
        AccountId account = step.equals(CREDIT) ? command.credited() : command.debited();
        int shard = shards.shardOf(account);
        try (RowLocks.Held row = shards.lockAccounts(account); Connection connection = shards.connect(shard)) {
            try {
                StepState before = recordStep(connection, shard, command.transactionId(), attempt, step, false);
                if (before != StepState.ABSENT) {
                    return before;
                }
                Rows.lock(connection, account).orElseThrow();
                Rows.addToBalance(connection, account, command.amount().minor());
                connection.commit();
                shards.force(shard);
                return StepState.ABSENT;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /**
     * Makes sure a step never runs: inserts its row as voided unless it is there. Returns
     * VOIDED (voided now or before) or APPLIED (the step ran first: it stands).
     */
    @SuppressWarnings("try") // the row lock is held for the whole block, never referenced
    private StepState voidStep(MoneyCommand command, int attempt, String step) throws SQLException {
        AccountId account = step.equals(CREDIT) ? command.credited() : command.debited();
        int shard = shards.shardOf(account);
        try (RowLocks.Held row = shards.lockAccounts(account); Connection connection = shards.connect(shard)) {
            try {
                StepState before = recordStep(connection, shard, command.transactionId(), attempt, step, true);
                if (before == StepState.ABSENT) {
                    connection.commit();
                    shards.force(shard);
                    return StepState.VOIDED;
                }
                return before;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /**
     * Inserts a step's row (voided or not) in the connection's transaction; if one is there
     * already, rolls back and says what it holds.
     */
    private StepState recordStep(Connection connection, int shard, TransactionId id, int attempt, String step, boolean voided)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO saga_applied (tx_id, attempt, step, voided) VALUES (?, ?, ?, ?)")) {
            insert.setObject(1, id.value());
            insert.setInt(2, attempt);
            insert.setString(3, step);
            insert.setBoolean(4, voided);
            insert.executeUpdate();
            return StepState.ABSENT;
        } catch (SQLException e) {
            if (!shards.dialect(shard).isDuplicateKey(e)) {
                throw e;
            }
            connection.rollback();
            StepState state = read(connection, id, attempt, step);
            connection.commit();
            return state;
        }
    }

    /** Where a step stands on its shard. */
    StepState state(MoneyCommand command, int attempt, String step) throws SQLException {
        AccountId account = step.equals(CREDIT) ? command.credited() : command.debited();
        try (Connection connection = shards.connect(shards.shardOf(account))) {
            StepState state = read(connection, command.transactionId(), attempt, step);
            connection.commit();
            return state;
        }
    }

    private static StepState read(Connection connection, TransactionId id, int attempt, String step) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT voided FROM saga_applied WHERE tx_id = ? AND attempt = ? AND step = ?")) {
            select.setObject(1, id.value());
            select.setInt(2, attempt);
            select.setString(3, step);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return StepState.ABSENT;
                }
                return row.getBoolean(1) ? StepState.VOIDED : StepState.APPLIED;
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
