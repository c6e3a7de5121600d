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
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.SimulatedCrashException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Currency;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TC/C and Saga beyond the shared contract: phases out of order, the unbalanced window, compensation, the recovery bound. */
class CompensatingTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final AccountId ALICE = AccountId.of("alice");
    private static final AccountId BOB = AccountId.of("bob-2");

    private static CompensatingWallet open(Path directory, CompensatingWallet.Protocol protocol, FaultInjector faults) {
        CompensatingWallet wallet = CompensatingWallet.builder(ShardConfig.h2Files(directory, 4), protocol)
                .faultInjector(faults).build();
        wallet.openAccount(ALICE, USD);
        wallet.openAccount(BOB, USD);
        if (wallet.balance(ALICE).orElseThrow().minor() == 0) {
            wallet.deposit(new Deposit(TransactionId.random(), ALICE, Money.of(USD, 10_000)));
        }
        return wallet;
    }

    private static long customers(CompensatingWallet wallet) {
        return wallet.balance(ALICE).orElseThrow().minor() + wallet.balance(BOB).orElseThrow().minor();
    }

    private static Transfer transfer(long minor) {
        return new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, minor));
    }

    // TC/C: phases out of order and repeated.

    @Test
    void tcc_cancelBeforeTryIsAnEmptyRollbackAndTheLateTryIsRefused(@TempDir Path directory) throws Exception {
        try (CompensatingWallet wallet = open(directory, CompensatingWallet.Protocol.TCC, FaultInjector.none())) {
            TccBranches branches = ((TccCoordinator) wallet).branches();
            Transfer late = transfer(2_500);
            branches.cancelSource(late, 1);
            branches.cancelTarget(late, 1);
            assertEquals(Optional.of(TccBranches.CANCELLED), branches.status(late, 1, TccBranches.SOURCE));
            assertEquals(10_000, wallet.balance(ALICE).orElseThrow().minor(), "an empty rollback refunds nothing");
            assertEquals(TccBranches.TryResult.REFUSED, branches.trySource(late, 1), "no hanging: the try comes too late");
            assertEquals(TccBranches.TryResult.REFUSED, branches.tryTarget(late, 1));
            assertEquals(10_000, wallet.balance(ALICE).orElseThrow().minor(), "the refused try reserved nothing");
            assertEquals(Optional.of(TccBranches.CANCELLED), branches.status(late, 1, TccBranches.SOURCE));
        }
    }

    @Test
    void tcc_tryThenCancelRefundsOnceHoweverOftenItIsRepeated(@TempDir Path directory) throws Exception {
        try (CompensatingWallet wallet = open(directory, CompensatingWallet.Protocol.TCC, FaultInjector.none())) {
            TccBranches branches = ((TccCoordinator) wallet).branches();
            Transfer transfer = transfer(2_500);
            assertEquals(TccBranches.TryResult.TRIED, branches.trySource(transfer, 1));
            assertEquals(TccBranches.TryResult.TRIED, branches.trySource(transfer, 1), "a repeated try is a no-op");
            assertEquals(7_500, wallet.balance(ALICE).orElseThrow().minor(), "reserved once");
            assertEquals(TccBranches.TryResult.TRIED, branches.tryTarget(transfer, 1));
            for (int i = 0; i < 3; i++) {
                branches.cancelSource(transfer, 1);
                branches.cancelTarget(transfer, 1);
            }
            assertEquals(10_000, wallet.balance(ALICE).orElseThrow().minor(), "refunded once");
            assertEquals(0, wallet.balance(BOB).orElseThrow().minor());
            assertThrows(IllegalStateException.class, () -> branches.confirmTarget(transfer, 1),
                    "a cancelled branch cannot be confirmed");
        }
    }

    @Test
    void tcc_confirmIsIdempotent(@TempDir Path directory) throws Exception {
        try (CompensatingWallet wallet = open(directory, CompensatingWallet.Protocol.TCC, FaultInjector.none())) {
            TccBranches branches = ((TccCoordinator) wallet).branches();
            Transfer transfer = transfer(1_000);
            branches.trySource(transfer, 1);
            branches.tryTarget(transfer, 1);
            for (int i = 0; i < 3; i++) {
                branches.confirmTarget(transfer, 1);
                branches.confirmSource(transfer, 1);
            }
            assertEquals(1_000, wallet.balance(BOB).orElseThrow().minor(), "credited once");
            assertEquals(9_000, wallet.balance(ALICE).orElseThrow().minor());
            assertThrows(IllegalStateException.class, () -> branches.cancelSource(transfer, 1),
                    "a confirmed branch cannot be cancelled");
        }
    }

    // The unbalanced window.

    @Test
    void tcc_moneyInFlightIsVisibleBetweenTryAndConfirm(@TempDir Path directory) {
        assertWindow(directory, CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_TRY_SOURCE);
    }

    @Test
    void saga_moneyInFlightIsVisibleBetweenDebitAndCredit(@TempDir Path directory) {
        assertWindow(directory, CompensatingWallet.Protocol.SAGA, SagaCoordinator.AFTER_DEBIT);
    }

    private static void assertWindow(Path directory, CompensatingWallet.Protocol protocol, dev.wallet.api.spi.CrashPoint between) {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = open(directory, protocol, faults)) {
            AtomicLong midFlight = new AtomicLong();
            faults.onReach(between, () -> midFlight.set(customers(wallet)));
            assertEquals(Status.SUCCESS, wallet.transfer(transfer(2_500)).status());
            assertEquals(10_000 - 2_500, midFlight.get(), "mid-flight, the customers hold less by the amount in flight");
            assertEquals(10_000, customers(wallet), "once finished, the total is whole again");
        }
    }

    // Saga compensation.

    @Test
    void saga_creditThatFailsIsCompensatedAndTheIdRunsAgain(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = open(directory, CompensatingWallet.Protocol.SAGA, faults)) {
            Transfer transfer = transfer(2_500);
            faults.onReach(SagaCoordinator.BEFORE_CREDIT, () -> {
                throw new IllegalStateException("the target's shard refuses the credit");
            });
            assertThrows(IllegalStateException.class, () -> wallet.transfer(transfer));
            assertEquals(10_000, wallet.balance(ALICE).orElseThrow().minor(), "the debit was refunded");
            assertEquals(0, wallet.balance(BOB).orElseThrow().minor());
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer),
                    "the compensated attempt never took effect, so the id executes afresh");
            assertEquals(2_500, wallet.balance(BOB).orElseThrow().minor());
        }
    }

    // Recovery.

    @Test
    void tcc_crashDuringCancelIsFinishedByTheNextRecovery(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        Transfer transfer = transfer(2_500);
        CompensatingWallet first = open(directory, CompensatingWallet.Protocol.TCC, faults);
        faults.arm(TccCoordinator.AFTER_TRY_SOURCE);
        assertThrows(SimulatedCrashException.class, () -> first.transfer(transfer));
        first.close();
        // Recovery cancels (the target was never tried) and crashes half-way through the cancel.
        FaultInjector during = FaultInjector.create();
        during.arm(TccCoordinator.AFTER_CANCEL_SOURCE);
        assertThrows(SimulatedCrashException.class,
                () -> CompensatingWallet.builder(ShardConfig.h2Files(directory, 4), CompensatingWallet.Protocol.TCC)
                        .faultInjector(during).build());
        try (CompensatingWallet wallet = CompensatingWallet.builder(ShardConfig.h2Files(directory, 4), CompensatingWallet.Protocol.TCC).build()) {
            assertEquals(10_000, customers(wallet), "refunded exactly once across both recoveries");
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
            assertEquals(7_500, wallet.balance(ALICE).orElseThrow().minor());
        }
    }

    @Test
    void recovery_marksATransactionStuckAfterTheBoundAndGoesOn(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        Transfer transfer = transfer(2_500);
        CompensatingWallet first = open(directory, CompensatingWallet.Protocol.TCC, faults);
        faults.arm(TccCoordinator.AFTER_CONFIRMING);
        assertThrows(SimulatedCrashException.class, () -> first.transfer(transfer));
        first.close();
        // Break the protocol by hand: the target branch cancelled although the log says CONFIRMING.
        ShardConfig config = ShardConfig.h2Files(directory, 4);
        try (Shards shards = new Shards(config, java.util.List.of("global-schema.sql"), false);
             Connection connection = shards.connect(shards.shardOf(BOB));
             PreparedStatement update = connection.prepareStatement("UPDATE tcc_fence SET status = 'CANCELLED' WHERE tx_id = ?")) {
            update.setObject(1, transfer.transactionId().value());
            assertEquals(1, update.executeUpdate());
            connection.commit();
        }
        try (CompensatingWallet wallet = CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC)
                .automaticRecovery(false).build()) {
            WalletUnavailableException waiting = assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer));
            assertTrue(waiting.isRetryable(), "before the bound its id waits for recovery");
            for (int pass = 1; pass <= GlobalCoordinator.RECOVERY_ATTEMPTS_MAX; pass++) {
                assertEquals(new CompensationReport(0, 0, 0), wallet.recover(), "pass " + pass + " fails and retries later");
            }
            assertEquals(new CompensationReport(0, 0, 1), wallet.recover(), "after the bound it is stuck");
            TransactionStuckException stuck = assertThrows(TransactionStuckException.class, () -> wallet.transfer(transfer));
            assertFalse(stuck.isRetryable());
            assertEquals(transfer.transactionId(), stuck.transactionId());
            assertEquals(Status.SUCCESS, wallet.transfer(transfer(100)).status(), "other transfers go on");
        }
        try (CompensatingWallet reopened = CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC).build()) {
            // The automatic passes leave it alone; an explicit recover() tries again (and fails again).
            assertThrows(TransactionStuckException.class, () -> reopened.transfer(transfer));
            assertEquals(new CompensationReport(0, 0, 1), reopened.recover());
        }
    }
}
