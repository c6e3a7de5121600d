package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.FaultInjector;
import dev.wallet.api.InvalidInputException;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.SimulatedCrashException;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletException;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.LedgerRules;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Currency;
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
 * one running attempt per id in this process (repeats wait for it), bounded recovery that marks a
 * transaction STUCK when it cannot be finished, and the simulated crash. Subclasses say how one
 * attempt runs and how an unfinished one is driven to an end.
 *
 * <p>Thread-safe: the coordinator keeps no state of its own but the log and the in-process map of
 * running attempts.
 */
abstract class GlobalCoordinator implements CompensatingWallet {

    private static final Logger LOG = LoggerFactory.getLogger(GlobalCoordinator.class);

    /** Recovery passes a transaction gets before it is marked STUCK. */
    static final int RECOVERY_ATTEMPTS_MAX = 5;
    /** How long a repeat waits for the running attempt of the same command in this process. */
    static final long WAIT_FOR_RUNNING_SECONDS = 30;

    private record Running(MoneyCommand command, CompletableFuture<Outcome> future) {
    }

    final Shards shards;
    final FaultInjector faults;
    final GlobalTransactions log;
    private final Map<TransactionId, Running> running = new ConcurrentHashMap<>();
    private volatile boolean crashed;
    private volatile boolean closed;

    GlobalCoordinator(Shards shards, FaultInjector faults, String protocol) {
        this.shards = shards;
        this.faults = faults;
        this.log = new GlobalTransactions(shards, protocol);
    }

    /** The phase a new attempt starts in. */
    abstract String firstPhase();

    /** Runs one attempt of a command the log registered; returns its outcome once it is pinned. */
    abstract Outcome run(MoneyCommand command, int attempt) throws SQLException;

    /** Drives an unfinished attempt to an end; true if forward (the command took effect), false if compensated. */
    abstract boolean recover(GlobalTransactions.Row row) throws SQLException;

    /** A strategy-specific name for messages. */
    abstract String protocolName();

    // The Wallet API.

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        Objects.requireNonNull(account, "account");
        if (account.isFunding()) {
            throw new InvalidInputException("account", account.value(), "is a funding account, which exists implicitly");
        }
        Currencies.requireSupported("currency", currency);
        checkOpen();
        try {
            return Rows.open(shards, account, currency);
        } catch (SQLException e) {
            throw unavailable("opening " + account, e);
        }
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        Objects.requireNonNull(account, "account");
        checkOpen();
        try (Connection connection = shards.connect(shards.shardOf(account))) {
            Optional<Rows.AccountRow> row = Rows.read(connection, account);
            connection.commit();
            return row.map(r -> Money.of(r.currency(), r.balanceMinor()));
        } catch (SQLException e) {
            throw unavailable("reading " + account, e);
        }
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        checkOpen();
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
            if (begun instanceof GlobalTransactions.Running) {
                throw new WalletUnavailableException("transaction " + id + " is under way in another process or waits for "
                        + "recovery; retry with the same id");
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

    @Override
    public CompensationReport recover() {
        checkOpen();
        int forward = 0;
        int compensated = 0;
        int stuck = 0;
        try {
            for (GlobalTransactions.Row row : log.unfinished()) {
                if (running.containsKey(row.id())) {
                    continue;
                }
                if (log.countRecoveryAttempt(row.id(), row.attempt()) > RECOVERY_ATTEMPTS_MAX) {
                    log.phase(row.id(), row.attempt(), GlobalTransactions.STUCK, null, null);
                    LOG.error("{} transaction {} could not be finished in {} recovery passes; marked STUCK for repair",
                            protocolName(), row.id(), RECOVERY_ATTEMPTS_MAX);
                    stuck++;
                    continue;
                }
                try {
                    if (recover(row)) {
                        forward++;
                    } else {
                        compensated++;
                    }
                } catch (SimulatedCrashException crash) {
                    throw crash;
                } catch (SQLException | RuntimeException e) {
                    // Counted as a failed pass; the bound turns a transaction that keeps failing into STUCK.
                    LOG.warn("recovering {} transaction {} failed this pass", protocolName(), row.id(), e);
                }
            }
        } catch (SimulatedCrashException crash) {
            crash();
            throw crash;
        } catch (SQLException e) {
            throw unavailable("recovering the " + protocolName() + " log", e);
        }
        return new CompensationReport(forward, compensated, stuck);
    }


    // Life cycle.

    void crash() {
        if (!crashed) {
            crashed = true;
            shards.crash();
        }
    }

    void checkOpen() {
        if (crashed) {
            throw new WalletClosedException("this " + protocolName() + " coordinator crashed (simulated); open a new one");
        }
        if (closed) {
            throw new WalletClosedException("this " + protocolName() + " wallet is closed");
        }
    }

    WalletUnavailableException unavailable(String what, SQLException e) {
        boolean lock = shards.dialect(0).isLockFailure(e) || shards.coordinatorDialect().isLockFailure(e);
        return new WalletUnavailableException(what + ": " + (lock ? "a row lock was not granted in time" : "the database failed")
                + " (" + e.getMessage() + "); retry with the same id", e);
    }

    @Override
    public void close() {
        if (!closed && !crashed) {
            shards.close();
        }
        closed = true;
    }
}
