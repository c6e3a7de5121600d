package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.Partitioner;
import dev.wallet.api.spi.SimulatedCrashException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Wallet#lookup}: decided from what each protocol pins an outcome in, in flight while a
 * command is held between its steps or left prepared by a crash, empty for what took no effect,
 * and the same after a restart.
 */
class LookupTest {

    private static final Currency USD = Currency.getInstance("USD");
    /** Two accounts on different shards, so that a transfer between them has two writers. */
    private static final AccountId ALICE = ConsistentReadTest.accountOnShard(0, 0);
    private static final AccountId BOB = ConsistentReadTest.accountOnShard(1, 0);
    private static final long TIMEOUT_SECONDS = 30;

    private static ShardConfig config(Path directory) {
        return ShardConfig.h2Files(directory, ShardConfig.DEFAULT_SHARDS).withLockTimeout(Duration.ofMillis(500));
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

    private static Optional<TransactionLookup> inFlight(MoneyCommand command) {
        return Optional.of(TransactionLookup.inFlight(command.transactionId()));
    }

    private static Optional<TransactionLookup> decided(MoneyCommand command, Status status) {
        return Optional.of(TransactionLookup.decided(command.transactionId(), status));
    }

    /** The three protocols, opened on a configuration with a fault injector. */
    enum Kind {
        TWO_PHASE(faults -> config -> TwoPhaseCommitWallet.builder(config).faultInjector(faults).build()),
        TCC(faults -> config -> CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC).faultInjector(faults)
                .build()),
        SAGA(faults -> config -> CompensatingWallet.builder(config, CompensatingWallet.Protocol.SAGA).faultInjector(faults)
                .build());

        private final Function<FaultInjector, Function<ShardConfig, Wallet>> opener;

        Kind(Function<FaultInjector, Function<ShardConfig, Wallet>> opener) {
            this.opener = opener;
        }

        Wallet open(ShardConfig config, FaultInjector faults) {
            return opener.apply(faults).apply(config);
        }
    }

    // Held mid-protocol: in flight, then decided.

    static Stream<Arguments> heldPoints() {
        Stream<Arguments> twoPhase = TwoPhaseCoordinator.CRASH_POINTS.stream().map(point -> Arguments.of(Kind.TWO_PHASE, point));
        Stream<Arguments> tcc = TccCoordinator.CRASH_POINTS.stream().map(point -> Arguments.of(Kind.TCC, point));
        Stream<Arguments> saga = Stream.concat(SagaCoordinator.CRASH_POINTS.stream(), Stream.of(SagaCoordinator.BEFORE_CREDIT))
                .map(point -> Arguments.of(Kind.SAGA, point));
        return Stream.concat(twoPhase, Stream.concat(tcc, saga));
    }

