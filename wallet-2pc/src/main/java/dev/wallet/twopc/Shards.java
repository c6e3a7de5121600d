package dev.wallet.twopc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.wallet.api.AccountId;
import dev.wallet.api.Readiness;
import dev.wallet.api.TransactionId;
import dev.wallet.api.WalletMetric;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.Partitioner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard databases and the coordinator's database, one HikariCP pool each, and the partition
 * function that places accounts and transaction ids on shards ({@link Partitioner#hashing}, shared
 * with every sharded strategy). Creates the schemas on open and claims the databases for one
 * coordinator ({@link CoordinatorClaim}).
 *
 * <p>Thread-safe.
 */
final class Shards implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Shards.class);

    private final ShardConfig config;
    private final Partitioner partitioner;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<Dialect> dialects = new ArrayList<>();
    private final HikariDataSource coordinatorPool;
    private final Dialect coordinatorDialect;
    private final List<Syncer> syncers = new ArrayList<>();
    private final Syncer coordinatorSyncer;
    /** The single-connection pools the syncers force on (none where nothing needs forcing). */
    private final List<HikariDataSource> syncPools = new ArrayList<>();
    private final UUID identity;
    private final CoordinatorClaim claim;

    /**
     * Opens the pools, creates the schemas, checks the server settings and claims the databases
     * for this coordinator alone.
     *
     * @param preparedTransactions whether the protocol prepares transactions (two-phase commit)
     * @throws IllegalStateException when another open wallet coordinates these databases, or a
     *                               server setting the protocol relies on is wrong
     */
    Shards(ShardConfig config, List<String> coordinatorSchemas, boolean preparedTransactions) {
        this.config = Objects.requireNonNull(config, "config");
        this.partitioner = Partitioner.hashing(config.shards());
        HikariDataSource coordinator = null;
        CoordinatorClaim claimed = null;
        UUID id;
        try {
            for (int i = 0; i < config.shards(); i++) {
                String url = config.shardUrls().get(i);
                pools.add(pool(url, "wallet-shard-" + i, config.poolSize()));
                dialects.add(Dialect.forUrl(url));
                runScript(pools.get(i), "shard-schema.sql");
                checkSettings(pools.get(i), dialects.get(i), preparedTransactions);
            }
            coordinator = pool(config.coordinatorUrl(), "wallet-coordinator", config.poolSize());
            runScript(coordinator, "identity-schema.sql");
            for (String schema : coordinatorSchemas) {
                runScript(coordinator, schema);
            }
            checkSettings(coordinator, Dialect.forUrl(config.coordinatorUrl()), false);
            id = identity(coordinator, Dialect.forUrl(config.coordinatorUrl()));
            claimed = CoordinatorClaim.claim(id, config.effectiveUrl(config.coordinatorUrl()), config.user(),
                    config.password());
            for (int i = 0; i < pools.size(); i++) {
                syncers.add(syncer(config.shardUrls().get(i), "wallet-shard-" + i + "-sync", dialects.get(i)));
            }
        } catch (RuntimeException e) {
            pools.forEach(HikariDataSource::close);
            syncPools.forEach(HikariDataSource::close);
            if (coordinator != null) {
                coordinator.close();
            }
            if (claimed != null) {
                claimed.close();
            }
            throw e;
        }
        this.coordinatorPool = coordinator;
        this.coordinatorDialect = Dialect.forUrl(config.coordinatorUrl());
        this.coordinatorSyncer = syncer(config.coordinatorUrl(), "wallet-coordinator-sync", coordinatorDialect);
        this.identity = id;
        this.claim = claimed;
    }

    private Syncer syncer(String url, String name, Dialect dialect) {
        if (!config.forcedCommits() || !dialect.needsForce()) {
            return new Syncer(null, dialect, false);
        }
        HikariDataSource pool = pool(url, name, 1);
        syncPools.add(pool);
        return new Syncer(pool, dialect, true);
    }

    private static void checkSettings(HikariDataSource pool, Dialect dialect, boolean preparedTransactions) {
        try (Connection connection = pool.getConnection()) {
            dialect.checkSettings(connection, preparedTransactions);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the settings of " + pool.getJdbcUrl(), e);
        }
    }

    /** The coordinator database's identity, created the first time it is opened. */
    private static UUID identity(HikariDataSource coordinator, Dialect dialect) {
        try (Connection connection = coordinator.getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO coordinator_identity (singleton, id) VALUES (1, ?)")) {
                insert.setObject(1, UUID.randomUUID());
                insert.executeUpdate();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                if (!dialect.isDuplicateKey(e)) {
                    throw e;
                }
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM coordinator_identity");
                 ResultSet row = select.executeQuery()) {
                row.next();
                UUID id = row.getObject(1, UUID.class);
                connection.commit();
                return id;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the identity of the coordinator database " + coordinator.getJdbcUrl(), e);
        }
    }

    /** Every pool option that matters is set here, explicitly. */
    private HikariDataSource pool(String url, String name, int size) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.effectiveUrl(url));
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setPoolName(name);
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(1);
        hikari.setAutoCommit(false);
        hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        hikari.setConnectionTimeout(config.connectionTimeoutMillis());
        hikari.setValidationTimeout(Math.min(1_000, config.connectionTimeoutMillis() - 1));
        hikari.setIdleTimeout(600_000);
        hikari.setMaxLifetime(1_800_000);
        hikari.setKeepaliveTime(0);
        hikari.setLeakDetectionThreshold(0);
        hikari.setInitializationFailTimeout(config.connectionTimeoutMillis());
        if (url.startsWith("jdbc:postgresql:")) {
            // Commits (and so decisions) must be on the server's disk before they return.
            hikari.setConnectionInitSql("SET lock_timeout = " + config.lockTimeoutMillis() + "; SET synchronous_commit = on");
        }
        return new HikariDataSource(hikari);
    }

    private static void runScript(HikariDataSource pool, String resource) {
        String script;
        try (InputStream in = Objects.requireNonNull(Shards.class.getResourceAsStream(resource), resource)) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : script.split("(?m)^;\\s*$")) {
                String body = sql.lines().filter(line -> !line.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
                if (!body.isEmpty()) {
                    statement.execute(body);
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the schema " + resource + " in " + pool.getJdbcUrl(), e);
        }
    }

    int count() {
        return pools.size();
    }

    /** Ready when every shard's database and the coordinator's answer a validity check within a second. */
    Readiness readiness() {
        for (int shard = 0; shard < pools.size(); shard++) {
            String problem = problem(pools.get(shard));
            if (problem != null) {
                return Readiness.notReady("shard " + shard + ": " + problem);
            }
        }
        String problem = problem(coordinatorPool);
        return problem == null ? Readiness.ready(pools.size() + " shard databases and the coordinator's answer")
                : Readiness.notReady("the coordinator's database: " + problem);
    }

    private static String problem(HikariDataSource pool) {
        try (Connection connection = pool.getConnection()) {
            return connection.isValid(1) ? null : "the connection is not valid";
        } catch (SQLException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Connections in use and callers waiting for one, over every shard pool. */
    List<WalletMetric> metrics() {
        return List.of(
                WalletMetric.gauge("wallet.db.connections.active", "Shard connections in use", "connections",
                        () -> pools.stream().mapToInt(pool -> pool.getHikariPoolMXBean() == null ? 0
                                : pool.getHikariPoolMXBean().getActiveConnections()).sum()),
                WalletMetric.gauge("wallet.db.connections.pending", "Callers waiting for a shard connection", "threads",
                        () -> pools.stream().mapToInt(pool -> pool.getHikariPoolMXBean() == null ? 0
                                : pool.getHikariPoolMXBean().getThreadsAwaitingConnection()).sum()));
    }

    /** The coordinator database's identity (see {@code identity-schema.sql}). */
    UUID identity() {
        return identity;
    }

    int shardOf(AccountId account) {
        return partitioner.partitionOf(account);
    }

    int shardOf(TransactionId id) {
        return partitioner.partitionOf(id);
    }

    Dialect dialect(int shard) {
        return dialects.get(shard);
    }

    /** A connection to a shard (auto-commit off); a pool that cannot give one in time is a retryable failure. */
    Connection connect(int shard) {
        try {
            return pools.get(shard).getConnection();
        } catch (SQLException e) {
            throw new WalletUnavailableException("no connection to shard " + shard + " within "
                    + config.connectionTimeoutMillis() + " ms", e);
        }
    }

    Connection connectCoordinator() {
        try {
            return coordinatorPool.getConnection();
        } catch (SQLException e) {
            throw new WalletUnavailableException("no connection to the coordinator's database within "
                    + config.connectionTimeoutMillis() + " ms", e);
        }
    }

    /** Forces what was committed (or prepared) on a shard to disk before the caller goes on; group-committed. */
    void force(int shard) {
        syncers.get(shard).force();
    }

    /** Forces what was committed in the coordinator's database to disk; group-committed. */
    void forceCoordinator() {
        coordinatorSyncer.force();
    }

    /**
     * Locks accounts in this process before their rows are locked in the database; see
     * {@link RowLocks} for why. Bounded by the configured lock timeout.
     */
    RowLocks.Held lockAccounts(AccountId... accounts) {
        String[] keys = new String[accounts.length];
        for (int i = 0; i < accounts.length; i++) {
            keys[i] = RowLocks.key(config.shardUrls().get(shardOf(accounts[i])), accounts[i].value());
        }
        return RowLocks.lock(config.lockTimeoutMillis(), keys);
    }

    /**
     * As {@link #lockAccounts}, with the ledger row of {@code id} as well: two commands with the
     * same id but different accounts would otherwise meet first on the ledger's primary key, where
     * H2 makes the second wait for the first (see {@link RowLocks}).
     */
    RowLocks.Held lockAccountsAndLedger(TransactionId id, AccountId... accounts) {
        String[] keys = new String[accounts.length + 1];
        for (int i = 0; i < accounts.length; i++) {
            keys[i] = RowLocks.key(config.shardUrls().get(shardOf(accounts[i])), accounts[i].value());
        }
        keys[accounts.length] = RowLocks.key(config.shardUrls().get(shardOf(id)), "ledger:" + id);
        return RowLocks.lock(config.lockTimeoutMillis(), keys);
    }

    /**
     * Drops a shard connection whose session must end without the pool's rollback: on H2 that
     * rollback would undo a prepared transaction, while ending the session keeps it in doubt.
     */
    void discard(int shard, Connection connection) {
        try {
            pools.get(shard).evictConnection(connection);
        } catch (RuntimeException e) {
            LOG.warn("evicting a connection of shard {} failed", shard, e);
        }
    }

    /** Whether any of these databases would call the error a lock failure (the layouts may mix servers). */
    boolean isLockFailure(SQLException e) {
        return coordinatorDialect.isLockFailure(e) || dialects.stream().anyMatch(dialect -> dialect.isLockFailure(e));
    }

    Dialect coordinatorDialect() {
        return coordinatorDialect;
    }

    ShardConfig config() {
        return config;
    }

    /**
     * What a crash of this process leaves: every database loses its sessions without a rollback
     * (prepared transactions stay prepared), then the pools are dropped and the claim goes.
     */
    void crash() {
        for (int i = 0; i < pools.size(); i++) {
            kill(pools.get(i), dialects.get(i));
        }
        kill(coordinatorPool, coordinatorDialect);
        close();
    }

    private static void kill(HikariDataSource pool, Dialect dialect) {
        try (Connection connection = pool.getConnection()) {
            dialect.killSessions(connection);
        } catch (SQLException e) {
            LOG.debug("killing the sessions of {} ended with {}", pool.getPoolName(), e.toString());
        }
    }

    @Override
    public void close() {
        for (HikariDataSource pool : pools) {
            pool.close();
        }
        syncPools.forEach(HikariDataSource::close);
        coordinatorPool.close();
        claim.close();
    }
}
