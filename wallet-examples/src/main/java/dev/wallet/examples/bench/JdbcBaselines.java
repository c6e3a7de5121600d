package dev.wallet.examples.bench;

import com.atomikos.icatch.jta.UserTransactionManager;
import com.atomikos.jdbc.AtomikosDataSourceBean;
import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.Partitioner;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import javax.transaction.UserTransaction;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The two baselines of the two-phase-commit benchmark, as minimal {@link Wallet}s that only
 * transfer (benchmark code, not part of the library): the same transfer SQL as the {@code 2pc}
 * strategy, (a) in one local transaction on one unsharded database, and (b) across the same H2
 * shards under Atomikos, a standard JTA/XA transaction manager that prepares, logs and commits.
 */
public final class JdbcBaselines {

    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS accounts (id VARCHAR(80) PRIMARY KEY, currency CHAR(3) NOT NULL,
                balance BIGINT NOT NULL, is_funding BOOLEAN NOT NULL);
            CREATE TABLE IF NOT EXISTS ledger (tx_id UUID PRIMARY KEY, kind VARCHAR(10) NOT NULL,
                first_account VARCHAR(80) NOT NULL, second_account VARCHAR(80), amount BIGINT NOT NULL,
                currency CHAR(3) NOT NULL, status VARCHAR(24) NOT NULL)""";

    private JdbcBaselines() {
    }

    /** H2 file options the {@code 2pc} strategy uses too: every commit on disk before it returns. */
    static String h2Url(Path file, long lockTimeoutMillis) {
        return "jdbc:h2:file:" + file.toAbsolutePath() + ";WRITE_DELAY=0;LOCK_TIMEOUT=" + lockTimeoutMillis
                + ";QUERY_CACHE_SIZE=0";
    }

    /** The transfer itself, on one connection per shard: lock both rows in a global order, check, move, record. */
    static Status transfer(Transfer transfer, Connection ledger, Connection source, Connection target, Partitioner shards)
            throws SQLException {
        boolean sourceFirst = shards.partitionOf(transfer.source()) < shards.partitionOf(transfer.target())
                || (shards.partitionOf(transfer.source()) == shards.partitionOf(transfer.target())
                && transfer.source().value().compareTo(transfer.target().value()) < 0);
        long sourceBalance = sourceFirst ? lock(source, transfer.source()) : -1;
        lock(target, transfer.target());
        if (!sourceFirst) {
            sourceBalance = lock(source, transfer.source());
        }
        long amount = transfer.amount().minor();
        Status status = sourceBalance >= amount ? Status.SUCCESS : Status.INSUFFICIENT_FUNDS;
        if (status == Status.SUCCESS) {
            add(source, transfer.source(), -amount);
            add(target, transfer.target(), amount);
        }
        try (PreparedStatement insert = ledger.prepareStatement("INSERT INTO ledger "
                + "(tx_id, kind, first_account, second_account, amount, currency, status) VALUES (?, 'transfer', ?, ?, ?, ?, ?)")) {
            insert.setObject(1, transfer.transactionId().value());
            insert.setString(2, transfer.source().value());
            insert.setString(3, transfer.target().value());
            insert.setLong(4, amount);
            insert.setString(5, transfer.amount().currency().getCurrencyCode());
            insert.setString(6, status.name());
            insert.executeUpdate();
        }
        return status;
    }

    private static long lock(Connection connection, AccountId account) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT balance FROM accounts WHERE id = ? FOR UPDATE")) {
            select.setString(1, account.value());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalStateException("no account " + account);
                }
                return row.getLong(1);
            }
        }
    }

    private static void add(Connection connection, AccountId account, long delta) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            update.setLong(1, delta);
            update.setString(2, account.value());
            update.executeUpdate();
        }
    }

    static void createSchemaAndAccounts(String url, List<AccountId> accounts, Currency currency, long balance)
            throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (String sql : SCHEMA.split(";")) {
                    statement.execute(sql);
                }
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "MERGE INTO accounts (id, currency, balance, is_funding) KEY (id) VALUES (?, ?, ?, FALSE)")) {
                for (AccountId account : accounts) {
                    insert.setString(1, account.value());
                    insert.setString(2, currency.getCurrencyCode());
                    insert.setLong(3, balance);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            connection.commit();
        }
    }

    /** Transfers as one local transaction on one database: the cost of a transfer without distribution. */
    public static final class LocalTransactions extends TransferOnly {
        private final java.util.concurrent.BlockingQueue<Connection> pool;

        public LocalTransactions(Path file, List<AccountId> accounts, Currency currency, long balance, int connections)
                throws SQLException {
            String url = h2Url(file, 5_000);
            createSchemaAndAccounts(url, accounts, currency, balance);
            pool = new java.util.concurrent.ArrayBlockingQueue<>(connections);
            for (int i = 0; i < connections; i++) {
                Connection connection = DriverManager.getConnection(url, "sa", "");
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                pool.add(connection);
            }
        }

        @Override
        Status run(Transfer transfer) throws Exception {
            Connection connection = pool.take();
            try {
                Status status = JdbcBaselines.transfer(transfer, connection, connection, connection, Partitioner.hashing(1));
                connection.commit();
                return status;
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                pool.add(connection);
            }
        }

        @Override
        public void close() {
            for (Connection connection : pool) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // closing a benchmark connection
                }
            }
        }
    }

    /** Transfers across H2 shards under Atomikos (JTA/XA): prepare on every shard, log, commit. */
    public static final class AtomikosXa extends TransferOnly {
        private final Partitioner shards;
        private final AtomikosDataSourceBean[] dataSources;
        private final UserTransactionManager manager;

        public AtomikosXa(List<Path> shardFiles, Path logDirectory, int connectionsPerShard) throws Exception {
            System.setProperty("com.atomikos.icatch.log_base_dir", logDirectory.toString());
            System.setProperty("com.atomikos.icatch.output_dir", logDirectory.toString());
            System.setProperty("com.atomikos.icatch.max_actives", "1000");
            System.setProperty("com.atomikos.icatch.registered", "true");
            this.shards = Partitioner.hashing(shardFiles.size());
            this.manager = new UserTransactionManager();
            manager.setForceShutdown(true);
            manager.init();
            this.dataSources = new AtomikosDataSourceBean[shardFiles.size()];
            for (int i = 0; i < shardFiles.size(); i++) {
                JdbcDataSource xa = new JdbcDataSource();
                xa.setURL(h2Url(shardFiles.get(i), 5_000));
                xa.setUser("sa");
                xa.setPassword("");
                AtomikosDataSourceBean bean = new AtomikosDataSourceBean();
                bean.setUniqueResourceName("shard-" + i + "-" + System.nanoTime());
                bean.setXaDataSource(xa);
                bean.setMinPoolSize(connectionsPerShard);
                bean.setMaxPoolSize(connectionsPerShard);
                bean.setBorrowConnectionTimeout(10);
                bean.init();
                dataSources[i] = bean;
            }
        }

        @Override
        Status run(Transfer transfer) throws Exception {
            UserTransaction transaction = manager;
            transaction.begin();
            TreeMap<Integer, Connection> connections = new TreeMap<>();
            try {
                int ledgerShard = shards.partitionOf(transfer.transactionId());
                int sourceShard = shards.partitionOf(transfer.source());
                int targetShard = shards.partitionOf(transfer.target());
                for (int shard : new java.util.TreeSet<>(List.of(ledgerShard, sourceShard, targetShard))) {
                    connections.put(shard, dataSources[shard].getConnection());
                }
                Status status = JdbcBaselines.transfer(transfer, connections.get(ledgerShard), connections.get(sourceShard),
                        connections.get(targetShard), shards);
                for (Connection connection : connections.values()) {
                    connection.close();
                }
                connections.clear();
                transaction.commit();
                return status;
            } catch (Exception e) {
                for (Connection connection : connections.values()) {
                    connection.close();
                }
                transaction.rollback();
                throw e;
            }
        }

        @Override
        public void close() {
            for (AtomikosDataSourceBean bean : dataSources) {
                bean.close();
            }
            manager.close();
        }
    }

    /** A wallet that only runs transfers, for baselines. */
    abstract static class TransferOnly implements Wallet {

        abstract Status run(Transfer transfer) throws Exception;

        @Override
        public Outcome execute(MoneyCommand command) {
            try {
                return Outcome.of(command.transactionId(), run((Transfer) command));
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new WalletUnavailableException("baseline transfer failed", e);
            }
        }

        @Override
        public OpenResult openAccount(AccountId account, Currency currency) {
            throw new UnsupportedOperationException("baselines only transfer");
        }

        @Override
        public Optional<Money> balance(AccountId account) {
            throw new UnsupportedOperationException("baselines only transfer");
        }

        @Override
        public Optional<dev.wallet.api.TransactionLookup> lookup(dev.wallet.api.TransactionId transactionId) {
            throw new UnsupportedOperationException("baselines only transfer");
        }
    }
}
