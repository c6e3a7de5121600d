package dev.wallet.twopc;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * TC/C over the shards. One attempt: register the transaction (phase TRYING); check the accounts;
 * try the source (debit it: the amount is reserved, in no account); try the target (record it);
 * log CONFIRMING with both branches tried; confirm the target (credit it); confirm the source;
 * pin SUCCESS. A failed try before CONFIRMING cancels what was tried and aborts the attempt;
 * recovery confirms a transaction whose branches were all tried and cancels the others.
 */
final class TccCoordinator extends GlobalCoordinator {

    static final String TRYING = "TRYING";
    static final String CONFIRMING = "CONFIRMING";
    static final String CANCELLING = "CANCELLING";
    private static final Set<String> FROM_TRYING = Set.of(TRYING);
    private static final Set<String> FROM_CONFIRMING = Set.of(CONFIRMING);
    private static final Set<String> FROM_TRYING_OR_CANCELLING = Set.of(TRYING, CANCELLING);
    private static final Set<String> FROM_CANCELLING = Set.of(CANCELLING);

    static final CrashPoint AFTER_BEGIN = new CrashPoint("tcc.after-begin",
            "the transaction is registered as TRYING; no branch is tried");
    static final CrashPoint AFTER_TRY_SOURCE = new CrashPoint("tcc.after-try-source",
            "the source is debited (reserved); the target is not tried: the amount is in flight");
    static final CrashPoint AFTER_TRY_TARGET = new CrashPoint("tcc.after-try-target",
            "both branches are tried; the log still says TRYING");
    static final CrashPoint AFTER_CONFIRMING = new CrashPoint("tcc.after-confirming-logged",
            "the log says CONFIRMING; no branch is confirmed");
    static final CrashPoint AFTER_CONFIRM_TARGET = new CrashPoint("tcc.after-confirm-target",
            "the target is credited; the source branch is still only tried");
    static final CrashPoint AFTER_CONFIRM_SOURCE = new CrashPoint("tcc.after-confirm-source",
            "both branches are confirmed; the outcome is not pinned in the log");
    static final List<CrashPoint> CRASH_POINTS = List.of(AFTER_BEGIN, AFTER_TRY_SOURCE, AFTER_TRY_TARGET, AFTER_CONFIRMING,
            AFTER_CONFIRM_TARGET, AFTER_CONFIRM_SOURCE);
    /** On the cancel path, reached by recovery or a failed try; tests arm it to crash mid-compensation. */
    static final CrashPoint AFTER_CANCEL_SOURCE = new CrashPoint("tcc.after-cancel-source",
            "the source is refunded; the target branch is not cancelled yet");

    private final TccBranches branches;

    TccCoordinator(Shards shards, FaultInjector faults) {
        super(shards, faults, "TCC");
        this.branches = new TccBranches(shards);
    }

    @Override
    String firstPhase() {
        return TRYING;
    }

    @Override
    String protocolName() {
        return "TC/C";
    }

    TccBranches branches() {
        return branches;
    }

    @Override
    Outcome run(MoneyCommand command, int attempt) throws SQLException {
        TransactionId id = command.transactionId();
        faults.reach(AFTER_BEGIN);
        Status refusal = checkAccounts(command);
        if (refusal != null) {
            log.finish(id, attempt, FROM_TRYING, refusal, null, null);
            return Outcome.of(id, refusal);
        }
        boolean confirming = false;
        try {
            TccBranches.TryResult source = branches.trySource(command, attempt);
            if (source == TccBranches.TryResult.INSUFFICIENT_FUNDS || source == TccBranches.TryResult.LIMIT_EXCEEDED) {
                Status status = source == TccBranches.TryResult.LIMIT_EXCEEDED ? Status.LIMIT_EXCEEDED : Status.INSUFFICIENT_FUNDS;
                log.finish(id, attempt, FROM_TRYING, status, null, null);
                return Outcome.of(id, status);
            }
            if (source == TccBranches.TryResult.REFUSED) {
                throw refused(id, "source");
            }
            faults.reach(AFTER_TRY_SOURCE);
            if (branches.tryTarget(command, attempt) == TccBranches.TryResult.REFUSED) {
                throw refused(id, "target");
            }
            faults.reach(AFTER_TRY_TARGET);
            log.phase(id, attempt, FROM_TRYING, CONFIRMING, TccBranches.TRIED, TccBranches.TRIED);
            confirming = true;
            faults.reach(AFTER_CONFIRMING);
            confirm(command, attempt);
            return Outcome.of(id, Status.SUCCESS);
        } catch (SQLException | WalletUnavailableException e) {
            if (!confirming) {
                cancelQuietly(command, attempt, e);
            }
            throw e;
        }
    }

