package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.SimulatedCrashException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Prepared transactions on a real PostgreSQL server: they block rows while undecided and recovery resolves them. */
class PostgresInDoubtTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final AccountId ALICE = AccountId.of("alice");
    private static final AccountId BOB = AccountId.of("bob-2");

    @BeforeEach
    void requireServer() {
        Assumptions.assumeTrue(PostgresServer.available(), PostgresServer.SKIP_REASON);
    }

    private static Transfer crashMidTransfer(ShardConfig config, CrashPoint point) {
        FaultInjector faults = FaultInjector.create();
        TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).faultInjector(faults).build();
        wallet.openAccount(ALICE, USD);
        wallet.openAccount(BOB, USD);
        wallet.deposit(new Deposit(TransactionId.random(), ALICE, Money.of(USD, 10_000)));
        // Ids are tried until the transfer has at least two writing shards, so that it is prepared.
        Transfer transfer;
        do {
            transfer = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 2_500));
        } while (new java.util.TreeSet<>(List.of(shardOf(config, ALICE), shardOf(config, BOB),
                dev.wallet.api.spi.Partitioner.hashing(config.shards()).partitionOf(transfer.transactionId()))).size() < 2);
        faults.arm(point);
        Transfer interrupted = transfer;
        assertThrows(SimulatedCrashException.class, () -> wallet.transfer(interrupted));
        wallet.close();
        return interrupted;
    }

    private static int shardOf(ShardConfig config, AccountId account) {
        return dev.wallet.api.spi.Partitioner.hashing(config.shards()).partitionOf(account);
    }

    @Test
    void coordinatorDown_preparedTransactionBlocksTheRowUntilTheLockTimeout() {
        ShardConfig config = PostgresServer.freshLayout(4).withLockTimeout(Duration.ofMillis(300));
        Transfer interrupted = crashMidTransfer(config, TwoPhaseCoordinator.AFTER_ALL_PREPARED);
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).automaticRecovery(false).build()) {
            Transfer next = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 1));
            WalletUnavailableException blocked = assertThrows(WalletUnavailableException.class, () -> wallet.transfer(next));
            assertTrue(blocked.getMessage().contains("lock"), blocked.getMessage());
            int participants = new java.util.TreeSet<>(List.of(shardOf(config, ALICE), shardOf(config, BOB),
                    dev.wallet.api.spi.Partitioner.hashing(config.shards()).partitionOf(interrupted.transactionId()))).size();
            RecoveryReport report = wallet.recover();
            assertEquals(new RecoveryReport(0, participants, 0, 0), report, "presumed abort: no decision, all roll back");
            assertEquals(Status.SUCCESS, wallet.transfer(next).status());
            assertEquals(Outcome.of(interrupted.transactionId(), Status.SUCCESS), wallet.transfer(interrupted));
        }
    }

    static List<CrashPoint> crashPoints() {
        return TwoPhaseCoordinator.CRASH_POINTS;
    }

    @ParameterizedTest
    @MethodSource("crashPoints")
    void recoveryOnOpen_resolvesEveryPreparedTransaction(CrashPoint point) {
        ShardConfig config = PostgresServer.freshLayout(4);
        Transfer interrupted = crashMidTransfer(config, point);
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).build()) {
            long alice = wallet.balance(ALICE).orElseThrow().minor();
            long total = alice + wallet.balance(BOB).orElseThrow().minor()
                    + wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
            assertEquals(0, total);
            boolean decided = point == TwoPhaseCoordinator.AFTER_DECISION || point == TwoPhaseCoordinator.AFTER_FIRST_COMMIT;
            assertEquals(decided ? 7_500 : 10_000, alice);
            assertEquals(new RecoveryReport(0, 0, 0, 0), wallet.recover(), "nothing is left in doubt");
            assertEquals(decided, wallet.transfer(interrupted).replay());
            assertEquals(Optional.of(Money.of(USD, 7_500)), wallet.balance(ALICE));
        }
    }

    @Test
    void walletInAnotherProcess_holdsTheCoordinatorAndASecondOneIsRefused() throws Exception {
        ShardConfig config = PostgresServer.freshLayout(4);
        TwoPhaseCommitWallet.builder(config).build().close();
        UUID identity;
        try (Connection connection = DriverManager.getConnection(config.coordinatorUrl(), config.user(), config.password());
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT id FROM coordinator_identity")) {
            row.next();
            identity = row.getObject(1, UUID.class);
        }
        // Another process's wallet holds the claim: its session holds the advisory lock.
        try (Connection other = DriverManager.getConnection(config.coordinatorUrl(), config.user(), config.password());
             PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
            lock.setLong(1, identity.getMostSignificantBits());
            lock.execute();
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TwoPhaseCommitWallet.builder(config).build());
            assertTrue(refused.getMessage().contains("another process"), refused.getMessage());
        }
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).build()) {
            assertEquals(Optional.empty(), wallet.balance(ALICE), "once that session ended the claim is free");
        }
    }

    @Test
    void serverWithoutFsync_isRefusedAtOpenNamingTheSetting() throws Exception {
        ShardConfig config = PostgresServer.freshLayout(1);
        try {
            setFsync("off");
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TwoPhaseCommitWallet.builder(config).build());
            assertTrue(refused.getMessage().contains("fsync = off"), refused.getMessage());
            assertThrows(IllegalStateException.class, () -> CompensatingWallet.builder(config, CompensatingWallet.Protocol.SAGA).build());
        } finally {
            setFsync(null);
        }
        TwoPhaseCommitWallet.builder(config).build().close();
    }

    /** Sets (or, with null, resets) fsync server-wide and waits until new sessions see it. */
    private static void setFsync(String value) throws Exception {
        try (Connection admin = DriverManager.getConnection(PostgresServer.URL, PostgresServer.USER, PostgresServer.PASSWORD);
             Statement statement = admin.createStatement()) {
            admin.setAutoCommit(true);
            statement.execute(value == null ? "ALTER SYSTEM RESET fsync" : "ALTER SYSTEM SET fsync = " + value);
            statement.execute("SELECT pg_reload_conf()");
        }
        String expected = value == null ? "on" : value;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection fresh = DriverManager.getConnection(PostgresServer.URL, PostgresServer.USER,
                    PostgresServer.PASSWORD);
                 Statement statement = fresh.createStatement();
                 ResultSet row = statement.executeQuery("SHOW fsync")) {
                row.next();
                if (row.getString(1).equals(expected)) {
                    return;
                }
            }
            assertTrue(System.nanoTime() < deadline, "the server did not take fsync = " + expected);
            Thread.onSpinWait();
        }
    }
}