    @ParameterizedTest
    @MethodSource("heldPoints")
    void lookup_ofATransferHeldBetweenItsSteps_isInFlightThenDecided(Kind kind, CrashPoint point, @TempDir Path directory)
            throws Exception {
        FaultInjector faults = FaultInjector.create();
        ConsistentReadTest.Held held = new ConsistentReadTest.Held();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        Transfer transfer = transfer(2_500);
        try (Wallet wallet = funded(kind.open(config(directory), faults))) {
            held.at(faults, point);
            Future<Outcome> transferring = thread.submit(() -> wallet.transfer(transfer));
            held.awaitReached();
            assertEquals(expectedWhileHeld(kind, point, transfer), wallet.lookup(transfer.transactionId()));
            held.release();
            assertEquals(Status.SUCCESS, transferring.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).status());
            assertEquals(decided(transfer, Status.SUCCESS), wallet.lookup(transfer.transactionId()));
        } finally {
            held.release();
            thread.shutdownNow();
        }
    }

    /**
     * In flight at every point, but one: once the first participant of a two-phase commit has
     * committed, the transfer is decided if that participant holds the ledger row.
     */
    private static Optional<TransactionLookup> expectedWhileHeld(Kind kind, CrashPoint point, Transfer transfer) {
        if (kind == Kind.TWO_PHASE && point.equals(TwoPhaseCoordinator.AFTER_FIRST_COMMIT)) {
            Partitioner partitioner = Partitioner.hashing(ShardConfig.DEFAULT_SHARDS);
            int ledgerShard = partitioner.partitionOf(transfer.transactionId());
            int firstWriter = new TreeSet<>(List.of(ledgerShard, partitioner.partitionOf(ALICE), partitioner.partitionOf(BOB)))
                    .first();
            if (ledgerShard == firstWriter) {
                return decided(transfer, Status.SUCCESS);
            }
        }
        return inFlight(transfer);
    }

    @Test
    void twoPhase_lookupOfASingleShardTransfer_isAbsentThenDecided(@TempDir Path directory) {
        AccountId carol = ConsistentReadTest.accountOnShard(0, 1);
        try (TwoPhaseCommitWallet wallet = funded(TwoPhaseCommitWallet.builder(config(directory)).build())) {
            wallet.openAccount(carol, USD);
            Transfer local;
            do {
                local = new Transfer(TransactionId.random(), ALICE, carol, Money.of(USD, 100));
            } while (Partitioner.hashing(ShardConfig.DEFAULT_SHARDS).partitionOf(local.transactionId()) != 0);
            assertEquals(Optional.empty(), wallet.lookup(local.transactionId()));
            assertEquals(Status.SUCCESS, wallet.transfer(local).status());
            assertEquals(decided(local, Status.SUCCESS), wallet.lookup(local.transactionId()));
        }
    }

    // After a crash: in flight until recovery settles it.

    static Stream<Arguments> twoPhaseCrashes() {
        return Stream.of(
                Arguments.of(TwoPhaseCoordinator.AFTER_FIRST_PREPARE, false),
                Arguments.of(TwoPhaseCoordinator.AFTER_ALL_PREPARED, false),
                Arguments.of(TwoPhaseCoordinator.AFTER_DECISION, true),
                Arguments.of(TwoPhaseCoordinator.AFTER_FIRST_COMMIT, true));
    }

    @ParameterizedTest
    @MethodSource("twoPhaseCrashes")
    void twoPhase_lookupOfATransactionACrashLeftPrepared_isInFlightUntilRecoverySettlesIt(CrashPoint point, boolean commits,
                                                                                          @TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        TwoPhaseCommitWallet crashing = funded(TwoPhaseCommitWallet.builder(config(directory)).faultInjector(faults).build());
        Transfer transfer;
        // A transfer whose ledger shard is not the first to commit, so that a crash after the first
        // commit leaves the ledger row prepared.
        do {
            transfer = transfer(2_500);
        } while (Partitioner.hashing(ShardConfig.DEFAULT_SHARDS).partitionOf(transfer.transactionId()) == 0);
        Transfer interrupted = transfer;
        faults.arm(point);
        assertThrows(SimulatedCrashException.class, () -> crashing.transfer(interrupted));
        assertThrows(WalletClosedException.class, () -> crashing.lookup(interrupted.transactionId()),
                "a crashed wallet answers nothing");
        crashing.close();
        try (TwoPhaseCommitWallet wallet = TwoPhaseCommitWallet.builder(config(directory)).automaticRecovery(false).build()) {
            assertFalse(InDoubtTest.inDoubt(config(directory)).isEmpty(), "the crash left prepared transactions");
            assertEquals(inFlight(interrupted), wallet.lookup(interrupted.transactionId()),
                    "prepared on a shard and not resolved: in flight, whatever recovery will decide");
            wallet.recover();
            assertEquals(commits ? decided(interrupted, Status.SUCCESS) : Optional.empty(),
                    wallet.lookup(interrupted.transactionId()));
        }
    }

    static Stream<Arguments> compensatingCrashes() {
        return Stream.of(
                Arguments.of(Kind.TCC, TccCoordinator.AFTER_TRY_SOURCE, false),
                Arguments.of(Kind.TCC, TccCoordinator.AFTER_CONFIRMING, true),
                Arguments.of(Kind.SAGA, SagaCoordinator.AFTER_BEGIN, false),
                Arguments.of(Kind.SAGA, SagaCoordinator.AFTER_CREDIT, true));
    }

    @ParameterizedTest
    @MethodSource("compensatingCrashes")
    void compensating_lookupAfterACrash_isInFlightUntilRecoveryFinishesOrAbortsIt(Kind kind, CrashPoint point,
                                                                                 boolean forward, @TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        Wallet crashing = funded(kind.open(config(directory), faults));
        Transfer transfer = transfer(2_500);
        faults.arm(point);
        assertThrows(SimulatedCrashException.class, () -> crashing.transfer(transfer));
        crashing.close();
        CompensatingWallet.Protocol protocol = kind == Kind.TCC ? CompensatingWallet.Protocol.TCC
                : CompensatingWallet.Protocol.SAGA;
        try (CompensatingWallet wallet = CompensatingWallet.builder(config(directory), protocol).automaticRecovery(false)
                .build()) {
            assertEquals(inFlight(transfer), wallet.lookup(transfer.transactionId()));
            wallet.recover();
            // An aborted attempt took no effect: its id is free again, as if never used.
            assertEquals(forward ? decided(transfer, Status.SUCCESS) : Optional.empty(),
                    wallet.lookup(transfer.transactionId()));
            assertEquals(Status.SUCCESS, wallet.transfer(transfer).status());
            assertEquals(decided(transfer, Status.SUCCESS), wallet.lookup(transfer.transactionId()));
        }
    }

    @Test
    void saga_lookupOfACompensatedTransfer_isEmptyAndTheIdRunsAfresh(@TempDir Path directory) {
        FaultInjector faults = FaultInjector.create();
        try (CompensatingWallet wallet = funded(CompensatingWallet.builder(config(directory), CompensatingWallet.Protocol.SAGA)
                .faultInjector(faults).build())) {
            faults.onReach(SagaCoordinator.BEFORE_CREDIT, () -> {
                throw new WalletUnavailableException("the target's shard is down (injected)");
            });
            Transfer transfer = transfer(2_500);
            assertThrows(WalletUnavailableException.class, () -> wallet.transfer(transfer));
            assertEquals(Optional.empty(), wallet.lookup(transfer.transactionId()));
            assertEquals(Outcome.of(transfer.transactionId(), Status.SUCCESS), wallet.transfer(transfer));
            assertEquals(decided(transfer, Status.SUCCESS), wallet.lookup(transfer.transactionId()));
        }
    }

    @Test
    void tcc_lookupOfAStuckTransaction_isInFlight(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        ShardConfig config = config(directory);
        Transfer transfer = transfer(2_500);
        CompensatingWallet crashing = funded(CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC)
                .faultInjector(faults).build());
        faults.arm(TccCoordinator.AFTER_CONFIRMING);
        assertThrows(SimulatedCrashException.class, () -> crashing.transfer(transfer));
        crashing.close();
        // Break the protocol by hand, so that recovery fails every pass: the target branch
        // cancelled although the log says CONFIRMING.
        try (Shards shards = new Shards(config, List.of("global-schema.sql"), false);
             Connection connection = shards.connect(shards.shardOf(BOB));
             PreparedStatement update = connection.prepareStatement(
                     "UPDATE tcc_fence SET status = 'CANCELLED' WHERE tx_id = ? AND branch = 'TARGET'")) {
            update.setObject(1, transfer.transactionId().value());
            assertEquals(1, update.executeUpdate());
            connection.commit();
        }
        try (CompensatingWallet wallet = CompensatingWallet.builder(config, CompensatingWallet.Protocol.TCC)
                .automaticRecovery(false).build()) {
            for (int pass = 0; pass <= GlobalCoordinator.RECOVERY_ATTEMPTS_MAX; pass++) {
                wallet.recover();
            }
            assertThrows(TransactionStuckException.class, () -> wallet.transfer(transfer));
            assertEquals(inFlight(transfer), wallet.lookup(transfer.transactionId()),
                    "a stuck transaction may hold money in flight until it is repaired");
        }
    }

    // After a restart: the same answers.

    @ParameterizedTest
    @EnumSource(Kind.class)
    void lookup_answersTheSameAfterARestart(Kind kind, @TempDir Path directory) {
        Transfer success = transfer(2_500);
        Transfer refused = transfer(1_000_000);
        Transfer unknown = new Transfer(TransactionId.random(), ALICE, AccountId.of("nobody"), Money.of(USD, 1));
        Transfer conflicting = new Transfer(success.transactionId(), BOB, ALICE, Money.of(USD, 1));
        TransactionId neverUsed = TransactionId.random();
        try (Wallet wallet = funded(kind.open(config(directory), FaultInjector.none()))) {
            assertEquals(Status.SUCCESS, wallet.transfer(success).status());
            assertEquals(Status.INSUFFICIENT_FUNDS, wallet.transfer(refused).status());
            assertEquals(Status.UNKNOWN_ACCOUNT, wallet.transfer(unknown).status());
            assertEquals(Status.CONFLICT, wallet.transfer(conflicting).status());
            assertLookups(wallet, success, refused, unknown, neverUsed);
        }
        try (Wallet reopened = kind.open(config(directory), FaultInjector.none())) {
            assertLookups(reopened, success, refused, unknown, neverUsed);
        }
    }

    private static void assertLookups(Wallet wallet, Transfer success, Transfer refused, Transfer unknown,
                                      TransactionId neverUsed) {
        assertEquals(decided(success, Status.SUCCESS), wallet.lookup(success.transactionId()),
                "the first payload's outcome; the conflicting repeat recorded nothing");
        assertEquals(decided(refused, Status.INSUFFICIENT_FUNDS), wallet.lookup(refused.transactionId()));
        assertEquals(decided(unknown, Status.UNKNOWN_ACCOUNT), wallet.lookup(unknown.transactionId()));
        assertEquals(Optional.empty(), wallet.lookup(neverUsed));
    }

    // Closed.

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyCallOnAClosedWallet_throwsWalletClosedException(Kind kind, @TempDir Path directory) {
        Wallet wallet = funded(kind.open(config(directory), FaultInjector.none()));
        Transfer transfer = transfer(1);
        wallet.close();
        wallet.close();
        assertThrows(WalletClosedException.class, () -> wallet.execute(transfer));
        assertThrows(WalletClosedException.class, () -> wallet.executeBatch(List.of(transfer)));
        assertThrows(WalletClosedException.class, () -> wallet.executeBatch(List.of()), "an empty batch too");
        ExecutionException async = assertThrows(ExecutionException.class,
                () -> wallet.executeAsync(transfer).get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertTrue(async.getCause() instanceof WalletClosedException, async.getCause().toString());
        assertThrows(WalletClosedException.class, () -> wallet.balance(ALICE));
        assertThrows(WalletClosedException.class, () -> wallet.balances(List.of(ALICE, BOB)));
        assertThrows(WalletClosedException.class, () -> wallet.balances(List.of()), "an empty read too");
        assertThrows(WalletClosedException.class, () -> wallet.lookup(transfer.transactionId()));
        assertThrows(WalletClosedException.class, () -> wallet.openAccount(AccountId.of("carol"), USD));
        if (wallet instanceof TwoPhaseCommitWallet twoPhase) {
            assertThrows(WalletClosedException.class, twoPhase::recover);
        } else {
            assertThrows(WalletClosedException.class, ((CompensatingWallet) wallet)::recover);
        }
    }
}
