package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.CrashPoint;
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
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.LedgerRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-phase-commit coordinator: a stateless service over {@link Shards} whose only state of
 * its own is the decision log in the coordinator's database.
 */
final class TwoPhaseCoordinator implements TwoPhaseCommitWallet {

    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseCoordinator.class);

    static final CrashPoint AFTER_FIRST_PREPARE = new CrashPoint("2pc.after-first-prepare",
            "one participant is prepared, the others are not; no decision is logged");
    static final CrashPoint AFTER_ALL_PREPARED = new CrashPoint("2pc.after-all-prepared",
            "every participant is prepared and holds its locks; no decision is logged");
    static final CrashPoint AFTER_DECISION = new CrashPoint("2pc.after-decision-logged",
            "the commit decision is durable in the coordinator's log; no participant committed");
    static final CrashPoint AFTER_FIRST_COMMIT = new CrashPoint("2pc.after-first-commit",
            "one participant committed, the others are still prepared");
    static final List<CrashPoint> CRASH_POINTS = List.of(AFTER_FIRST_PREPARE, AFTER_ALL_PREPARED, AFTER_DECISION,
            AFTER_FIRST_COMMIT);

    private static final String NAME_PREFIX = "w2pc:";
    private static final int COMMIT_ATTEMPTS_MAX = 3;

    private final Shards shards;
    private final FaultInjector faults;
    private final Set<TransactionId> inFlight = ConcurrentHashMap.newKeySet();
    /** Connections holding a decided participant that would not commit; see {@code commitDecided}. */
    private final Set<Connection> quarantined = ConcurrentHashMap.newKeySet();
    private volatile boolean crashed;
    private volatile boolean closed;

    private final Finisher finisher;

    private TwoPhaseCoordinator(Shards shards, FaultInjector faults) {
        this.shards = shards;
        this.faults = faults;
        this.finisher = new Finisher(shards, "wallet-2pc-finisher");
    }

    static TwoPhaseCoordinator open(ShardConfig config, FaultInjector faults, boolean recoverOnOpen) {
        Shards shards = new Shards(config, List.of("coordinator-schema.sql"));
        TwoPhaseCoordinator coordinator = new TwoPhaseCoordinator(shards, faults);
        if (recoverOnOpen) {
            try {
                RecoveryReport report = coordinator.recover();
                if (report.committed() + report.rolledBack() + report.finished() > 0) {
                    LOG.info("recovered {}: {}", config, report);
                }
            } catch (RuntimeException e) {
                coordinator.finisher.abandon();
                shards.close();
                throw e;
            }
        }
        return coordinator;
    }

    // Opening accounts and reading balances.

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
            throw unavailable("opening " + account, e, shards.dialect(shards.shardOf(account)));
        }
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        Objects.requireNonNull(account, "account");
        checkOpen();
        int shard = shards.shardOf(account);
        try (Connection connection = shards.connect(shard)) {
            Optional<Rows.AccountRow> row = Rows.read(connection, account);
            connection.commit();
            return row.map(r -> Money.of(r.currency(), r.balanceMinor()));
        } catch (SQLException e) {
            throw unavailable("reading " + account, e, shards.dialect(shard));
        }
    }

    // Money commands.

    @Override
    public Outcome execute(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        checkOpen();
        TransactionId id = command.transactionId();
        int ledgerShard = shards.shardOf(id);
        TreeMap<Integer, Connection> participants = new TreeMap<>();
        Attempt attempt = new Attempt(command, ledgerShard, participants);
        RowLocks.Held rows = shards.lockAccounts(command.debited(), command.credited());
        try {
            // Connections are taken in shard order, like the locks, so that two transfers never
            // wait for each other's pool either.
            for (int shard : new TreeSet<>(List.of(ledgerShard, shards.shardOf(command.debited()),
                    shards.shardOf(command.credited())))) {
                participants.put(shard, shards.connect(shard));
            }
            return attempt.run();
        } catch (SimulatedCrashException crash) {
            // Kill the sessions before anything closes a connection: closing one would roll back
            // its prepared transaction, which a real crash does not do.
            crash();
            throw crash;
        } catch (SQLException e) {
            throw attempt.abort(e);
        } finally {
            for (Connection connection : participants.values()) {
                closeQuietly(connection);
            }
            rows.close();
        }
    }

    /** One execution of a command that the ledger did not know. */
    private final class Attempt {
        private final MoneyCommand command;
        private final TransactionId id;
        private final int ledgerShard;
        private final TreeMap<Integer, Connection> participants;
        private final Set<Integer> prepared = new TreeSet<>();
        private boolean decided;

        Attempt(MoneyCommand command, int ledgerShard, TreeMap<Integer, Connection> participants) {
            this.command = command;
            this.id = command.transactionId();
            this.ledgerShard = ledgerShard;
            this.participants = participants;
        }

        Outcome run() throws SQLException {
            // A repeat of a decided id answers from the ledger before locking anything.
            Optional<Rows.Recorded> earlier = Rows.recorded(participants.get(ledgerShard), id);
            if (earlier.isPresent()) {
                rollbackAll();
                return earlier.get().answer(command);
            }
            AccountId debited = command.debited();
            AccountId credited = command.credited();
            Map<AccountId, Optional<Rows.AccountRow>> rows = lockInGlobalOrder(debited, credited);
            Status status = decide(rows);
            Set<Integer> writers = new TreeSet<>();
            writers.add(ledgerShard);
            if (status == Status.SUCCESS) {
                long amount = command.amount().minor();
                Rows.addToBalance(participants.get(shards.shardOf(debited)), debited, -amount);
                Rows.addToBalance(participants.get(shards.shardOf(credited)), credited, amount);
                writers.add(shards.shardOf(debited));
                writers.add(shards.shardOf(credited));
            }
            try {
                Rows.record(participants.get(ledgerShard), command, status);
            } catch (SQLException e) {
                if (!shards.dialect(ledgerShard).isDuplicateKey(e)) {
                    throw e;
                }
                // A concurrent attempt with the same id committed first: answer as a repeat.
                rollbackAll();
                return recorded(ledgerShard, id).orElseThrow(() -> new IllegalStateException(
                        "the ledger reported " + id + " present but does not hold it")).answer(command);
            }
            commit(writers);
            return Outcome.of(id, status);
        }

        private Map<AccountId, Optional<Rows.AccountRow>> lockInGlobalOrder(AccountId debited, AccountId credited)
                throws SQLException {
            Comparator<AccountId> global = Comparator.comparingInt((AccountId account) -> shards.shardOf(account))
                    .thenComparing(AccountId::value);
            TreeSet<AccountId> order = new TreeSet<>(global);
            order.add(debited);
            order.add(credited);
            Map<AccountId, Optional<Rows.AccountRow>> rows = new HashMap<>();
            for (AccountId account : order) {
                rows.put(account, Rows.lock(participants.get(shards.shardOf(account)), account));
            }
            return rows;
        }

        private Status decide(Map<AccountId, Optional<Rows.AccountRow>> rows) {
            Optional<Rows.AccountRow> source = rows.get(command.debited());
            Optional<Rows.AccountRow> target = rows.get(command.credited());
            Status refusal = LedgerRules.checkAccounts(command, source.map(Rows.AccountRow::currency).orElse(null),
                    target.map(Rows.AccountRow::currency).orElse(null));
            if (refusal != null) {
                return refusal;
            }
            return LedgerRules.checkDebit(command.debited(), source.orElseThrow().balanceMinor(), command.amount().minor());
        }

        /**
         * One writer: a local commit, forced to disk. Several: two-phase commit — every prepare
         * forced, then the decision forced, then the commits (which need no force: after a power
         * cut, a forced prepare and a forced decision let recovery commit again). Read-only
         * participants just release their locks.
         */
        private void commit(Set<Integer> writers) throws SQLException {
            for (Map.Entry<Integer, Connection> participant : participants.entrySet()) {
                if (!writers.contains(participant.getKey())) {
                    participant.getValue().rollback();
                }
            }
            if (writers.size() == 1) {
                int writer = writers.iterator().next();
                participants.get(writer).commit();
                shards.force(writer);
                return;
            }
            inFlight.add(id);
            try {
                for (int shard : writers) {
                    shards.dialect(shard).prepare(participants.get(shard), name(id, shard));
                    prepared.add(shard);
                    if (prepared.size() == 1) {
                        faults.reach(AFTER_FIRST_PREPARE);
                    }
                }
                // Prepared states must be on disk before the decision that relies on them.
                for (int shard : writers) {
                    shards.force(shard);
                }
                faults.reach(AFTER_ALL_PREPARED);
                logDecision(id, writers);
                decided = true;
                try {
                    shards.forceCoordinator();
                } catch (WalletUnavailableException e) {
                    // The decision may be on disk: the prepared participants must not be rolled back.
                    quarantinePrepared();
                    throw e;
                }
                faults.reach(AFTER_DECISION);
                int committed = 0;
                for (int shard : writers) {
                    commitDecided(shard);
                    if (++committed == 1) {
                        faults.reach(AFTER_FIRST_COMMIT);
                    }
                }
                finisher.finished(id);
            } finally {
                if (!crashed) {
                    inFlight.remove(id);
                }
            }
        }

        /**
         * Commits a participant after the decision, trying a bounded number of times. A participant
         * that still refuses is quarantined: its connection is never closed (closing would roll the
         * prepared transaction back against the decision) and is left for recovery.
         */
        private void commitDecided(int shard) throws SQLException {
            Connection connection = participants.get(shard);
            SQLException last = null;
            for (int attempt = 1; attempt <= COMMIT_ATTEMPTS_MAX; attempt++) {
                try {
                    shards.dialect(shard).commitPrepared(connection, name(id, shard));
                    return;
                } catch (SQLException e) {
                    last = e;
                }
            }
            participants.remove(shard);
            quarantined.add(connection);
            LOG.error("participant {} of decided transaction {} refused to commit {} times; left prepared for recovery",
                    shard, id, COMMIT_ATTEMPTS_MAX, last);
            throw last;
        }

        /** Keeps every prepared participant's session open for recovery instead of letting a close roll it back. */
        private void quarantinePrepared() {
            for (int shard : prepared) {
                Connection connection = participants.remove(shard);
                if (connection != null) {
                    quarantined.add(connection);
                }
            }
            LOG.error("transaction {} is decided but its decision could not be confirmed on disk; its prepared "
                    + "participants are left for recovery", id);
        }

        /** Undoes what can be undone and reports the failure as retryable. */
        WalletUnavailableException abort(SQLException cause) {
            int shard = participants.isEmpty() ? ledgerShard : participants.firstKey();
            if (decided) {
                // The commit decision is durable; recovery finishes what the error interrupted.
                return new WalletUnavailableException("transaction " + id + " is decided to commit but a participant "
                        + "could not confirm it (" + cause.getMessage() + "); recovery completes it, retry with the same id",
                        cause);
            }
            try {
                rollbackAll();
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
            return unavailable("transfer " + id + " was rolled back", cause, shards.dialect(shard));
        }

        private void rollbackAll() throws SQLException {
            SQLException first = null;
            for (Map.Entry<Integer, Connection> participant : participants.entrySet()) {
                try {
                    if (prepared.contains(participant.getKey())) {
                        shards.dialect(participant.getKey()).rollbackPrepared(participant.getValue(),
                                name(id, participant.getKey()));
                    } else {
                        participant.getValue().rollback();
                    }
                } catch (SQLException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            prepared.clear();
            if (first != null) {
                throw first;
            }
        }
    }

    private Optional<Rows.Recorded> recorded(int shard, TransactionId id) {
        try (Connection connection = shards.connect(shard)) {
            Optional<Rows.Recorded> recorded = Rows.recorded(connection, id);
            connection.commit();
            return recorded;
        } catch (SQLException e) {
            throw unavailable("reading the ledger for " + id, e, shards.dialect(shard));
        }
    }

    // The decision log.

    private void logDecision(TransactionId id, Set<Integer> participants) throws SQLException {
        try (Connection log = shards.connectCoordinator();
             PreparedStatement insert = log.prepareStatement(
                     "INSERT INTO decisions (tx_id, participants, finished) VALUES (?, ?, FALSE)")) {
            insert.setObject(1, id.value());
            insert.setString(2, participants.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElseThrow());
            insert.executeUpdate();
            log.commit();
        }
    }

    private void markFinished(TransactionId id) {
        try (Connection log = shards.connectCoordinator();
             PreparedStatement update = log.prepareStatement("UPDATE decisions SET finished = TRUE WHERE tx_id = ?")) {
            update.setObject(1, id.value());
            update.executeUpdate();
            log.commit();
        } catch (SQLException e) {
            // Every participant committed; an unfinished mark only makes recovery look at it again.
            LOG.warn("could not mark {} finished; recovery will", id, e);
        }
    }

    private static String name(TransactionId id, int shard) {
        return NAME_PREFIX + id + ":" + shard;
    }

    // Recovery.

    @Override
    public RecoveryReport recover() {
        checkOpen();
        RecoveryReport report = new RecoveryReport(0, 0, 0);
        for (int shard = 0; shard < shards.count(); shard++) {
            report = report.plus(resolveInDoubt(shard));
        }
        return report.plus(finishDecided());
    }

    private RecoveryReport resolveInDoubt(int shard) {
        Dialect dialect = shards.dialect(shard);
        int committed = 0;
        int rolledBack = 0;
        try (Connection connection = shards.connect(shard)) {
            for (String name : dialect.inDoubt(connection)) {
                // A server database may list other databases' or other shards' transactions too.
                if (!name.startsWith(NAME_PREFIX) || !Dialect.NAME.matcher(name).matches() || !name.endsWith(":" + shard)) {
                    continue;
                }
                TransactionId id = new TransactionId(UUID.fromString(name.substring(NAME_PREFIX.length(), name.lastIndexOf(':'))));
                if (inFlight.contains(id)) {
                    continue;
                }
                if (decisionExists(id)) {
                    dialect.commitInDoubt(connection, name);
                    committed++;
                } else {
                    dialect.rollbackInDoubt(connection, name);
                    rolledBack++;
                }
            }
        } catch (SQLException e) {
            throw unavailable("recovering shard " + shard, e, dialect);
        }
        return new RecoveryReport(committed, rolledBack, 0);
    }

    private RecoveryReport finishDecided() {
        int finished = 0;
        try (Connection log = shards.connectCoordinator()) {
            List<TransactionId> unfinished = new ArrayList<>();
            try (PreparedStatement select = log.prepareStatement("SELECT tx_id FROM decisions WHERE finished = FALSE");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    unfinished.add(new TransactionId(rows.getObject(1, UUID.class)));
                }
            }
            log.commit();
            for (TransactionId id : unfinished) {
                if (!inFlight.contains(id)) {
                    markFinished(id);
                    finished++;
                }
            }
        } catch (SQLException e) {
            throw unavailable("recovering the decision log", e, shards.coordinatorDialect());
        }
        return new RecoveryReport(0, 0, finished);
    }

    private boolean decisionExists(TransactionId id) throws SQLException {
        try (Connection log = shards.connectCoordinator();
             PreparedStatement select = log.prepareStatement("SELECT 1 FROM decisions WHERE tx_id = ?")) {
            select.setObject(1, id.value());
            try (ResultSet row = select.executeQuery()) {
                boolean found = row.next();
                log.commit();
                return found;
            }
        }
    }

    // Life cycle.

    private void crash() {
        if (!crashed) {
            crashed = true;
            finisher.abandon();
            shards.crash();
        }
    }

    private void checkOpen() {
        if (crashed) {
            throw new WalletClosedException("this two-phase-commit coordinator crashed (simulated); open a new one");
        }
        if (closed) {
            throw new WalletClosedException("this two-phase-commit wallet is closed");
        }
    }

    private static WalletUnavailableException unavailable(String what, SQLException e, Dialect dialect) {
        String kind = dialect.isLockFailure(e) ? "a row lock was not granted in time" : "the database failed";
        return new WalletUnavailableException(what + ": " + kind + " (" + e.getMessage() + "); retry with the same id", e);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("closing a connection failed", e);
        }
    }

    @Override
    public void close() {
        if (!closed && !crashed) {
            closed = true;
            finisher.close();
            if (quarantined.isEmpty()) {
                shards.close();
            } else {
                // Closing normally would roll back decided participants; ending the sessions
                // without a rollback leaves them in doubt for the next open's recovery to commit.
                LOG.warn("closing with {} decided participants not committed; the next open recovers them", quarantined.size());
                shards.crash();
            }
        }
        closed = true;
    }
}
