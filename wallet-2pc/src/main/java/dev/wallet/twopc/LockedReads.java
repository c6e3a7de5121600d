package dev.wallet.twopc;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Money;
import dev.wallet.api.WalletUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads several accounts as of one point (two-phase locking): first the in-process row locks of
 * every account (see {@link RowLocks}), then one transaction per shard that locks each account
 * row with {@code SELECT ... FOR UPDATE} in the coordinators' global order (shard, then account
 * id); every lock is held until every shard has been read, then the transactions roll back.
 *
 * <p>Why that is a consistent cut: every strategy of this module changes a balance only in a
 * local transaction that holds both locks of the account until it has committed (a two-phase
 * commit participant keeps its database locks while prepared, and its in-process locks until it
 * is committed, also when recovery has to finish it). So each change of a locked account is
 * either committed before the read took its last lock, and visible, or waits until the read is
 * over. The database locks also stop the read at a transaction left prepared by a crashed
 * process, which holds no in-process lock: the read waits for it and, past the lock timeout,
 * fails instead of showing one shard committed and another not.
 *
 * <p>Only the database locks of transactions in doubt make H2 wait here; the in-process locks
 * keep it from ever waiting for a live one (the H2 rollback bug {@link RowLocks} describes). A
 * reader that only locks was measured on H2 2.5.252 not to suffer from that bug: after waiting
 * for a prepared transaction that was then committed (by its session, or by recovery after a
 * restart), its rollback left the committed value in place.
 *
 * <p>A lock not granted in time is retried, {@value #ATTEMPTS_MAX} attempts in all, then answered
 * with a retryable {@link WalletUnavailableException}. Stateless.
 */
final class LockedReads {

    private static final Logger LOG = LoggerFactory.getLogger(LockedReads.class);

    /** Attempts of a read whose locks were not granted in time. */
    static final int ATTEMPTS_MAX = 3;

    private LockedReads() {
    }

    /** A read on one shard's connection. */
    @FunctionalInterface
    interface ShardRead<T> {
        T read(Connection connection) throws SQLException;
    }

    /**
     * What a strategy reads while the accounts are locked: the money in flight, per currency,
     * debited from a locked account and not yet credited. Never negative.
     */
    @FunctionalInterface
    interface InFlight {
        Map<Currency, Money> read(Cut cut) throws SQLException;
    }

    /** The accounts a read holds locked, and its connections; valid only during {@link InFlight#read}. */
    static final class Cut {
        private final Shards shards;
        private final Set<AccountId> accounts;
        private final Map<Integer, Connection> sessions;

        private Cut(Shards shards, Set<AccountId> accounts, Map<Integer, Connection> sessions) {
            this.shards = shards;
            this.accounts = accounts;
            this.sessions = sessions;
        }

        /** Whether the read holds {@code account} locked. */
        boolean covers(AccountId account) {
            return accounts.contains(account);
        }

        /**
         * Runs {@code read} on the shard of {@code account}: in the read's own transaction there
         * when it holds one (so it sees that shard as of the cut), in a transaction of its own
         * otherwise.
         */
        <T> T onShardOf(AccountId account, ShardRead<T> read) throws SQLException {
            int shard = shards.shardOf(account);
            Connection held = sessions.get(shard);
            if (held != null) {
                return read.read(held);
            }
            try (Connection connection = shards.connect(shard)) {
                T result = read.read(connection);
                connection.commit();
                return result;
            }
        }
    }

    /**
     * Reads {@code requested} as of one point, and what {@code inFlight} reads meanwhile.
     *
     * @throws WalletUnavailableException (retryable) when the locks were not granted in
     *                                    {@value #ATTEMPTS_MAX} attempts, or a database failed
     */
    static BalanceSnapshot read(Shards shards, Collection<AccountId> requested, InFlight inFlight) {
        Set<AccountId> accounts = new LinkedHashSet<>(requested);
        if (accounts.isEmpty()) {
            return BalanceSnapshot.of(Map.of());
        }
        Comparator<AccountId> global = Comparator.comparingInt(shards::shardOf);
        List<AccountId> order = accounts.stream().sorted(global.thenComparing(AccountId::value)).toList();
        WalletUnavailableException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
            RowLocks.Held locks;
            try {
                locks = shards.lockAccounts(order.toArray(AccountId[]::new));
            } catch (WalletUnavailableException e) {
                last = e;
                continue;
            }
            try (locks) {
                return readLocked(shards, accounts, order, inFlight);
            } catch (SQLException e) {
                if (!shards.isLockFailure(e)) {
                    throw new WalletUnavailableException("reading " + accounts.size() + " accounts together: the database "
                            + "failed (" + e.getMessage() + "); retry", e);
                }
                last = new WalletUnavailableException("reading " + accounts.size() + " accounts together: a row lock was "
                        + "not granted in time (" + e.getMessage() + "); retry", e);
            }
        }
        throw new WalletUnavailableException("reading " + accounts.size() + " accounts together: their locks were not "
                + "granted in " + ATTEMPTS_MAX + " attempts (a transfer holds them, or a transaction left prepared waits "
                + "for recovery); retry", last);
    }

    private static BalanceSnapshot readLocked(Shards shards, Set<AccountId> accounts, List<AccountId> order,
                                              InFlight inFlight) throws SQLException {
        // Connections in shard order, like the coordinators take them.
        Map<Integer, Connection> sessions = new TreeMap<>();
        try {
            for (AccountId account : order) {
                int shard = shards.shardOf(account);
                if (!sessions.containsKey(shard)) {
                    sessions.put(shard, shards.connect(shard));
                }
            }
            Map<AccountId, Money> read = new HashMap<>();
            for (AccountId account : order) {
                Rows.lock(sessions.get(shards.shardOf(account)), account).ifPresent(row -> {
                    if (row.balanceMinor() < 0 && !account.isFunding()) {
                        throw new IllegalStateException("customer account " + account + " holds " + row.balanceMinor()
                                + " minor units: the ledger is broken");
                    }
                    read.put(account, Money.of(row.currency(), row.balanceMinor()));
                });
            }
            Map<Currency, Money> moneyInFlight = inFlight.read(new Cut(shards, accounts, sessions));
            Map<AccountId, Money> balances = new LinkedHashMap<>();
            for (AccountId account : accounts) {
                Money balance = read.get(account);
                if (balance != null) {
                    balances.put(account, balance);
                }
            }
            return new BalanceSnapshot(balances, moneyInFlight);
        } finally {
            // Nothing was written: rolling back only lets go of the row locks.
            sessions.forEach(LockedReads::rollbackAndClose);
        }
    }

    private static void rollbackAndClose(int shard, Connection connection) {
        try (connection) {
            connection.rollback();
        } catch (SQLException e) {
            LOG.debug("ending a locked read on shard {} failed", shard, e);
        }
    }

    /** Adds {@code minor} to the money in flight of {@code currency} in {@code sums}. */
    static void addInFlight(Map<Currency, Money> sums, Currency currency, long minor) {
        Objects.requireNonNull(currency, "currency");
        sums.merge(currency, Money.of(currency, minor),
                (a, b) -> Money.of(currency, Math.addExact(a.minor(), b.minor())));
    }
}
