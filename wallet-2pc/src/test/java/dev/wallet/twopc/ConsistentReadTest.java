package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.Withdrawal;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Partitioner;
import dev.wallet.api.spi.SimulatedCrashException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Wallet#balances} as a consistent cut: two-phase commit waits for a prepared transfer to
 * commit on every shard (or answers a retryable failure), and TC/C and Saga show the money a
 * transfer holds between its steps in flight, so that balances and money in flight sum to zero
 * wherever the transfer stands.
 */
class ConsistentReadTest {

    private static final Currency USD = Currency.getInstance("USD");
    /** Two accounts on different shards, so that a transfer between them has two writers. */
    private static final AccountId ALICE = accountOnShard(0, 0);
    private static final AccountId BOB = accountOnShard(1, 0);
    private static final AccountId FUNDING = AccountId.funding(USD);
    private static final List<AccountId> EVERYTHING = List.of(ALICE, BOB, FUNDING);
    private static final long OPENING = 10_000;
    private static final long AMOUNT = 2_500;
    private static final long TIMEOUT_SECONDS = 30;

    /** The {@code skip}-th account id on {@code shard}. */
    static AccountId accountOnShard(int shard, int skip) {
        Partitioner partitioner = Partitioner.hashing(ShardConfig.DEFAULT_SHARDS);
        int found = 0;
        for (int i = 0; ; i++) {
            AccountId candidate = AccountId.of("user-" + i);
            if (partitioner.partitionOf(candidate) == shard && found++ == skip) {
                return candidate;
            }
        }
    }

    private static ShardConfig config(Path directory, Duration lockTimeout) {
        return ShardConfig.h2Files(directory, ShardConfig.DEFAULT_SHARDS).withLockTimeout(lockTimeout);
    }

    private static <W extends Wallet> W funded(W wallet) {
        wallet.openAccount(ALICE, USD);
        wallet.openAccount(BOB, USD);
        wallet.deposit(new Deposit(TransactionId.random(), ALICE, Money.of(USD, OPENING)));
        return wallet;
    }

    private static Transfer transfer() {
        return new Transfer(TransactionId.random(), ALICE, BOB, Money.of(USD, AMOUNT));
    }

    private static long minor(BalanceSnapshot snapshot, AccountId account) {
        return snapshot.balance(account).orElseThrow(() -> new AssertionError(account + " missing: " + snapshot)).minor();
    }

    private static long inFlight(BalanceSnapshot snapshot) {
        return snapshot.inFlight().getOrDefault(USD, Money.zero(USD)).minor();
    }

    private static void assertWhole(BalanceSnapshot snapshot, long alice, long bob, long inFlight) {
        assertEquals(alice, minor(snapshot, ALICE), () -> "alice in " + snapshot);
        assertEquals(bob, minor(snapshot, BOB), () -> "bob in " + snapshot);
        assertEquals(-OPENING, minor(snapshot, FUNDING), () -> "funding in " + snapshot);
        assertEquals(inFlight, inFlight(snapshot), () -> "in flight in " + snapshot);
        assertEquals(Map.of("USD", 0L), snapshot.sumsByCurrency(), () -> "balances and money in flight sum to zero: "
                + snapshot);
    }

    // Two-phase commit: a read waits for a prepared transfer.

    static List<CrashPoint> twoPhasePoints() {
        return TwoPhaseCoordinator.CRASH_POINTS;
    }

