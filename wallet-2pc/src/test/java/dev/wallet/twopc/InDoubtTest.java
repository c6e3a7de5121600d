package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.wallet.api.spi.Partitioner;
import dev.wallet.api.spi.SimulatedCrashException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a coordinator crash leaves behind: prepared transactions that keep their row locks (so
 * other transfers on those rows fail after the lock timeout instead of hanging), and that recovery
 * resolves from the decision log so that no prepared transaction is left.
 */
class InDoubtTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final Duration LOCK_TIMEOUT = Duration.ofMillis(300);

    /** Two accounts on different shards, so that a transfer between them has two writers. */
    private static final AccountId ALICE = accountOnShard(0);
    private static final AccountId BOB = accountOnShard(1);

    private static AccountId accountOnShard(int shard) {
        Partitioner partitioner = Partitioner.hashing(ShardConfig.DEFAULT_SHARDS);
        for (int i = 0; ; i++) {
            AccountId candidate = AccountId.of("user-" + i);
            if (partitioner.partitionOf(candidate) == shard) {
                return candidate;
            }
        }
    }

    private static ShardConfig config(Path directory) {
        return ShardConfig.h2Files(directory, ShardConfig.DEFAULT_SHARDS).withLockTimeout(LOCK_TIMEOUT);
    }

    /** Opens the accounts, funds alice, then crashes the coordinator at {@code point} mid-transfer. */
    private static Transfer crashMidTransfer(Path directory, CrashPoint point) {
        FaultInjector faults = FaultInjector.create();
        TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config(directory)).faultInjector(faults).build();
        wallet.openAccount(ALICE, USD);
        wallet.openAccount(BOB, USD);
        wallet.deposit(new Deposit(TransactionId.random(), ALICE, Money.of(USD, 10_000)));
        Transfer transfer = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 2_500));
        faults.arm(point);
        assertThrows(SimulatedCrashException.class, () -> wallet.transfer(transfer));
        wallet.close();
        return transfer;
    }

    @Test
    void coordinatorDown_preparedTransactionBlocksTheRowUntilTheLockTimeout(@TempDir Path directory) {
        Transfer interrupted = crashMidTransfer(directory, TwoPhaseCoordinator.AFTER_ALL_PREPARED);
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config(directory)).automaticRecovery(false).build()) {
            int participants = new java.util.TreeSet<>(List.of(0, 1,
                    Partitioner.hashing(ShardConfig.DEFAULT_SHARDS).partitionOf(interrupted.transactionId()))).size();
            assertEquals(participants, inDoubt(directory).size(), "every participant stays prepared while nobody decides");
            Transfer next = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 1));
            long started = System.nanoTime();
            WalletUnavailableException blocked = assertThrows(WalletUnavailableException.class, () -> wallet.transfer(next));
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(blocked.isRetryable());
            assertTrue(blocked.getMessage().contains("lock"), blocked.getMessage());
            assertTrue(waitedMillis >= LOCK_TIMEOUT.toMillis() - 50, "waited " + waitedMillis + " ms");
            // Reads are not blocked; they see the committed state.
            assertEquals(Optional.of(Money.of(USD, 10_000)), wallet.balance(ALICE));

            RecoveryReport report = wallet.recover();
            assertEquals(new RecoveryReport(0, participants, 0, 0), report, "presumed abort: no decision, all roll back");
            assertTrue(inDoubt(directory).isEmpty());
            assertEquals(Status.SUCCESS, wallet.transfer(next).status(), "the same id succeeds once the locks are gone");
            assertEquals(Outcome.of(interrupted.transactionId(), Status.SUCCESS), wallet.transfer(interrupted),
                    "the interrupted transfer never happened, so its id executes afresh");
            assertEquals(Optional.of(Money.of(USD, 10_000 - 2_500 - 1)), wallet.balance(ALICE));
        }
    }

    static List<CrashPoint> crashPoints() {
        return TwoPhaseCoordinator.CRASH_POINTS;
    }

    @ParameterizedTest
    @MethodSource("crashPoints")
    void recoveryOnOpen_leavesNoPreparedTransactionBehind(CrashPoint point, @TempDir Path directory) {
        Transfer interrupted = crashMidTransfer(directory, point);
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config(directory)).build()) {
            assertTrue(inDoubt(directory).isEmpty(), "in doubt after recovery: " + inDoubt(directory));
            long alice = wallet.balance(ALICE).orElseThrow().minor();
            long bob = wallet.balance(BOB).orElseThrow().minor();
            long funding = wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
            assertEquals(0, alice + bob + funding, "money is conserved");
            boolean decided = point == TwoPhaseCoordinator.AFTER_DECISION || point == TwoPhaseCoordinator.AFTER_FIRST_COMMIT;
            assertEquals(decided ? 7_500 : 10_000, alice, "a logged decision commits; none rolls back");
            Outcome retry = wallet.transfer(interrupted);
            assertEquals(Status.SUCCESS, retry.status());
            assertEquals(decided, retry.replay(), "a decided transfer answers its retry as a replay");
            assertFalse(wallet.recover().committed() > 0, "nothing is left for a second pass");
        }
    }

    /** Names of prepared transactions on every shard, read through fresh connections of their own. */
    static List<String> inDoubt(Path directory) {
        return inDoubt(config(directory));
    }

    static List<String> inDoubt(ShardConfig config) {
        List<String> names = new ArrayList<>();
        for (String url : config.shardUrls()) {
            try (Connection connection = DriverManager.getConnection(config.effectiveUrl(url), config.user(),
                    config.password())) {
                connection.setAutoCommit(false);
                names.addAll(Dialect.forUrl(url).inDoubt(connection));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return names;
    }
}
