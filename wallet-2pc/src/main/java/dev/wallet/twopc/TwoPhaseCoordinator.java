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
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
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
 *
 * <p>Which transactions are whose: {@code inFlight} holds every id this coordinator has begun to
 * prepare and not yet seen to its end, including the decided ones whose participants would not
 * commit ({@code stranded}: their sessions and row locks are kept until recovery commits them).
 * Recovery, on open and in the background, resolves every prepared transaction of this
 * coordinator that is not in flight: committed if the log holds its decision, rolled back if not.
 * {@link CoordinatorClaim} makes sure no other wallet coordinates the same databases meanwhile.
 *
 * <p>{@link #lookup} answers from the ledger row of the id (decided), else from {@code inFlight}
 * and the prepared transactions a crash left on the shards (in flight), else empty: a transfer
 * that touches one shard is one local transaction, decided or absent, and one that has not begun
 * to prepare is absent (nothing of it is durable yet). {@link #balances} reads under the locks transfers take ({@link LockedReads}), so it
 * waits for a prepared transfer to commit on every shard: nothing is ever in flight in it.
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
    /** Reached once the decision row is committed, before its force; tests throw here to lose the reply. */
    static final CrashPoint DECISION_WRITTEN = new CrashPoint("2pc.decision-written",
            "the decision row is committed; the coordinator has not heard back yet");
    /** Reached before each participant's commit after the decision; tests throw here to make it fail. */
    static final CrashPoint BEFORE_PARTICIPANT_COMMIT = new CrashPoint("2pc.before-participant-commit",
            "the decision is logged; this participant is about to commit");

    private static final String NAME_PREFIX = "w2pc:";
    private static final int COMMIT_ATTEMPTS_MAX = 3;
    /** How long closing waits for transfers under way. */
    private static final long CLOSE_WAIT_MILLIS = 60_000;

    /** Decided participants that did not commit: kept (sessions and row locks) until recovery commits them. */
    private record Stranded(TransactionId id, Map<Integer, Connection> sessions, RowLocks.Held rows) {
    }

    private final Shards shards;
    private final FaultInjector faults;
    private final String namePrefix;
    private final Set<TransactionId> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<TransactionId, Stranded> stranded = new ConcurrentHashMap<>();
    private final CallGate gate = new CallGate();
    private final Object recoveryLock = new Object();
    private final Finisher finisher;
    private final Recoverer recoverer;
    private volatile boolean crashed;
    private volatile boolean closed;

    private TwoPhaseCoordinator(Shards shards, FaultInjector faults, long recoveryIntervalMillis) {
        this.shards = shards;
        this.faults = faults;
        this.namePrefix = NAME_PREFIX + String.format("%016x", shards.identity().getMostSignificantBits()) + ":";
        this.finisher = new Finisher(shards, "wallet-2pc-finisher");
        this.recoverer = recoveryIntervalMillis > 0 ? new Recoverer(this::recoverInBackground, recoveryIntervalMillis,
                "wallet-2pc-recovery") : null;
    }

    static TwoPhaseCoordinator open(ShardConfig config, FaultInjector faults, boolean automaticRecovery,
                                    long recoveryIntervalMillis) {
        Shards shards = new Shards(config, List.of("coordinator-schema.sql"), true);
        TwoPhaseCoordinator coordinator = new TwoPhaseCoordinator(shards, faults, automaticRecovery ? recoveryIntervalMillis : 0);
        if (automaticRecovery) {
            try {
                RecoveryReport report = coordinator.recover();
                if (report.committed() + report.rolledBack() + report.finished() + report.failed() > 0) {
                    LOG.info("recovered {}: {}", config, report);
                }
            } catch (RuntimeException e) {
                coordinator.finisher.abandon();
                shards.close();
                throw e;
            }
        }
        if (coordinator.recoverer != null) {
            coordinator.recoverer.start();
        }
        return coordinator;
    }

    // Opening accounts and reading balances.

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        LedgerRules.checkOpenable(account, currency);
        enter();
        try {
            return Rows.open(shards, account, currency);
        } catch (SQLException e) {
            throw unavailable("opening " + account, e, shards.dialect(shards.shardOf(account)));
        } finally {
            gate.exit();
        }
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        Objects.requireNonNull(account, "account");
        enter();
        int shard = shards.shardOf(account);
        try (Connection connection = shards.connect(shard)) {
            Optional<Rows.AccountRow> row = Rows.read(connection, account);
            connection.commit();
            return row.map(r -> Money.of(r.currency(), r.balanceMinor()));
        } catch (SQLException e) {
            throw unavailable("reading " + account, e, shards.dialect(shard));
        } finally {
            gate.exit();
        }
    }

    /** Reads the accounts as of one point, under the locks transfers take; see {@link LockedReads}. */
    @Override
    public BalanceSnapshot balances(Collection<AccountId> accounts) {
        List<AccountId> requested = BalanceSnapshot.requested(accounts);
        enter();
        try {
            return LockedReads.read(shards, requested, cut -> Map.of());
        } finally {
            gate.exit();
        }
    }

    // Lookups.

    @Override
    public Readiness readiness() {
        return gate.isClosed() ? Readiness.notReady("this wallet is closed") : shards.readiness();
    }

    @Override
    public List<WalletMetric> metrics() {
        return shards.metrics();
    }

    /**
     * Decided once the ledger row of the id is committed; in flight while this coordinator has
     * the id between its first prepare and its end ({@code inFlight}, stranded participants
     * included), or while a shard holds a prepared transaction of the id that a crash left for
     * recovery; empty otherwise (never recorded, or rolled back, which records nothing).
     */
    @Override
    public Optional<TransactionLookup> lookup(TransactionId transactionId) {
        Objects.requireNonNull(transactionId, "transactionId");
        int ledgerShard = shards.shardOf(transactionId);
        enter();
        try {
            Optional<Status> decided = ledgerStatus(ledgerShard, transactionId);
            if (decided.isEmpty()) {
                boolean underWay = inFlight.contains(transactionId) || preparedOnAnyShard(transactionId);
                // Read again: the id leaves inFlight (and a shard's prepared list) only once its
                // ledger row is committed or its transaction rolled back, so a decision reached
                // while we looked is found here, and a miss means nothing was decided before.
                decided = ledgerStatus(ledgerShard, transactionId);
                if (decided.isEmpty() && underWay) {
                    return Optional.of(TransactionLookup.inFlight(transactionId));
                }
            }
            return decided.map(status -> TransactionLookup.decided(transactionId, status));
        } catch (SQLException e) {
            throw unavailable("looking up " + transactionId, e, shards.dialect(ledgerShard));
        } finally {
            gate.exit();
        }
    }

    private Optional<Status> ledgerStatus(int ledgerShard, TransactionId id) throws SQLException {
        try (Connection connection = shards.connect(ledgerShard)) {
            Optional<Rows.Recorded> recorded = Rows.recorded(connection, id);
            connection.commit();
            return recorded.map(Rows.Recorded::status);
        }
    }

    /** Whether a shard holds a prepared transaction of {@code id} (any of its participants). */
    private boolean preparedOnAnyShard(TransactionId id) throws SQLException {
        for (int shard = 0; shard < shards.count(); shard++) {
            try (Connection connection = shards.connect(shard)) {
                for (String name : shards.dialect(shard).inDoubt(connection)) {
                    if (ownTransaction(name, shard).filter(id::equals).isPresent()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    // Money commands.

    /** As the default, but a closed wallet refuses an empty batch too. */
    @Override
    public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        if (closed || crashed) {
            throw closedException();
        }
        return TwoPhaseCommitWallet.super.executeBatch(commands);
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        enter();
        try {
            return executeEntered(command);
        } finally {
            gate.exit();
        }
    }

    private Outcome executeEntered(MoneyCommand command) {
        TransactionId id = command.transactionId();
        int ledgerShard = shards.shardOf(id);
        TreeMap<Integer, Connection> participants = new TreeMap<>();
        RowLocks.Held rows = shards.lockAccountsAndLedger(id, command.debited(), command.credited());
        Attempt attempt = new Attempt(command, ledgerShard, participants, rows);
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
        } catch (SQLException | RuntimeException e) {
            throw attempt.fail(e);
        } finally {
            for (Connection connection : participants.values()) {
                closeQuietly(connection);
            }
            if (!attempt.strandedRows) {
                rows.close();
            }
        }
    }

    /** One execution of a command that the ledger did not know. */
    private final class Attempt {
        private final MoneyCommand command;
        private final TransactionId id;
        private final int ledgerShard;
        private final TreeMap<Integer, Connection> participants;
        private final RowLocks.Held rows;
        /** Participants asked to prepare (added before the request, so that a lost reply is rolled back too). */
        private final Set<Integer> prepared = new TreeSet<>();
        private final Set<Integer> committed = new TreeSet<>();
        private boolean decided;
        private boolean strandedRows;

        Attempt(MoneyCommand command, int ledgerShard, TreeMap<Integer, Connection> participants, RowLocks.Held rows) {
            this.command = command;
            this.id = command.transactionId();
            this.ledgerShard = ledgerShard;
            this.participants = participants;
            this.rows = rows;
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
            Map<AccountId, Optional<Rows.AccountRow>> accounts = lockInGlobalOrder(debited, credited);
            Status status = decide(accounts);
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
                // A concurrent attempt with the same id committed first: answer as a repeat,
                // reading on the connection already held (the pool may have no other to give).
                rollbackAll();
                Connection ledger = participants.get(ledgerShard);
                Optional<Rows.Recorded> recorded = Rows.recorded(ledger, id);
                ledger.commit();
                return recorded.orElseThrow(() -> new IllegalStateException(
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
            Map<AccountId, Optional<Rows.AccountRow>> locked = new HashMap<>();
            for (AccountId account : order) {
                locked.put(account, Rows.lock(participants.get(shards.shardOf(account)), account));
            }
            return locked;
        }

        private Status decide(Map<AccountId, Optional<Rows.AccountRow>> accounts) {
            Optional<Rows.AccountRow> source = accounts.get(command.debited());
            Optional<Rows.AccountRow> target = accounts.get(command.credited());
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
                    prepared.add(shard);
                    shards.dialect(shard).prepare(participants.get(shard), name(id, shard));
                    if (prepared.size() == 1) {
                        faults.reach(AFTER_FIRST_PREPARE);
                    }
                }
                // Prepared states must be on disk before the decision that relies on them.
                for (int shard : writers) {
                    shards.force(shard);
                }
                faults.reach(AFTER_ALL_PREPARED);
                logDecisionOrFindIt(writers);
                decided = true;
                shards.forceCoordinator();
                faults.reach(AFTER_DECISION);
                for (int shard : writers) {
                    commitDecided(shard);
                    committed.add(shard);
                    if (committed.size() == 1) {
                        faults.reach(AFTER_FIRST_COMMIT);
                    }
                }
                finisher.finished(id);
            } catch (SQLException | RuntimeException e) {
                if (decided && !strandedRows && !(e instanceof SimulatedCrashException)) {
                    // Still in flight here, so recovery cannot take the participants for abandoned ones.
                    strand();
                }
                throw e;
            } finally {
                if (!crashed && !strandedRows) {
                    inFlight.remove(id);
                }
            }
        }

        /**
         * Writes the commit decision. A write whose reply was lost may have committed: the log is
         * read again, and only a decision known to be absent lets the caller roll back. Unknown
         * either way: every participant stays prepared for recovery, which reads the log later.
         */
        private void logDecisionOrFindIt(Set<Integer> writers) throws SQLException {
            try {
                logDecision(id, writers);
                faults.reach(DECISION_WRITTEN);
            } catch (SQLException | RuntimeException e) {
                if (e instanceof SimulatedCrashException crash) {
                    throw crash;
                }
                Optional<Boolean> logged = decisionLogged(id);
                if (logged.isEmpty()) {
                    strand();
                    throw new WalletUnavailableException("transaction " + id + " is in doubt: the commit decision may or "
                            + "may not be logged (" + e.getMessage() + "); recovery settles it from the log, retry with the "
                            + "same id", e);
                }
                if (!logged.get()) {
                    throw e;
                }
                LOG.warn("the decision of {} was logged although writing it reported {}", id, e.toString());
            }
        }

        /** Commits a participant after the decision, on its own session, a bounded number of times. */
        private void commitDecided(int shard) throws SQLException {
            Connection connection = participants.get(shard);
            faults.reach(BEFORE_PARTICIPANT_COMMIT);
            SQLException last = null;
            for (int attempt = 1; attempt <= COMMIT_ATTEMPTS_MAX; attempt++) {
                try {
                    shards.dialect(shard).commitPrepared(connection, name(id, shard));
                    return;
                } catch (SQLException e) {
                    last = e;
                }
            }
            throw last;
        }

        /**
         * Hands the prepared, uncommitted participants over to recovery: their sessions stay open
         * (on H2 closing one would roll its transaction back), their rows stay locked in this
         * process, and the id stays in flight until recovery commits or rolls them back.
         */
        private void strand() {
            Map<Integer, Connection> sessions = new TreeMap<>();
            for (int shard : prepared) {
                if (!committed.contains(shard)) {
                    Connection session = participants.remove(shard);
                    if (session != null) {
                        sessions.put(shard, session);
                    }
                }
            }
            strandedRows = true;
            stranded.put(id, new Stranded(id, sessions, rows));
            LOG.error("transaction {}: participants {} are left prepared for recovery", id, sessions.keySet());
        }

        /**
         * The exception to throw for a failure: once participants are stranded (after the decision,
         * or when the decision is in doubt) nothing is rolled back; before that, everything is.
         */
        RuntimeException fail(Exception cause) {
            if (strandedRows) {
                if (!decided && cause instanceof WalletUnavailableException inDoubt) {
                    return inDoubt;
                }
                return new WalletUnavailableException("transaction " + id + " is decided to commit but a participant "
                        + "could not confirm it (" + cause.getMessage() + "); recovery completes it, retry with the same id",
                        cause);
            }
            try {
                rollbackAll();
            } catch (SQLException | RuntimeException e) {
                cause.addSuppressed(e);
            }
            if (cause instanceof SQLException sql) {
                int shard = participants.isEmpty() ? ledgerShard : participants.firstKey();
                return unavailable("transfer " + id + " was rolled back", sql, shards.dialect(shard));
            }
            return cause instanceof WalletException wallet ? wallet : (RuntimeException) cause;
        }

        private void rollbackAll() throws SQLException {
            SQLException first = null;
            for (Map.Entry<Integer, Connection> participant : participants.entrySet()) {
                try {
                    rollback(participant.getKey(), participant.getValue());
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

        private void rollback(int shard, Connection connection) throws SQLException {
            if (prepared.contains(shard)) {
                try {
                    shards.dialect(shard).rollbackPrepared(connection, name(id, shard));
                    return;
                } catch (SQLException e) {
                    if (!shards.dialect(shard).isUnknownTransaction(e)) {
                        throw e;
                    }
                    // The prepare never took effect: an ordinary rollback ends the transaction.
                }
            }
            connection.rollback();
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

    /** Whether the log holds the decision of {@code id}; empty when the log cannot be read. */
    private Optional<Boolean> decisionLogged(TransactionId id) {
        try {
            return Optional.of(decisionExists(id));
        } catch (SQLException | RuntimeException e) {
            LOG.warn("cannot read the decision of {}", id, e);
            return Optional.empty();
        }
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

    private String name(TransactionId id, int shard) {
        return namePrefix + id + ":" + shard;
    }

    /** The transaction a prepared transaction's name belongs to, if it is one of this coordinator's on {@code shard}. */
    private Optional<TransactionId> ownTransaction(String name, int shard) {
        if (!name.startsWith(namePrefix) || !Dialect.NAME.matcher(name).matches() || !name.endsWith(":" + shard)) {
            return Optional.empty();
        }
        return Optional.of(new TransactionId(UUID.fromString(name.substring(namePrefix.length(), name.lastIndexOf(':')))));
    }

    // Recovery.

    @Override
    public RecoveryReport recover() {
        enter();
        try {
            synchronized (recoveryLock) {
                RecoveryReport report = resolveStranded();
                Set<TransactionId> stillInDoubt = new HashSet<>();
                for (int shard = 0; shard < shards.count(); shard++) {
                    report = report.plus(resolveInDoubt(shard, stillInDoubt));
                }
                return report.plus(finishDecided(stillInDoubt));
            }
        } catch (SimulatedCrashException crash) {
            crash();
            throw crash;
        } finally {
            gate.exit();
        }
    }

    /** A background pass: only when the wallet is open; nothing to report. */
    private void recoverInBackground() {
        if (closed || crashed) {
            return;
        }
        try {
            recover();
        } catch (WalletClosedException e) {
            // Closed between the check and the pass.
        }
    }

    /** Commits stranded participants from a fresh session each, then lets go of their sessions and rows. */
    private RecoveryReport resolveStranded() {
        int committedCount = 0;
        int failed = 0;
        for (Stranded entry : List.copyOf(stranded.values())) {
            boolean decided;
            try {
                decided = decisionExists(entry.id());
            } catch (SQLException e) {
                LOG.warn("cannot read the decision of stranded transaction {}; next pass", entry.id(), e);
                failed++;
                continue;
            }
            boolean resolved = true;
            for (Map.Entry<Integer, Connection> session : entry.sessions().entrySet()) {
                int shard = session.getKey();
                try {
                    resolve(shard, name(entry.id(), shard), decided);
                    committedCount += decided ? 1 : 0;
                } catch (SQLException e) {
                    LOG.warn("cannot resolve participant {} of stranded transaction {}; next pass", shard, entry.id(), e);
                    resolved = false;
                }
            }
            if (!resolved) {
                failed++;
                continue;
            }
            for (Map.Entry<Integer, Connection> session : entry.sessions().entrySet()) {
                shards.discard(session.getKey(), session.getValue());
            }
            stranded.remove(entry.id());
            entry.rows().close();
            inFlight.remove(entry.id());
            if (decided) {
                finisher.finished(entry.id());
            }
        }
        return new RecoveryReport(committedCount, 0, 0, failed);
    }

    /** Commits or rolls back a prepared transaction from a fresh session; one no longer prepared is done already. */
    private void resolve(int shard, String name, boolean commit) throws SQLException {
        Dialect dialect = shards.dialect(shard);
        try (Connection connection = shards.connect(shard)) {
            try {
                if (commit) {
                    dialect.commitInDoubt(connection, name);
                } else {
                    dialect.rollbackInDoubt(connection, name);
                }
            } catch (SQLException e) {
                connection.rollback();
                if (!dialect.isUnknownTransaction(e)) {
                    throw e;
                }
            }
        }
    }

    private RecoveryReport resolveInDoubt(int shard, Set<TransactionId> stillInDoubt) {
        Dialect dialect = shards.dialect(shard);
        int committedCount = 0;
        int rolledBack = 0;
        int failed = 0;
        List<String> names;
        try (Connection connection = shards.connect(shard)) {
            names = dialect.inDoubt(connection);
        } catch (SQLException e) {
            throw unavailable("listing the prepared transactions of shard " + shard, e, dialect);
        }
        for (String name : names) {
            Optional<TransactionId> own = ownTransaction(name, shard);
            if (own.isEmpty()) {
                // A server database may list other deployments' transactions too.
                continue;
            }
            TransactionId id = own.get();
            if (inFlight.contains(id)) {
                stillInDoubt.add(id);
                continue;
            }
            try {
                boolean commit = decisionExists(id);
                resolve(shard, name, commit);
                if (commit) {
                    committedCount++;
                } else {
                    rolledBack++;
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warn("cannot resolve prepared transaction {} on shard {}; next pass", name, shard, e);
                stillInDoubt.add(id);
                failed++;
            }
        }
        return new RecoveryReport(committedCount, rolledBack, 0, failed);
    }

    /** Marks finished the decisions none of whose participants is still prepared. */
    private RecoveryReport finishDecided(Set<TransactionId> stillInDoubt) {
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
                if (!inFlight.contains(id) && !stillInDoubt.contains(id)) {
                    markFinished(id);
                    finished++;
                }
            }
        } catch (SQLException e) {
            throw unavailable("recovering the decision log", e, shards.coordinatorDialect());
        }
        return new RecoveryReport(0, 0, finished, 0);
    }

    // Life cycle.

    private void enter() {
        if (!gate.enter()) {
            throw closedException();
        }
    }

    private WalletClosedException closedException() {
        return crashed ? new WalletClosedException("this two-phase-commit coordinator crashed (simulated); open a new one")
                : new WalletClosedException("this two-phase-commit wallet is closed");
    }

    private void crash() {
        if (!crashed) {
            crashed = true;
            gate.closeAndAwait(0);
            if (recoverer != null) {
                recoverer.abandon();
            }
            finisher.abandon();
            shards.crash();
            // The process is gone: its sessions died with the databases' (prepared transactions
            // stay in doubt), and its in-process row locks with it.
            stranded.values().forEach(entry -> entry.rows().close());
            stranded.clear();
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

    /**
     * Waits for the transfers under way, stops the background threads, and hands whatever is
     * still stranded to the next open: its sessions end without a rollback, so it stays in doubt.
     */
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
        finisher.close();
        if (!stranded.isEmpty()) {
            LOG.warn("closing with {} decided transactions not committed; the next open recovers them", stranded.size());
            for (Stranded entry : stranded.values()) {
                entry.sessions().forEach(shards::discard);
                entry.rows().close();
            }
            stranded.clear();
        }
        shards.close();
    }
}