    @ParameterizedTest
    @MethodSource("twoPhasePoints")
    void twoPhase_balancesWaitForATransferHeldAtAPointOfItsCommit(CrashPoint point, @TempDir Path directory)
            throws Exception {
        FaultInjector faults = FaultInjector.create();
        Held held = new Held();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        // A lock timeout far beyond the test, so that the read can only end by getting the locks.
        try (TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config(directory, Duration.ofMinutes(2)))
                .faultInjector(faults).build())) {
            held.at(faults, point);
            Future<Outcome> transferring = threads.submit(() -> wallet.transfer(transfer()));
            held.awaitReached();
            if (point.equals(TwoPhaseCoordinator.AFTER_FIRST_COMMIT)) {
                // Alice's shard (0) commits first: read one by one, the transfer shows half done.
                assertEquals(OPENING - AMOUNT, wallet.balance(ALICE).orElseThrow().minor());
                assertEquals(0, wallet.balance(BOB).orElseThrow().minor(), "one-by-one reads are torn here");
            }
            AtomicReference<Thread> reader = new AtomicReference<>();
            Future<BalanceSnapshot> reading = threads.submit(() -> {
                reader.set(Thread.currentThread());
                return wallet.balances(EVERYTHING);
            });
            awaitTimedWaiting(reader);
            assertFalse(reading.isDone(), "the read waits for the locks the held transfer holds");
            held.release();
            assertEquals(Status.SUCCESS, transferring.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).status());
            assertWhole(reading.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), OPENING - AMOUNT, AMOUNT, 0);
        } finally {
            held.release();
            threads.shutdownNow();
        }
    }

    @Test
    void twoPhase_balancesAnswerUnavailableWhileATransferStaysPreparedPastTheLockTimeout(@TempDir Path directory)
            throws Exception {
        FaultInjector faults = FaultInjector.create();
        Held held = new Held();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config(directory, Duration.ofMillis(100)))
                .faultInjector(faults).build())) {
            held.at(faults, TwoPhaseCoordinator.AFTER_ALL_PREPARED);
            Future<Outcome> transferring = thread.submit(() -> wallet.transfer(transfer()));
            held.awaitReached();
            WalletUnavailableException refused = assertThrows(WalletUnavailableException.class,
                    () -> wallet.balances(EVERYTHING));
            assertTrue(refused.isRetryable());
            assertTrue(refused.getMessage().contains(LockedReads.ATTEMPTS_MAX + " attempts"), refused.getMessage());
            assertEquals(-OPENING, minor(wallet.balances(List.of(FUNDING)), FUNDING),
                    "an account the transfer does not hold is read at once");
            held.release();
            assertEquals(Status.SUCCESS, transferring.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).status());
            assertWhole(wallet.balances(EVERYTHING), OPENING - AMOUNT, AMOUNT, 0);
        } finally {
            held.release();
            thread.shutdownNow();
        }
    }

    @Test
    void twoPhase_balancesRefuseTheHalfCommittedStateACrashLeftUntilRecoveryFinishesIt(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        ShardConfig config = config(directory, Duration.ofMillis(100));
        TwoPhaseCommitWallet crashing = funded(TwoPhaseCommitWallet.builder(config).faultInjector(faults).build());
        faults.arm(TwoPhaseCoordinator.AFTER_FIRST_COMMIT);
        assertThrows(SimulatedCrashException.class, () -> crashing.transfer(transfer()));
        crashing.close();
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config).automaticRecovery(false).build()) {
            // Alice's shard committed; Bob's is still prepared and holds his row.
            assertEquals(OPENING - AMOUNT, wallet.balance(ALICE).orElseThrow().minor());
            assertEquals(0, wallet.balance(BOB).orElseThrow().minor(), "one-by-one reads are torn here");
            assertThrows(WalletUnavailableException.class, () -> wallet.balances(EVERYTHING),
                    "the read waits for the prepared row and gives up instead of showing it torn");
            assertEquals(OPENING - AMOUNT, minor(wallet.balances(List.of(ALICE, FUNDING)), ALICE),
                    "rows no prepared transaction holds are read at once");
            assertTrue(wallet.recover().committed() > 0);
            assertWhole(wallet.balances(EVERYTHING), OPENING - AMOUNT, AMOUNT, 0);
        }
    }

    // TC/C and Saga: the money between the steps is in flight.

    static Stream<Arguments> compensatingPoints() {
        return Stream.of(
                Arguments.of(CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_BEGIN, 0L, false),
                Arguments.of(CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_TRY_SOURCE, AMOUNT, false),
                Arguments.of(CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_TRY_TARGET, AMOUNT, false),
                Arguments.of(CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_CONFIRMING, AMOUNT, false),
                Arguments.of(CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_CONFIRM_TARGET, 0L, true),
                Arguments.of(CompensatingWallet.Protocol.TCC, TccCoordinator.AFTER_CONFIRM_SOURCE, 0L, true),
                Arguments.of(CompensatingWallet.Protocol.SAGA, SagaCoordinator.AFTER_BEGIN, 0L, false),
                Arguments.of(CompensatingWallet.Protocol.SAGA, SagaCoordinator.AFTER_DEBIT, AMOUNT, false),
                Arguments.of(CompensatingWallet.Protocol.SAGA, SagaCoordinator.AFTER_DEBIT_LOGGED, AMOUNT, false),
                Arguments.of(CompensatingWallet.Protocol.SAGA, SagaCoordinator.BEFORE_CREDIT, AMOUNT, false),
                Arguments.of(CompensatingWallet.Protocol.SAGA, SagaCoordinator.AFTER_CREDIT, 0L, true),
                Arguments.of(CompensatingWallet.Protocol.SAGA, SagaCoordinator.AFTER_CREDIT_LOGGED, 0L, true));
    }

    @ParameterizedTest
    @MethodSource("compensatingPoints")
    void compensating_balancesShowTheMoneyBetweenTheStepsInFlight(CompensatingWallet.Protocol protocol, CrashPoint point,
                                                                  long inFlight, boolean credited, @TempDir Path directory)
            throws Exception {
        FaultInjector faults = FaultInjector.create();
        Held held = new Held();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory, Duration.ofSeconds(2)), protocol)
                .faultInjector(faults).build())) {
            held.at(faults, point);
            Future<Outcome> transferring = thread.submit(() -> wallet.transfer(transfer()));
            held.awaitReached();
            long alice = inFlight > 0 || credited ? OPENING - AMOUNT : OPENING;
            long bob = credited ? AMOUNT : 0;
            assertWhole(wallet.balances(EVERYTHING), alice, bob, inFlight);
            // A read of the source alone still shows what left it; one of the target alone, nothing.
            BalanceSnapshot source = wallet.balances(List.of(ALICE));
            assertEquals(alice, minor(source, ALICE));
            assertEquals(inFlight, inFlight(source));
            assertEquals(0, inFlight(wallet.balances(List.of(BOB))));
            held.release();
            assertEquals(Status.SUCCESS, transferring.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).status());
            assertWhole(wallet.balances(EVERYTHING), OPENING - AMOUNT, AMOUNT, 0);
        } finally {
            held.release();
            thread.shutdownNow();
        }
    }

    @Test
    void tcc_balancesShowTheMoneyInFlightUntilRecoveryCancelsAndThenNothing(@TempDir Path directory) throws Exception {
        ShardConfig config = config(directory, Duration.ofSeconds(2));
        FaultInjector crashAfterTry = FaultInjector.create();
        CompensatingWallet crashing = funded(CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC)
                .faultInjector(crashAfterTry).build());
        crashAfterTry.arm(TccCoordinator.AFTER_TRY_SOURCE);
        assertThrows(SimulatedCrashException.class, () -> crashing.transfer(transfer()));
        crashing.close();
        FaultInjector faults = FaultInjector.create();
        Held held = new Held();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (CompensatingWallet wallet = CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC)
                .faultInjector(faults).automaticRecovery(false).build()) {
            held.at(faults, TccCoordinator.AFTER_CANCEL_SOURCE);
            assertWhole(wallet.balances(EVERYTHING), OPENING - AMOUNT, 0, AMOUNT);
            Future<CompensationReport> recovering = thread.submit(wallet::recover);
            held.awaitReached();
            assertWhole(wallet.balances(EVERYTHING), OPENING, 0, 0);
            held.release();
            assertEquals(new CompensationReport(0, 1, 0), recovering.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertWhole(wallet.balances(EVERYTHING), OPENING, 0, 0);
        } finally {
            held.release();
            thread.shutdownNow();
        }
    }

    @Test
    void saga_compensatedTransferLeavesNothingInFlight(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory, Duration.ofSeconds(2)),
                CompensatingWallet.Protocol.SAGA).faultInjector(faults).build())) {
            faults.onReach(SagaCoordinator.BEFORE_CREDIT, () -> {
                throw new WalletUnavailableException("the target's shard is down (injected)");
            });
            assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer()));
            assertWhole(wallet.balances(EVERYTHING), OPENING, 0, 0);
        }
    }

    // Every protocol: readers and writers at once.

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyProtocol_wholeLedgerReadsDuringConcurrentCommandsAreNeverTorn(Kind kind, @TempDir Path directory)
            throws Exception {
        List<AccountId> customers = List.of(ALICE, BOB, accountOnShard(2, 0), accountOnShard(3, 0), accountOnShard(0, 1));
        List<AccountId> everything = new ArrayList<>(customers);
        everything.add(FUNDING);
        ShardConfig config = config(directory, Duration.ofSeconds(10)).withForcedCommits(false);
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try (Wallet wallet = kind.open.apply(config)) {
            for (AccountId customer : customers) {
                wallet.openAccount(customer, USD);
                wallet.deposit(new Deposit(TransactionId.random(), customer, Money.of(USD, OPENING)));
            }
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                Random random = new Random(0x5eedL * 31 + w);
                writers.add(threads.submit(() -> write(wallet, customers, random)));
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            Future<Integer> reader = threads.submit(() -> {
                int reads = 0;
                do {
                    BalanceSnapshot snapshot = wallet.balances(everything);
                    assertEquals(Map.of("USD", 0L), snapshot.sumsByCurrency(), () -> "torn: " + snapshot);
                    snapshot.balances().forEach((account, money) -> assertTrue(account.isFunding() || money.minor() >= 0,
                            () -> "negative: " + snapshot));
                    reads++;
                } while (writing.get());
                return reads;
            });
            for (Future<?> writer : writers) {
                writer.get(TIMEOUT_SECONDS * 4, TimeUnit.SECONDS);
            }
            writing.set(false);
            assertTrue(reader.get(TIMEOUT_SECONDS, TimeUnit.SECONDS) > 0);
            BalanceSnapshot last = wallet.balances(everything);
            assertEquals(0, inFlight(last), "nothing is in flight once the writers are done");
            assertEquals(Map.of("USD", 0L), last.sumsByCurrency());
        } finally {
            threads.shutdownNow();
        }
    }

    /** The three protocols, opened on a configuration. */
    enum Kind {
        TWO_PHASE(config -> TwoPhaseCommitWallet.builder(config).build()),
        TCC(config -> CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC).build()),
        SAGA(config -> CompensatingWallet.builder(config, CompensatingWallet.Protocol.SAGA).build());

        private final Function<ShardConfig, Wallet> open;

        Kind(Function<ShardConfig, Wallet> open) {
            this.open = open;
        }
    }

    private static void write(Wallet wallet, List<AccountId> customers, Random random) {
        for (int i = 0; i < 60; i++) {
            AccountId source = customers.get(random.nextInt(customers.size()));
            Money amount = Money.of(USD, 1 + random.nextInt((int) OPENING / 3));
            TransactionId id = TransactionId.of(random.nextLong(), random.nextLong() | 1L);
            int kind = random.nextInt(10);
            MoneyCommand command;
            if (kind == 0) {
                command = new Deposit(id, source, amount);
            } else if (kind == 1) {
                command = new Withdrawal(id, source, amount);
            } else {
                AccountId target = customers.get((customers.indexOf(source) + 1 + random.nextInt(customers.size() - 1))
                        % customers.size());
                command = new Transfer(id, source, target, amount);
            }
            Status status = wallet.execute(command).status();
            assertTrue(status == Status.SUCCESS || status == Status.INSUFFICIENT_FUNDS, () -> command + " answered " + status);
        }
    }

    // Holding a command at a point.

    /** Holds the thread that next reaches a point until released. */
    static final class Held {
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);

        /** Hooks {@code point}: armed only now, so that what ran before (the funding deposit) passes. */
        void at(FaultInjector faults, CrashPoint point) {
            faults.onReach(point, () -> {
                reached.countDown();
                await(release);
            });
        }

        void awaitReached() {
            await(reached);
        }

        void release() {
            release.countDown();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "latch not released in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits (bounded) until the thread is parked with a timeout: the read waits for a row lock. */
    private static void awaitTimedWaiting(AtomicReference<Thread> thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (thread.get() == null || thread.get().getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the read never started waiting");
            Thread.onSpinWait();
        }
    }
}