    private static WalletUnavailableException refused(TransactionId id, String branch) {
        return new WalletUnavailableException("the " + branch + " branch of " + id + " was cancelled before its try "
                + "arrived, so the try was refused; the attempt is cancelled, retry with the same id");
    }

    private void confirm(MoneyCommand command, int attempt) throws SQLException {
        branches.confirmTarget(command, attempt);
        faults.reach(AFTER_CONFIRM_TARGET);
        branches.confirmSource(command, attempt);
        faults.reach(AFTER_CONFIRM_SOURCE);
        log.finish(command.transactionId(), attempt, FROM_CONFIRMING, Status.SUCCESS, TccBranches.CONFIRMED,
                TccBranches.CONFIRMED);
    }

    private void cancel(MoneyCommand command, int attempt) throws SQLException {
        log.phase(command.transactionId(), attempt, FROM_TRYING_OR_CANCELLING, CANCELLING, null, null);
        branches.cancelSource(command, attempt);
        faults.reach(AFTER_CANCEL_SOURCE);
        branches.cancelTarget(command, attempt);
        log.abort(command.transactionId(), attempt, FROM_CANCELLING, TccBranches.CANCELLED, TccBranches.CANCELLED);
    }

    /** Cancels after a failed try; if that fails too, the log still says TRYING and recovery cancels. */
    private void cancelQuietly(MoneyCommand command, int attempt, Exception cause) {
        try {
            cancel(command, attempt);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof dev.wallet.api.spi.SimulatedCrashException crash) {
                throw crash;
            }
            cause.addSuppressed(e);
        }
    }

    /**
     * The source's fence is TRIED or CONFIRMED exactly while its debit stands (a cancel refunds
     * in the same transaction that marks it CANCELLED); the target's is CONFIRMED exactly once
     * its credit is there.
     */
    @Override
    long inFlightMinor(MoneyCommand command, int attempt, LockedReads.Cut cut) throws SQLException {
        TransactionId id = command.transactionId();
        Optional<String> source = cut.onShardOf(command.debited(),
                connection -> TccBranches.fence(connection, id, attempt, TccBranches.SOURCE));
        Optional<String> target = cut.onShardOf(command.credited(),
                connection -> TccBranches.fence(connection, id, attempt, TccBranches.TARGET));
        boolean debited = source.isPresent() && !source.get().equals(TccBranches.CANCELLED);
        boolean credited = target.isPresent() && target.get().equals(TccBranches.CONFIRMED);
        long amount = command.amount().minor();
        return (debited ? amount : 0) - (credited ? amount : 0);
    }

    @Override
    boolean recover(GlobalTransactions.Row row) throws SQLException {
        MoneyCommand command = row.command();
        int attempt = row.attempt();
        if (row.phase().equals(CONFIRMING)) {
            confirm(command, attempt);
            return true;
        }
        if (row.phase().equals(TRYING)) {
            Optional<String> source = branches.status(command, attempt, TccBranches.SOURCE);
            Optional<String> target = branches.status(command, attempt, TccBranches.TARGET);
            boolean sourceTried = source.isPresent() && !source.get().equals(TccBranches.CANCELLED);
            boolean targetTried = target.isPresent() && !target.get().equals(TccBranches.CANCELLED);
            if (sourceTried && targetTried) {
                // Every try succeeded: the transaction goes forward.
                log.phase(command.transactionId(), attempt, FROM_TRYING, CONFIRMING, TccBranches.TRIED, TccBranches.TRIED);
                confirm(command, attempt);
                return true;
            }
        }
        cancel(command, attempt);
        return false;
    }
}
