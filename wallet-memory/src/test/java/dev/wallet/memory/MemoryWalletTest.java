package dev.wallet.memory;

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
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Partitioner;
import dev.wallet.api.spi.SimulatedCrashException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Currency;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryWalletTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final AccountId ALICE = AccountId.of("alice");
    private static final AccountId BOB = AccountId.of("bob");

    /** Puts alice and bob in different partitions, so a transfer between them crosses partitions. */
    private static final Partitioner TWO_PARTITIONS = new Partitioner() {
        private final Partitioner ids = Partitioner.hashing(2);

        @Override
        public int partitions() {
            return 2;
        }

        @Override
        public int partitionOf(AccountId account) {
            return account.equals(ALICE) ? 0 : 1;
        }

        @Override
        public int partitionOf(TransactionId transactionId) {
            return ids.partitionOf(transactionId);
        }
    };

    private static Deployment deployment() {
        return MemoryWallet.builder().partitioner(TWO_PARTITIONS).strategy().deploy(Path.of("unused"));
    }

    private static void fund(Wallet wallet) {
        wallet.openAccount(ALICE, USD);
        wallet.openAccount(BOB, USD);
        wallet.deposit(new Deposit(TransactionId.random(), ALICE, Money.of(USD, 10_000)));
    }

    private static long total(Wallet wallet) {
        return wallet.balance(ALICE).orElseThrow().minor() + wallet.balance(BOB).orElseThrow().minor()
                + wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
    }

    @Test
    void crashAfterDebit_losesExactlyTheAmount_andRetriesAnswerInDoubt() {
        Deployment nodes = deployment();
        FaultInjector faults = FaultInjector.create();
        Wallet service = nodes.open(faults);
        fund(service);
        Transfer transfer = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 2_500));
        faults.arm(TransferService.AFTER_DEBIT);
        assertThrows(SimulatedCrashException.class, () -> service.transfer(transfer));

        Wallet next = nodes.open();
        assertEquals(Optional.of(Money.of(USD, 7_500)), next.balance(ALICE));
        assertEquals(Optional.of(Money.of(USD, 0)), next.balance(BOB));
        assertEquals(-2_500, total(next), "the amount left alice and reached nobody");
        assertEquals(Outcome.replayOf(transfer.transactionId(), Status.IN_DOUBT), next.transfer(transfer));
        assertEquals(-2_500, total(next), "a retry does not move money again");
    }

    @Test
    void crashAfterCredit_conservesMoney_butTheOutcomeIsInDoubt() {
        Deployment nodes = deployment();
        FaultInjector faults = FaultInjector.create();
        Wallet service = nodes.open(faults);
        fund(service);
        Transfer transfer = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 2_500));
        faults.arm(TransferService.AFTER_CREDIT);
        assertThrows(SimulatedCrashException.class, () -> service.transfer(transfer));
        assertThrows(WalletClosedException.class, () -> service.balance(ALICE));

        Wallet next = nodes.open();
        assertEquals(Optional.of(Money.of(USD, 2_500)), next.balance(BOB));
        assertEquals(0, total(next));
        assertEquals(Status.IN_DOUBT, next.transfer(transfer).status());
    }

    @Test
    void repeatOfACommandStillRunning_waitsBoundedThenSucceedsAsAReplay() throws Exception {
        FaultInjector faults = FaultInjector.create();
        Wallet wallet = MemoryWallet.builder().partitioner(TWO_PARTITIONS).claimWait(Duration.ofMillis(50))
                .faultInjector(faults).build();
        fund(wallet);
        Transfer transfer = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 100));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        faults.onReach(TransferService.AFTER_DEBIT, () -> {
            held.countDown();
            awaitUninterruptibly(release);
        });
        CompletableFuture<Outcome> first = CompletableFuture.supplyAsync(() -> wallet.transfer(transfer));
        assertTrue(held.await(10, TimeUnit.SECONDS));

        WalletUnavailableException busy = assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer));
        assertTrue(busy.isRetryable());
        Transfer other = new Transfer(transfer.transactionId(), ALICE, BOB, Money.of(USD, 101));
        assertEquals(Status.CONFLICT, wallet.transfer(other).status(), "a different payload conflicts at once");

        release.countDown();
        assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), first.get(10, TimeUnit.SECONDS));
        assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
        assertEquals(Optional.of(Money.of(USD, 100)), wallet.balance(BOB));
    }

    @Test
    void servicesOverTheSameNodes_shareBalancesAndIdempotency() {
        Deployment nodes = deployment();
        Wallet one = nodes.open();
        Wallet two = nodes.open();
        fund(one);
        Transfer transfer = new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, 1));
        assertEquals(Status.SUCCESS, one.transfer(transfer).status());
        assertEquals(Outcome.replayOf(transfer.transactionId(), Status.SUCCESS), two.transfer(transfer));
        assertEquals(Optional.of(Money.of(USD, 1)), two.balance(BOB));
    }

    @Test
    void closedWallet_refusesCalls() {
        Wallet wallet = MemoryWallet.builder().build();
        wallet.close();
        assertThrows(WalletClosedException.class, () -> wallet.openAccount(ALICE, USD));
    }

    @Test
    void builder_rejectsBadValuesNamingThem() {
        IllegalArgumentException partitions = assertThrows(IllegalArgumentException.class,
                () -> MemoryWallet.builder().partitions(0));
        assertTrue(partitions.getMessage().contains("0"), partitions.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemoryWallet.builder().claimWait(Duration.ZERO));
    }

    @Test
    void strategy_isDiscoverableByName() {
        assertEquals("memory", WalletStrategies.named("memory").name());
        assertTrue(WalletStrategies.named("memory").guarantees().isEmpty());
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
