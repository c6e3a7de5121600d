package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Readiness;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletException;
import dev.wallet.api.WalletMetric;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the TC/C and Saga coordinators share: the global-transaction log as idempotency index,
 * the in-process bookkeeping of which ids are being executed, bounded recovery (on open, in the
 * background, and on demand) that leaves a transaction failing it too often for repair, and the
 * simulated crash. Subclasses say how one attempt runs and how an unfinished one is driven to an
 * end.
 *
 * <p>Who drives a transaction: the thread executing it, or recovery, never both. Every id being
 * executed in this process is counted in {@code executing} before its log row can exist and until
 * its thread is done with it; recovery (one pass at a time) skips those, and reads a row again
 * before driving it. {@link CoordinatorClaim} keeps other wallets off these databases, and every
 * phase change is a compare-and-set in the log besides.
 *
 * <p>{@link #lookup} answers from the log row of the id: decided once its outcome is pinned
 * (FINISHED), in flight while an attempt is under way, waits for recovery or is stuck (the money
 * may be in flight until {@link #recover()} finishes it), and empty when there is no row or the
 * last attempt was ABORTED: an aborted attempt took no effect (every step it made was undone) and
 * a repeat of the id runs afresh, exactly as for an id never seen. There is no single-shard fast
 * path: every command, refusals included, has its row.
 *
 * <p>{@link #balances} is a consistent cut with the money in flight. It locks the accounts as
 * {@link LockedReads} does (every step that moves money holds the in-process and database locks
 * of its account until it has committed), then, still holding them, lists the unfinished
 * transactions of the log and reads, for each whose debited account is locked, where its steps
 * stand on the shards ({@link #inFlightMinor}). Each step records itself (a {@code tcc_fence} or
 * {@code saga_applied} row) in the same local transaction as its balance change, so on every
 * locked account the balance and the record of the steps that made it are read as of the same
 * point, and a step counts as in flight exactly the money its balances show moved: a debit adds
 * the amount, a credit or a refund takes it back. A transaction that the log lists as finished
 * or aborted once the locks are held made every step on the locked accounts before they were
 * taken, so its steps are all visible and net to zero; one that has not begun made none. The
 * log itself is read only for the commands (immutable per id) and to list the candidates, so its
 * phases, which change in separate transactions of another database, never need to agree with
 * the shards at one instant. Hence, per currency, the balances of all accounts plus the money in
 * flight sum to zero in a read that covers every account. A read that covers only some reads the
 * credit of a transfer to an account it does not lock a little later; that only ever finds more
 * of the transfer done, never less.
 *
 * <p>Thread-safe.
 */
abstract class GlobalCoordinator implements CompensatingWallet {

    private static final Logger LOG = LoggerFactory.getLogger(GlobalCoordinator.class);

    /** Failed recovery passes a transaction gets before it is left for repair. */
    static final int RECOVERY_ATTEMPTS_MAX = 5;
    /** How long a repeat waits for the running attempt of the same command in this process. */
    static final long WAIT_FOR_RUNNING_SECONDS = 30;
    /** How long closing waits for calls under way. */
    private static final long CLOSE_WAIT_MILLIS = 60_000;

    private record Running(MoneyCommand command, CompletableFuture<Outcome> future) {
    }

    final Shards shards;
    final FaultInjector faults;
    final GlobalTransactions log;
    /** The first caller of each command running here, whom repeats of the same command wait for. */
    private final Map<TransactionId, Running> running = new ConcurrentHashMap<>();
    /** How many threads of this process are executing each id (whatever the payload); recovery leaves those alone. */
    private final Map<TransactionId, Integer> executing = new ConcurrentHashMap<>();
    private final CallGate gate = new CallGate();
    private final Object recoveryLock = new Object();
    private Recoverer recoverer;
    private volatile boolean crashed;
    private volatile boolean closed;

    GlobalCoordinator(Shards shards, FaultInjector faults, String protocol) {
        this.shards = shards;
        this.faults = faults;
        this.log = new GlobalTransactions(shards, protocol);
    }

    /** Starts background recovery every {@code intervalMillis}. */
    void startRecovery(long intervalMillis) {
        recoverer = new Recoverer(this::recoverInBackground, intervalMillis, "wallet-" + protocolName() + "-recovery");
        recoverer.start();
    }

    /** The phase a new attempt starts in. */
    abstract String firstPhase();

    /** Runs one attempt of a command the log registered; returns its outcome once it is pinned. */
    abstract Outcome run(MoneyCommand command, int attempt) throws SQLException;

    /** Drives an unfinished attempt to an end; true if forward (the command took effect), false if compensated. */
    abstract boolean recover(GlobalTransactions.Row row) throws SQLException;

    /** A strategy-specific name for messages. */
    abstract String protocolName();

    /**
     * How much of an attempt's amount its steps have debited and not yet credited or refunded,
     * read from the step records on the shards through {@code cut} (0 or the amount).
     */
    abstract long inFlightMinor(MoneyCommand command, int attempt, LockedReads.Cut cut) throws SQLException;

    // The Wallet API.

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        LedgerRules.checkOpenable(account, currency);
        enter();
        try {
            return Rows.open(shards, account, currency);
        } catch (SQLException e) {
            throw unavailable("opening " + account, e);
        } finally {
            gate.exit();
        }
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        Objects.requireNonNull(account, "account");
        enter();
        try (Connection connection = shards.connect(shards.shardOf(account))) {
            Optional<Rows.AccountRow> row = Rows.read(connection, account);
            connection.commit();
            return row.map(r -> Money.of(r.currency(), r.balanceMinor()));
        } catch (SQLException e) {
            throw unavailable("reading " + account, e);
        } finally {
            gate.exit();
        }
    }

    @Override
    public BalanceSnapshot balances(Collection<AccountId> accounts) {
        List<AccountId> requested = BalanceSnapshot.requested(accounts);
        enter();
        try {
            return LockedReads.read(shards, requested, this::moneyInFlight);
        } finally {
            gate.exit();
        }
    }

    /** Read while the accounts of {@code cut} are locked; see the class comment for why it is exact. */
    private Map<Currency, Money> moneyInFlight(LockedReads.Cut cut) throws SQLException {
        Map<Currency, Money> sums = new HashMap<>();
        for (GlobalTransactions.Row row : log.unfinished(true, Integer.MAX_VALUE)) {
            MoneyCommand command = row.command();
            if (!cut.covers(command.debited())) {
                continue;
            }
            long minor = inFlightMinor(command, row.attempt(), cut);
            if (minor != 0 && minor != command.amount().minor()) {
                throw new IllegalStateException(protocolName() + " transaction " + row.id() + " attempt " + row.attempt()
                        + " has " + minor + " minor units in flight, neither nothing nor its amount " + command.amount()
                        + ": its step records are broken");
            }
            if (minor != 0) {
                LockedReads.addInFlight(sums, command.amount().currency(), minor);
            }
        }
        return sums;
    }

    @Override
    public Readiness readiness() {
        return gate.isClosed() ? Readiness.notReady("this wallet is closed") : shards.readiness();
    }

    @Override
    public List<WalletMetric> metrics() {
        return shards.metrics();
    }

    @Override
    public Optional<TransactionLookup> lookup(TransactionId transactionId) {
        Objects.requireNonNull(transactionId, "transactionId");
        enter();
        try {
            Optional<GlobalTransactions.Row> row = log.find(transactionId);
            if (row.isEmpty() || row.get().phase().equals(GlobalTransactions.ABORTED)) {
                return Optional.empty();
            }
            if (row.get().phase().equals(GlobalTransactions.FINISHED)) {
                return Optional.of(TransactionLookup.decided(transactionId, row.get().outcome()));
            }
            return Optional.of(TransactionLookup.inFlight(transactionId));
        } catch (SQLException e) {
            throw unavailable("looking up " + transactionId, e);
        } finally {
            gate.exit();
        }
    }

    /** As the default, but a closed wallet refuses an empty batch too. */
    @Override
    public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        if (closed || crashed) {
            throw closedException();
        }
        return CompensatingWallet.super.executeBatch(commands);
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        enter();
        TransactionId id = command.transactionId();
        executing.merge(id, 1, Integer::sum);
        try {
            return executeEntered(command);
        } finally {
            executing.computeIfPresent(id, (key, count) -> count == 1 ? null : count - 1);
            gate.exit();
        }
    }

    private Outcome executeEntered(MoneyCommand command) {
        TransactionId id = command.transactionId();
        Running mine = new Running(command, new CompletableFuture<>());
        Running other = running.putIfAbsent(id, mine);
        if (other != null && other.command().equals(command)) {
            Outcome first = awaitOther(other);
            return first.status() == Status.CONFLICT ? first : Outcome.replayOf(id, first.status());
        }
        Outcome outcome = null;
        RuntimeException failure = null;
        try {
            outcome = attempt(command);
            return outcome;
        } catch (SimulatedCrashException crash) {
            crash();
            failure = crash;
            throw crash;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            // Whoever waits for this attempt hears how it ended, whichever way it ended.
            if (outcome != null) {
                mine.future().complete(outcome);
            } else {
                mine.future().completeExceptionally(failure != null ? failure : new IllegalStateException("attempt ended"));
            }
            if (other == null) {
                running.remove(id, mine);
            }
        }
    }

    /** Registers the command in the log and runs it when the log says it may. */
    private Outcome attempt(MoneyCommand command) {
        TransactionId id = command.transactionId();
        try {
            GlobalTransactions.Begun begun = log.begin(command, firstPhase());
            if (begun instanceof GlobalTransactions.Answered answered) {
                return answered.outcome();
            }
            if (begun instanceof GlobalTransactions.Running waiting) {
                GlobalTransactions.Row row = waiting.row();
                if (row.stuck(RECOVERY_ATTEMPTS_MAX)) {
                    throw new TransactionStuckException(id, row.phase(), row.recoveryFailures());
                }
                throw new WalletUnavailableException("transaction " + id + " is under way or waits for recovery; retry "
                        + "with the same id");
            }
            // Registered by the log: this payload runs, even if another payload of the same id is
            // being submitted here too (the log answers that one CONFLICT).
            return run(command, ((GlobalTransactions.Started) begun).attempt());
        } catch (SQLException e) {
            throw unavailable(protocolName() + " transaction " + id, e);
        }
    }

    private static Outcome awaitOther(Running other) {
        try {
            return other.future().get(WAIT_FOR_RUNNING_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WalletException walletException && !(walletException instanceof SimulatedCrashException)) {
                throw new WalletUnavailableException("the first attempt of " + other.command().transactionId()
                        + " failed: " + walletException.getMessage() + "; retry with the same id", walletException);
            }
            throw new WalletUnavailableException("the first attempt of " + other.command().transactionId()
                    + " failed; retry with the same id", e.getCause());
        } catch (TimeoutException e) {
            throw new WalletUnavailableException("the first attempt of " + other.command().transactionId()
                    + " is still running after " + WAIT_FOR_RUNNING_SECONDS + " s; retry with the same id", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while waiting for " + other.command().transactionId(), e);
        }
    }

    /**
     * The checks that need no lock (accounts exist, currencies match), read from the shards;
     * {@code null} when the command may go on to its funds check.
     */
    Status checkAccounts(MoneyCommand command) throws SQLException {
        Optional<Rows.AccountRow> debited;
        Optional<Rows.AccountRow> credited;
        try (Connection connection = shards.connect(shards.shardOf(command.debited()))) {
            debited = Rows.read(connection, command.debited());
            connection.commit();
        }
        try (Connection connection = shards.connect(shards.shardOf(command.credited()))) {
            credited = Rows.read(connection, command.credited());
            connection.commit();
        }
        return LedgerRules.checkAccounts(command, debited.map(Rows.AccountRow::currency).orElse(null),
                credited.map(Rows.AccountRow::currency).orElse(null));
    }

    // Recovery.

    /** Drives every unfinished transaction no thread of this process executes, the stuck ones included. */
    @Override
    public CompensationReport recover() {
        return recoverPass(true);
    }

    /** The pass on open: like the background ones, it leaves stuck transactions for repair. */
    void recoverOnOpen() {
        recoverPass(false);
    }

    private void recoverInBackground() {
        if (closed || crashed) {
            return;
        }
        try {
            recoverPass(false);
        } catch (WalletClosedException e) {
            // Closed between the check and the pass.
        }
    }

    private CompensationReport recoverPass(boolean withStuck) {
        enter();
        try {
            synchronized (recoveryLock) {
                return recoverEach(log.unfinished(withStuck, RECOVERY_ATTEMPTS_MAX));
            }
        } catch (SimulatedCrashException crash) {
            crash();
            throw crash;
        } catch (SQLException e) {
            throw unavailable("recovering the " + protocolName() + " log", e);
        } finally {
            gate.exit();
        }
    }

    private CompensationReport recoverEach(Iterable<GlobalTransactions.Row> rows) throws SQLException {
        int forward = 0;
        int compensated = 0;
        int stuck = 0;
        for (GlobalTransactions.Row listed : rows) {
            if (executing.containsKey(listed.id())) {
                continue;
            }
            // Read again: the thread that executed it may have finished it since it was listed.
            Optional<GlobalTransactions.Row> row = log.find(listed.id());
            if (row.isEmpty() || row.get().attempt() != listed.attempt() || row.get().finishedOrAborted()) {
                continue;
            }
            try {
                if (recover(row.get())) {
                    forward++;
                } else {
                    compensated++;
                }
            } catch (SimulatedCrashException crash) {
                throw crash;
            } catch (SQLException | RuntimeException e) {
                int failures = log.countRecoveryFailure(listed.id(), listed.attempt());
                if (failures > RECOVERY_ATTEMPTS_MAX) {
                    stuck++;
                    LOG.error("{} transaction {} failed {} recovery passes; left for repair (call recover() once the cause "
                            + "is fixed)", protocolName(), listed.id(), failures, e);
                } else {
                    LOG.warn("recovering {} transaction {} failed (pass {} of {})", protocolName(), listed.id(), failures,
                            RECOVERY_ATTEMPTS_MAX, e);
                }
            }
        }
        return new CompensationReport(forward, compensated, stuck);
    }

    // Life cycle.

    private void enter() {
        if (!gate.enter()) {
            throw closedException();
        }
    }

    private WalletClosedException closedException() {
        return crashed ? new WalletClosedException("this " + protocolName() + " coordinator crashed (simulated); open a new one")
                : new WalletClosedException("this " + protocolName() + " wallet is closed");
    }

    void crash() {
        if (!crashed) {
            crashed = true;
            gate.closeAndAwait(0);
            if (recoverer != null) {
                recoverer.abandon();
            }
            shards.crash();
        }
    }

    WalletUnavailableException unavailable(String what, SQLException e) {
        boolean lock = shards.isLockFailure(e);
        return new WalletUnavailableException(what + ": " + (lock ? "a row lock was not granted in time" : "the database failed")
                + " (" + e.getMessage() + "); retry with the same id", e);
    }

    /** Stops background recovery, waits for the calls under way, and closes the pools. */
    @Override
    public void close() {
        if (closed || crashed) {
            closed = true;
            return;
        }
        closed = true;
        if (recoverer != null) {
            recoverer.close();
        }
        if (!gate.closeAndAwait(CLOSE_WAIT_MILLIS)) {
            LOG.warn("closing with {} calls still under way after {} ms", gate.active(), CLOSE_WAIT_MILLIS);
        }
        shards.close();
    }
}
