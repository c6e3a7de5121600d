package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Currency;
import java.util.Optional;

/**
 * The SQL every sharded strategy runs against the shared schema ({@code shard-schema.sql}):
 * reading, locking and moving balances, opening accounts, and the ledger of decided commands.
 * Stateless.
 */
final class Rows {

    /** An account row as read: currency and balance, and whether it is a funding account. */
    record AccountRow(Currency currency, long balanceMinor) {
    }

    /** A ledger row: the command first decided under an id, and its status. */
    record Recorded(MoneyCommand command, Status status) {

        /** The answer to {@code repeat}: a replay when it is the same command, a conflict otherwise. */
        Outcome answer(MoneyCommand repeat) {
            return command.equals(repeat) ? Outcome.replayOf(repeat.transactionId(), status)
                    : Outcome.of(repeat.transactionId(), Status.CONFLICT);
        }
    }

    private Rows() {
    }

    /** Reads an account without locking it. A funding account without a row is at zero. */
    static Optional<AccountRow> read(Connection connection, AccountId account) throws SQLException {
        return select(connection, account, "SELECT currency, balance FROM accounts WHERE id = ?");
    }

    /** Reads and locks an account row until the transaction ends. */
    static Optional<AccountRow> lock(Connection connection, AccountId account) throws SQLException {
        return select(connection, account, "SELECT currency, balance FROM accounts WHERE id = ? FOR UPDATE");
    }

    private static Optional<AccountRow> select(Connection connection, AccountId account, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, account.value());
            try (ResultSet row = statement.executeQuery()) {
                if (row.next()) {
                    return Optional.of(new AccountRow(Currencies.parse("currency", row.getString(1)), row.getLong(2)));
                }
            }
        }
        return account.isFunding()
                ? Optional.of(new AccountRow(account.fundingCurrency().orElseThrow(), 0))
                : Optional.empty();
    }

    /** Whether the account has a row (funding accounts read as zero without one). */
    private static boolean hasRow(Connection connection, AccountId account) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM accounts WHERE id = ?")) {
            statement.setString(1, account.value());
            try (ResultSet row = statement.executeQuery()) {
                return row.next();
            }
        }
    }

    /** Adds {@code deltaMinor} to a balance (the row must exist and be locked). */
    static void addToBalance(Connection connection, AccountId account, long deltaMinor) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            statement.setLong(1, deltaMinor);
            statement.setString(2, account.value());
            if (statement.executeUpdate() != 1) {
                throw new IllegalStateException("account " + account + " has no row to update");
            }
        }
    }

    /**
     * Inserts an account row in its own transaction unless one exists; returns whether it was
     * inserted. Duplicates are detected by the primary key, so concurrent opens are safe.
     */
    static boolean insertAccount(Connection connection, Dialect dialect, AccountId account, Currency currency)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "INSERT INTO accounts (id, currency, balance, is_funding) VALUES (?, ?, 0, ?)")) {
            statement.setString(1, account.value());
            statement.setString(2, currency.getCurrencyCode());
            statement.setBoolean(3, account.isFunding());
            statement.executeUpdate();
            connection.commit();
            return true;
        } catch (SQLException e) {
            connection.rollback();
            if (dialect.isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Opens a customer account: its row, and first the funding row of its currency (each on its
     * own shard). A row that exists is found by a plain read before any insert, and each insert
     * runs under the row's in-process lock: an insert that met an existing row locked by a
     * transfer would wait for it inside H2 (see {@link RowLocks}).
     */
    @SuppressWarnings("try") // the row locks are held for the whole block, never referenced
    static OpenResult open(Shards shards, AccountId account, Currency currency) throws SQLException {
        AccountId funding = AccountId.funding(currency);
        int fundingShard = shards.shardOf(funding);
        try (Connection connection = shards.connect(fundingShard)) {
            boolean exists = hasRow(connection, funding);
            connection.commit();
            if (!exists) {
                try (RowLocks.Held row = shards.lockAccounts(funding)) {
                    if (insertAccount(connection, shards.dialect(fundingShard), funding, currency)) {
                        shards.force(fundingShard);
                    }
                }
            }
        }
        int shard = shards.shardOf(account);
        try (Connection connection = shards.connect(shard)) {
            Optional<AccountRow> existing = read(connection, account);
            connection.commit();
            if (existing.isEmpty()) {
                try (RowLocks.Held row = shards.lockAccounts(account)) {
                    if (insertAccount(connection, shards.dialect(shard), account, currency)) {
                        shards.force(shard);
                        return OpenResult.OPENED;
                    }
                }
                existing = read(connection, account);
                connection.commit();
            }
            return existing.orElseThrow().currency().equals(currency) ? OpenResult.ALREADY_OPEN
                    : OpenResult.EXISTS_IN_OTHER_CURRENCY;
        }
    }

    /** The ledger row of an id, if the command was decided. */
    static Optional<Recorded> recorded(Connection connection, TransactionId id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT kind, first_account, second_account, amount, currency, status FROM ledger WHERE tx_id = ?")) {
            statement.setObject(1, id.value());
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Recorded(readCommand(row, 1, id), Status.valueOf(row.getString(6))));
            }
        }
    }

    /** Records a decided command in the ledger (the row of its id must not exist). */
    static void record(Connection connection, MoneyCommand command, Status status) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO ledger "
                + "(tx_id, kind, first_account, second_account, amount, currency, status) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            statement.setObject(1, command.transactionId().value());
            bindCommand(statement, 2, command);
            statement.setString(7, status.name());
            statement.executeUpdate();
        }
    }

    /**
     * Binds a command as the five columns {@code kind, first_account, second_account, amount,
     * currency} from parameter {@code first}: the transfer's source and target, or the deposit's
     * or withdrawal's account and {@code NULL}.
     */
    static void bindCommand(PreparedStatement statement, int first, MoneyCommand command) throws SQLException {
        if (command instanceof Transfer transfer) {
            statement.setString(first, "transfer");
            statement.setString(first + 1, transfer.source().value());
            statement.setString(first + 2, transfer.target().value());
        } else if (command instanceof Deposit deposit) {
            statement.setString(first, "deposit");
            statement.setString(first + 1, deposit.account().value());
            statement.setNull(first + 2, java.sql.Types.VARCHAR);
        } else {
            statement.setString(first, "withdrawal");
            statement.setString(first + 1, ((Withdrawal) command).account().value());
            statement.setNull(first + 2, java.sql.Types.VARCHAR);
        }
        statement.setLong(first + 3, command.amount().minor());
        statement.setString(first + 4, command.amount().currency().getCurrencyCode());
    }

    /** Reads a command bound by {@link #bindCommand} from the five columns starting at {@code first}. */
    static MoneyCommand readCommand(ResultSet row, int first, TransactionId id) throws SQLException {
        Money amount = Money.of(Currencies.parse("currency", row.getString(first + 4)), row.getLong(first + 3));
        AccountId account = new AccountId(row.getString(first + 1));
        return switch (row.getString(first)) {
            case "transfer" -> new Transfer(id, account, new AccountId(row.getString(first + 2)), amount);
            case "deposit" -> new Deposit(id, account, amount);
            case "withdrawal" -> new Withdrawal(id, account, amount);
            default -> throw new IllegalStateException("unknown command kind " + row.getString(first));
        };
    }
}
