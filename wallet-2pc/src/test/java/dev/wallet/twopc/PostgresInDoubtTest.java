package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.CrashPoint;
import dev.wallet.api.Deposit;
import dev.wallet.api.FaultInjector;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.SimulatedCrashException;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.WalletUnavailableException;
import java.time.Duration;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
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
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).recoverOnOpen(false).build()) {
            Transfer next = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 1));
            WalletUnavailableException blocked = assertThrows(WalletUnavailableException.class, () -> wallet.transfer(next));
            assertTrue(blocked.getMessage().contains("lock"), blocked.getMessage());
            RecoveryReport report = wallet.recover();
            assertTrue(report.rolledBack() >= 2, report.toString());
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
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.open(config)) {
            long alice = wallet.balance(ALICE).orElseThrow().minor();
            long total = alice + wallet.balance(BOB).orElseThrow().minor()
                    + wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
            assertEquals(0, total);
            boolean decided = point == TwoPhaseCoordinator.AFTER_DECISION || point == TwoPhaseCoordinator.AFTER_FIRST_COMMIT;
            assertEquals(decided ? 7_500 : 10_000, alice);
            assertEquals(new RecoveryReport(0, 0, 0), wallet.recover(), "nothing is left in doubt");
            assertEquals(decided, wallet.transfer(interrupted).replay());
            assertEquals(Optional.of(Money.of(USD, 7_500)), wallet.balance(ALICE));
        }
    }
}
