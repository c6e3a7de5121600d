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
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Partitioner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures in the middle of a protocol that are not crashes: a step that committed but reported
 * an error, a participant that will not commit after the decision, a decision whose reply was
 * lost, a wallet closed under a transfer, a second wallet on the same databases, a pool of one.
 * In each case money is conserved, nothing decided is rolled back, and the id answers its retry.
 */
class FailurePathsTest {

    private static final Currency USD = Currency.getInstance("USD");
    /** Two accounts on different shards, so that a transfer between them has two writers. */
    private static final AccountId ALICE = accountOnShard(0);
    private static final AccountId BOB = accountOnShard(1);
    private static final long TIMEOUT_SECONDS = 30;

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
        return ShardConfig.h2Files(directory, ShardConfig.DEFAULT_SHARDS).withLockTimeout(Duration.ofMillis(300));
    }

    private static <W extends Wallet> W funded(W wallet) {
        wallet.openAccount(ALICE, USD);
        wallet.openAccount(BOB, USD);
        if (wallet.balance(ALICE).orElseThrow().minor() == 0) {
            wallet.deposit(new Deposit(TransactionId.random(), ALICE, Money.of(USD, 10_000)));
        }
        return wallet;
    }

    private static Transfer transfer(long minor) {
        return new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, minor));
    }

    private static void assertBalances(Wallet wallet, long alice, long bob) {
        assertEquals(Optional.of(Money.of(USD, alice)), wallet.balance(ALICE), "alice");
        assertEquals(Optional.of(Money.of(USD, bob)), wallet.balance(BOB), "bob");
        assertEquals(Optional.of(Money.of(USD, -10_000)), wallet.balance(AccountId.funding(USD)), "money is conserved");
    }

    // Saga: the credit is the pivot.

    @Test
    void saga_creditThatLandedButReportedAFailure_goesForwardInsteadOfRefunding(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory), CompensatingWallet.Protocol.SAGA)
                .faultInjector(faults).build())) {
            // The credit committed, then its force "failed".
            faults.onReach(SagaCoordinator.AFTER_CREDIT, () -> {
                throw new WalletUnavailableException("could not force the shard to disk (injected)");
            });
            Transfer transfer = transfer(2_500);
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
            assertBalances(wallet, 7_500, 2_500);
            assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer),
                    "the retry moves nothing");
            assertBalances(wallet, 7_500, 2_500);
        }
    }

    @Test
    void saga_failureAfterTheCreditWasLogged_goesForward(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory), CompensatingWallet.Protocol.SAGA)
                .faultInjector(faults).build())) {
            faults.onReach(SagaCoordinator.AFTER_CREDIT_LOGGED, () -> {
                throw new WalletUnavailableException("the coordinator's database failed (injected)");
            });
            Transfer transfer = transfer(2_500);
            assertEquals(Status.SUCCESS, wallet.transfer(transfer).status());
            assertBalances(wallet, 7_500, 2_500);
            assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
        }
    }

    @Test
    void saga_creditThatNeverRan_isVoidedAndTheSourceRefundedOnce(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory), CompensatingWallet.Protocol.SAGA)
                .faultInjector(faults).build())) {
            faults.onReach(SagaCoordinator.BEFORE_CREDIT, () -> {
                throw new WalletUnavailableException("the target's shard is down (injected)");
            });
            Transfer transfer = transfer(2_500);
            assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer));
            assertBalances(wallet, 10_000, 0);
            SagaCoordinator saga = (SagaCoordinator) wallet;
            assertEquals(SagaCoordinator.StepState.VOIDED, saga.state(transfer, 1, SagaCoordinator.CREDIT),
                    "the compensation voided the credit, so that no late credit can land");
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer),
                    "the aborted attempt never took effect: the id runs afresh");
            assertBalances(wallet, 7_500, 2_500);
        }
    }

    // Two-phase commit: nothing decided is rolled back.

    @Test
    void twoPhase_participantThatWillNotCommitAfterTheDecision_isCommittedByRecoveryNotRolledBack(@TempDir Path directory)
            throws Exception {
        FaultInjector faults = FaultInjector.create();
        ShardConfig config = config(directory);
        try (TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config).faultInjector(faults)
                .automaticRecovery(false).build())) {
            // One participant committed; the commit of the next one fails.
            faults.onReach(TwoPhaseCoordinator.AFTER_FIRST_COMMIT, () -> {
                throw new WalletUnavailableException("the shard refused the commit (injected)");
            });
            Transfer transfer = transfer(2_500);
            WalletUnavailableException failed = assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer));
            assertTrue(failed.getMessage().contains("recovery completes it"), failed.getMessage());
            assertFalse(InDoubtTest.inDoubt(config).isEmpty(), "the uncommitted participants are still prepared");
            // Their rows stay locked: a transfer on them waits, and does not go through H2's own lock wait.
            WalletUnavailableException blocked = assertThrows(WalletUnavailableException.class,
                    () -> wallet.transfer(transfer(1)));
            assertTrue(blocked.getMessage().contains("lock"), blocked.getMessage());

            RecoveryReport report = wallet.recover();
            assertTrue(report.committed() >= 1 && report.rolledBack() == 0 && report.failed() == 0, report.toString());
            assertTrue(InDoubtTest.inDoubt(config).isEmpty());
            assertBalances(wallet, 7_500, 2_500);
            assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
            assertEquals(Status.SUCCESS, wallet.transfer(transfer(1)).status(), "the rows are free again");
        }
    }

    @Test
    void twoPhase_firstParticipantThatWillNotCommit_isCommittedByBackgroundRecovery(@TempDir Path directory)
            throws Exception {
        FaultInjector faults = FaultInjector.create();
        ShardConfig config = config(directory);
        try (TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config).faultInjector(faults)
                .recoveryInterval(Duration.ofMillis(100)).build())) {
            faults.onReach(TwoPhaseCoordinator.BEFORE_PARTICIPANT_COMMIT, () -> {
                throw new WalletUnavailableException("the shard refused the commit (injected)");
            });
            Transfer transfer = transfer(2_500);
            assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer));
            // Background recovery commits the stranded participants; the retry waits for it.
            Outcome retry = retryUntilAnswered(wallet, transfer);
            assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), retry);
            assertBalances(wallet, 7_500, 2_500);
            assertTrue(InDoubtTest.inDoubt(config).isEmpty());
        }
    }

    /** Retries while the wallet answers "unavailable" (row locks held until recovery), within a bound. */
    private static Outcome retryUntilAnswered(Wallet wallet, Transfer transfer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            try {
                return wallet.transfer(transfer);
            } catch (WalletUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    @Test
    void twoPhase_decisionWhoseReplyWasLost_isFoundInTheLogAndCommitted(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        try (TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config(directory)).faultInjector(faults)
                .build())) {
            faults.onReach(TwoPhaseCoordinator.DECISION_WRITTEN, () -> {
                throw new WalletUnavailableException("the connection to the coordinator's database dropped (injected)");
            });
            Transfer transfer = transfer(2_500);
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
            assertBalances(wallet, 7_500, 2_500);
            assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
        }
    }

    // Closing and owning.

    @Test
    void close_waitsForATransferUnderWay(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config(directory)).faultInjector(faults).build());
        CountDownLatch decided = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        faults.onReach(TwoPhaseCoordinator.AFTER_DECISION, () -> {
            decided.countDown();
            await(release);
        });
        Transfer transfer = transfer(2_500);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Outcome> transferring = threads.submit(() -> wallet.transfer(transfer));
            await(decided);
            AtomicReference<Thread> closer = new AtomicReference<>();
            Future<?> closing = threads.submit(() -> {
                closer.set(Thread.currentThread());
                wallet.close();
            });
            awaitWaiting(closer);
            assertFalse(closing.isDone(), "close waits while the transfer is between its decision and its commits");
            release.countDown();
            assertEquals(Status.SUCCESS, transferring.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).status());
            closing.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
        try (TwoPhaseCommitWallet reopened = TwoPhaseCommitWallet.builder(config(directory)).build()) {
            assertBalances(reopened, 7_500, 2_500);
            assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), reopened.transfer(transfer));
        }
    }

    /** Waits (bounded) until the thread is parked: close is waiting for the gate. */
    private static void awaitWaiting(AtomicReference<Thread> thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (thread.get() == null || thread.get().getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "close never started waiting");
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "latch not released in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void secondWalletOnTheSameDatabases_isRefusedUntilTheFirstCloses(@TempDir Path directory) {
        ShardConfig config = config(directory);
        try (TwoPhaseCommitWallet first = TwoPhaseCommitWallet.builder(config).build()) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TwoPhaseCommitWallet.builder(config).build());
            assertTrue(refused.getMessage().contains("in use by another open wallet"), refused.getMessage());
            assertThrows(IllegalStateException.class, () -> CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC).build(),
                    "a TC/C wallet may not coordinate them either");
            funded(first);
        }
        try (TwoPhaseCommitWallet second = TwoPhaseCommitWallet.builder(config).build()) {
            assertEquals(Optional.of(Money.of(USD, 10_000)), second.balance(ALICE));
        }
    }

    @Test
    void poolOfOneConnection_servesConcurrentTransfersOfEveryProtocol(@TempDir Path directory) throws Exception {
        List<Wallet> wallets = List.of(
                TwoPhaseCommitWallet.builder(ShardConfig.h2Files(directory.resolve("2pc"), 4).withPoolSize(1)).build(),
                CompensatingWallet.builder(ShardConfig.h2Files(directory.resolve("tcc"), 4).withPoolSize(1), CompensatingWallet.Protocol.TCC).build(),
                CompensatingWallet.builder(ShardConfig.h2Files(directory.resolve("saga"), 4).withPoolSize(1), CompensatingWallet.Protocol.SAGA).build());
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            for (Wallet wallet : wallets) {
                funded(wallet);
                List<Future<Outcome>> outcomes = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    Transfer transfer = transfer(10);
                    outcomes.add(threads.submit(() -> wallet.transfer(transfer)));
                }
                for (Future<Outcome> outcome : outcomes) {
                    assertEquals(Status.SUCCESS, outcome.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).status());
                }
                assertBalances(wallet, 10_000 - 300, 300);
            }
        } finally {
            threads.shutdownNow();
            wallets.forEach(Wallet::close);
        }
    }

    @Test
    void tcc_recoveryLeavesATransactionUnderWayAlone(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory), CompensatingWallet.Protocol.TCC)
                .faultInjector(faults).automaticRecovery(false).build());
        CountDownLatch tried = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        faults.onReach(TccCoordinator.AFTER_TRY_SOURCE, () -> {
            tried.countDown();
            await(release);
        });
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Transfer transfer = transfer(2_500);
            Future<Outcome> transferring = thread.submit(() -> wallet.transfer(transfer));
            await(tried);
            assertEquals(new CompensationReport(0, 0, 0), wallet.recover(),
                    "the source is reserved and the log says TRYING, but its thread is still at work");
            release.countDown();
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS),
                    transferring.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertBalances(wallet, 7_500, 2_500);
        } finally {
            release.countDown();
            thread.shutdownNow();
            wallet.close();
        }
    }
}
