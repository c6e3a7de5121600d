package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertFalse;
import static dev.wallet.contract.Checks.assertNotEquals;
import static dev.wallet.contract.Checks.assertThrows;
import static dev.wallet.contract.Checks.assertTrue;
import static dev.wallet.contract.Checks.fail;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Guarantee;
import dev.wallet.api.InvalidInputException;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.TransferRequest;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.statistics.Statistics;

/**
 * The contract every wallet strategy passes, written once. To run it against a strategy, implement
 * this interface in a test class and return the strategy, configured for tests:
 *
 * <pre>{@code
 * class MemoryWalletContractTest implements WalletContract {
 *     public WalletStrategy strategy() {
 *         return MemoryWallet.builder().partitions(8).strategy();
 *     }
 * }
 * }</pre>
 *
 * <p>Properties: (1) model equivalence over random action chains (lookups and whole-ledger reads
 * included), with the invariants (2) "conservation" and (3) "no-negative-balance" checked after
 * every action; (4) idempotency, also of ids decided 10,240 commands earlier; (5) bad input;
 * (6) concurrency; (7) crashes at every crash point the strategy names; restart durability;
 * lookups of commands held at each crash point; the bank property (consistent reads); replayable
 * history; replication; and every call refused after close. Where the strategy does not declare a
 * {@link Guarantee}, the matching property tries to show the violation, and fails when it cannot
 * only if {@link #declaresExactly()}. What a strategy must do to pass is in {@code docs/testkit.md}. The number of tries of the
 * model-equivalence chain follows {@code jqwik.tries.default}; set it per module in
 * {@code junit-platform.properties}.
 */
public interface WalletContract {

    /** The strategy under test. Called once per try; each try deploys it in a fresh temporary directory. */
    WalletStrategy strategy();

    /**
     * Whether the strategy declares exactly what it delivers, so that the contract must show every
     * guarantee it does not declare broken (money lost at a crash point, balances lost on restart,
     * a torn read). Off by default: a strategy may declare less than it delivers, and the contract
     * then only reports (in its statistics) whether it could show the violation. The project's own
     * strategies turn it on.
     */
    default boolean declaresExactly() {
        return false;
    }

    // (1)-(3): model equivalence with invariants after every action.

    @Property(shrinking = net.jqwik.api.ShrinkingMode.BOUNDED)
    default void modelEquivalence_randomActionChainsAgreeWithTheModel(@ForAll("contractChains") ActionChain<ContractRun> chain) {
        try {
            chain.withInvariant("conservation", ContractRun::checkConservation)
                    .withInvariant("no-negative-balance", ContractRun::checkNoNegativeBalance)
                    .run();
        } finally {
            OpenRuns.ofCurrentProperty().closeAll();
        }
        Statistics.label("outcome").coverage(coverage -> {
            for (Status status : List.of(Status.SUCCESS, Status.INSUFFICIENT_FUNDS, Status.UNKNOWN_ACCOUNT,
                    Status.CURRENCY_MISMATCH, Status.SAME_ACCOUNT, Status.CONFLICT)) {
                coverage.check(status).percentage(percent -> percent >= 1.0);
            }
        });
        Statistics.label("replay").coverage(coverage -> coverage.check(true).percentage(percent -> percent >= 3.0));
    }

    @Provide
    default Arbitrary<ActionChain<ContractRun>> contractChains() {
        WalletStrategy strategy = strategy();
        return ContractActions.chains(() -> {
            // The store is looked up when the run starts, not when the arbitrary is made: jqwik may
            // reuse a generator in a later property, whose store is the one that closes the run.
            ContractRun run = OpenRuns.ofCurrentProperty().track(ContractRun.start(strategy));
            // Three accounts exist from the start, so that chains reach funds checks early; the
            // others are opened (in random currencies) by the chain itself.
            for (AccountId account : ContractRun.POOL.subList(0, 3)) {
                run.open(account, ContractRun.USD);
            }
            return run;
        });
    }

    // (4) idempotency.

    @Property(tries = 30)
    default void idempotency_aCommandRepeatedKTimesHasTheEffectOfOne(@ForAll long seed,
                                                                      @ForAll @IntRange(min = 2, max = 6) int times) {
        Random random = new Random(seed);
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, random);
            AccountId a0 = ContractRun.POOL.get(0);
            AccountId a1 = ContractRun.POOL.get(1);
            // Every try repeats three commands, interleaved: a random one, a transfer that must
            // succeed, and one that must fail for want of funds (a failing command is pinned to
            // its id just like a successful one). Each kind is covered in every try by construction.
            List<MoneyCommand> repeated = new ArrayList<>();
            List<Outcome> firsts = new ArrayList<>();
            repeated.add(CrashScenario.randomCommand(random, run.model, ContractRun.POOL));
            firsts.add(run.execute(repeated.get(0)));
            repeated.add(new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1L), a0, a1,
                    Money.of(ContractRun.USD, 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE - 1, run.model.balance(a0))))));
            firsts.add(run.execute(repeated.get(1)));
            assertEquals(Status.SUCCESS, firsts.get(1).status(), () -> "a covered transfer: " + repeated.get(1));
            repeated.add(new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1L), a0, a1,
                    Money.of(ContractRun.USD, run.model.balance(a0) + 1)));
            firsts.add(run.execute(repeated.get(2)));
            assertEquals(Status.INSUFFICIENT_FUNDS, firsts.get(2).status(), () -> "an uncovered transfer: " + repeated.get(2));
            for (Outcome first : firsts) {
                assertFalse(first.replay(), "the first execution is not a replay");
            }
            for (int i = 1; i < times; i++) {
                for (int k = 0; k < repeated.size(); k++) {
                    run.execute(CrashScenario.randomCommand(random, run.model, ContractRun.POOL));
                    MoneyCommand command = repeated.get(k);
                    Outcome again = run.execute(command);
                    assertEquals(Outcome.replayOf(command.transactionId(), firsts.get(k).status()), again,
                            "repeat " + i + " of " + command);
                }
            }
            run.checkBalancesMatchModel();
            run.checkConservation();
        }
    }

    // (5) bad input.

    @Example
    default void badInput_everyCatalogueEntryIsRejectedNamingItsFieldAndChangesNothing() {
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, new Random(5));
            for (BadInput bad : BadInput.CATALOGUE) {
                Map<AccountId, Optional<Money>> before = Ledgers.snapshot(run.wallet(), run.accounts);
                TransactionId id = TransactionId.random();
                TransferRequest request = bad.request(id.toString());
                InvalidInputException e = assertThrows(InvalidInputException.class, () -> run.wallet().transfer(request),
                        () -> "wallet.transfer(" + request + ") must be rejected");
                assertEquals(bad.field(), e.field(), () -> bad + " was reported as " + e.getMessage());
                assertTrue(e.getMessage().startsWith(bad.field() + ": "), e::getMessage);
                assertEquals(before, Ledgers.snapshot(run.wallet(), run.accounts), () -> bad + " changed balances");
                Statistics.label("rejected field").collect(bad.field());
                if (!bad.field().equals("transaction_id")) {
                    // The id of the rejected request was not recorded: a valid request with it executes fresh.
                    run.execute(new Transfer(id, AccountId.of(BadInput.VALID_FROM), AccountId.of(BadInput.VALID_TO),
                            Money.parseAmount(BadInput.VALID_AMOUNT, ContractRun.USD)));
                }
            }
            run.checkBalancesMatchModel();
        }
    }

    @Property(tries = 10)
    default void badInput_fuzzedFieldsAreEitherValidOrRejectedNamingTheField(
            @ForAll("fuzzedFields") List<BadInput> fuzzed) {
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, new Random(fuzzed.size()));
            for (BadInput candidate : fuzzed) {
                TransactionId id = TransactionId.random();
                TransferRequest request = candidate.request(id.toString());
                Transfer parsed;
                try {
                    parsed = request.toTransfer();
                } catch (InvalidInputException e) {
                    Map<AccountId, Optional<Money>> before = Ledgers.snapshot(run.wallet(), run.accounts);
                    InvalidInputException fromWallet = assertThrows(InvalidInputException.class,
                            () -> run.wallet().transfer(request));
                    // A damaged field is named; a currency changed to a valid one with fewer minor units
                    // leaves the unchanged amount as the first invalid field.
                    assertTrue(e.field().equals(candidate.field())
                            || candidate.field().equals("currency") && e.field().equals("amount"), e::getMessage);
                    assertEquals(e.field(), fromWallet.field(), fromWallet::getMessage);
                    assertEquals(before, Ledgers.snapshot(run.wallet(), run.accounts));
                    Statistics.label("fuzzed").collect("rejected");
                    continue;
                }
                run.execute(parsed);
                Statistics.label("fuzzed").collect("valid");
            }
            run.checkBalancesMatchModel();
        }
        Statistics.label("fuzzed").coverage(coverage -> coverage.check("rejected").percentage(percent -> percent >= 50));
    }

    @Provide
    default Arbitrary<List<BadInput>> fuzzedFields() {
        Arbitrary<String> junk = Arbitraries.oneOf(
                Arbitraries.strings().withChars("0123456789.-+eE,_ ").ofMaxLength(20),
                Arbitraries.strings().ascii().ofMaxLength(70),
                Arbitraries.strings().all().ofMaxLength(12),
                Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(2).ofMaxLength(4));
        Arbitrary<String> fields = Arbitraries.of("transaction_id", "from_account", "to_account", "currency", "amount");
        return net.jqwik.api.Combinators.combine(fields, junk).as(BadInput::new).list().ofMinSize(20).ofMaxSize(60);
    }

    @Example
    default void badInput_openAccountRefusesFundingAccountsAndCurrenciesWithoutMinorUnits() {
        try (ContractRun run = ContractRun.start(strategy())) {
            Wallet wallet = run.wallet();
            AccountId fundingUsd = AccountId.funding(ContractRun.USD);
            assertThrows(InvalidInputException.class, () -> wallet.openAccount(fundingUsd, ContractRun.USD));
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> wallet.openAccount(AccountId.of("a0"), Currency.getInstance("XXX")));
            assertEquals("currency", e.field());
            assertEquals(Optional.empty(), wallet.balance(AccountId.of("a0")));
            assertEquals(Optional.of(Money.zero(ContractRun.USD)), wallet.balance(fundingUsd));
        }
    }

    @Example
    default void badInput_nullsReachingTheWalletAreRejectedAndChangeNothing() {
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, new Random(6));
            Wallet wallet = run.wallet();
            Map<AccountId, Optional<Money>> before = Ledgers.snapshot(wallet, run.accounts);
            Transfer valid = new Transfer(TransactionId.random(), AccountId.of("a0"), AccountId.of("a1"),
                    Money.of(ContractRun.USD, 100));
            List<MoneyCommand> withNull = java.util.Arrays.asList(valid, null);
            assertThrows(NullPointerException.class, () -> wallet.executeBatch(withNull));
            assertThrows(NullPointerException.class, () -> wallet.execute(null));
            assertThrows(NullPointerException.class, () -> wallet.openAccount(null, ContractRun.USD));
            InvalidInputException noCurrency = assertThrows(InvalidInputException.class,
                    () -> wallet.openAccount(AccountId.of("a9"), null));
            assertEquals("currency", noCurrency.field());
            assertThrows(NullPointerException.class, () -> wallet.balance(null));
            assertEquals(before, Ledgers.snapshot(wallet, run.accounts), "rejected calls changed balances");
            assertEquals(Optional.empty(), wallet.balance(AccountId.of("a9")));
            assertFalse(run.execute(valid).replay(), "the batch holding a null ran none of its commands");
        }
    }

    // Rules at the edges.

    @Example
    default void rules_openingIsIdempotentPerAccountId() {
        try (ContractRun run = ContractRun.start(strategy())) {
            AccountId a0 = AccountId.of("a0");
            assertEquals(OpenResult.OPENED, run.wallet().openAccount(a0, ContractRun.USD));
            assertEquals(OpenResult.ALREADY_OPEN, run.wallet().openAccount(a0, ContractRun.USD));
            assertEquals(OpenResult.EXISTS_IN_OTHER_CURRENCY, run.wallet().openAccount(a0, ContractRun.JPY));
            assertEquals(Optional.of(Money.zero(ContractRun.USD)), run.wallet().balance(a0));
        }
    }

    @Example
    default void rules_depositsStopAtTheOutstandingLimitOfACurrency() {
        try (ContractRun run = ContractRun.start(strategy())) {
            AccountId a0 = AccountId.of("a0");
            run.open(a0, ContractRun.JPY);
            long deposits = LedgerRules.MAX_OUTSTANDING_MINOR / Money.MAX_AMOUNT_MINOR;
            List<MoneyCommand> fill = new ArrayList<>();
            for (long i = 0; i < deposits; i++) {
                fill.add(new Deposit(TransactionId.random(), a0, Money.of(ContractRun.JPY, Money.MAX_AMOUNT_MINOR)));
            }
            run.executeBatch(fill).forEach(outcome -> assertEquals(Status.SUCCESS, outcome.status()));
            Outcome over = run.execute(new Deposit(TransactionId.random(), a0, Money.of(ContractRun.JPY, 1)));
            assertEquals(Status.LIMIT_EXCEEDED, over.status());
            assertEquals(Optional.of(Money.of(ContractRun.JPY, -LedgerRules.MAX_OUTSTANDING_MINOR)),
                    run.wallet().balance(AccountId.funding(ContractRun.JPY)));
            run.checkBalancesMatchModel();
            run.checkConservation();
        }
    }

    // (6) concurrency.

    @Property(tries = 6)
    default void concurrency_hotAccountsUnderContentionConserveMoney(@ForAll @IntRange(min = 2, max = 4) int threads,
                                                                     @ForAll long seed) {
        ConcurrencyScenario.run(strategy(), threads, seed);
        Statistics.label("concurrent outcome").coverage(coverage ->
                coverage.check(Status.INSUFFICIENT_FUNDS).percentage(percent -> percent >= 1));
        Statistics.label("concurrent replay").coverage(coverage -> coverage.check(true).percentage(percent -> percent >= 5));
        Statistics.label("concurrent outcome").coverage(coverage ->
                coverage.check(Status.CONFLICT).percentage(percent -> percent >= 1));
    }

    // (7) crashes.

    @Property(tries = 4)
    default void crash_atEveryCrashPoint_recoveryKeepsTheStrategysPromises(@ForAll long seed) {
        WalletStrategy strategy = strategy();
        if (strategy.crashPoints().isEmpty() && (strategy.guarantees().contains(Guarantee.ATOMIC_UNDER_CRASH)
                || strategy.guarantees().contains(Guarantee.DURABLE_ACROSS_RESTART))) {
            fail("strategy " + strategy.name() + " declares " + strategy.guarantees() + " but names no crash point, so "
                    + "no crash can be tested; list the points of its code where a process may die in crashPoints()");
        }
        List<CrashScenario.Report> reports = new ArrayList<>();
        for (CrashPoint point : strategy.crashPoints()) {
            CrashScenario.Report report = CrashScenario.run(strategy, point, seed ^ point.name().hashCode());
            Statistics.label("crash").collect(report.toString());
            reports.add(report);
        }
        if (strategy.guarantees().contains(Guarantee.ATOMIC_UNDER_CRASH)) {
            reports.forEach(report -> assertTrue(report.conserved(), report::toString));
        } else if (!strategy.crashPoints().isEmpty()) {
            // Not atomic: the violation must be reproducible, not merely possible.
            boolean shown = reports.stream().anyMatch(report -> !report.conserved());
            Statistics.label("undeclared atomicity").collect(shown ? "money lost at a crash point" : "not shown");
            if (declaresExactly()) {
                assertTrue(shown, "a strategy that is not atomic under a crash must show money lost at some crash point: "
                        + reports);
            }
        }
    }

    // Durability across a restart of the whole process.

    @Property(tries = 5)
    default void restart_acknowledgedCommandsSurviveOnlyWhereTheStrategyIsDurable(@ForAll long seed) {
        Random random = new Random(seed);
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, random);
            for (int i = 0; i < 20; i++) {
                run.execute(CrashScenario.randomCommand(random, run.model, ContractRun.POOL));
            }
            Map<AccountId, Optional<Money>> acknowledged = Ledgers.snapshot(run.model, run.accounts);
            Wallet restarted = run.restartProcess();
            Map<AccountId, Optional<Money>> afterRestart = Ledgers.snapshot(restarted, run.accounts);
            if (!strategy().guarantees().contains(Guarantee.DURABLE_ACROSS_RESTART)) {
                Statistics.label("undeclared durability").collect(acknowledged.equals(afterRestart)
                        ? "not shown" : "balances lost on restart");
                if (declaresExactly()) {
                    assertNotEquals(acknowledged, afterRestart,
                            "a strategy that is not durable is expected to lose acknowledged balances on restart");
                }
                return;
            }
            assertEquals(acknowledged, afterRestart, () -> "after restart: " + Ledgers.diff(acknowledged, afterRestart));
            for (MoneyCommand command : List.copyOf(run.history)) {
                run.checkLookup(command.transactionId());
            }
            for (MoneyCommand command : List.copyOf(run.history)) {
                Outcome replay = run.execute(command);
                assertTrue(replay.replay(), () -> "the outcome of " + command + " survives the restart");
            }
            run.checkBalancesMatchModel();
        }
    }

    // Idempotency far back, lookups, consistent reads, history, replication, closing.

    @Example
    default void idempotency_idsDecidedTenThousandCommandsEarlierStillAnswerTheirFirstOutcome() {
        FarBackScenario.run(strategy(), 0x5eed_fa12L);
    }

    @Example
    default void lookup_answersWhatWasRecordedAndExecutesNothing() {
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, new Random(7));
            TransactionId unknown = TransactionId.random();
            assertEquals(Optional.empty(), run.wallet().lookup(unknown), "an id never used");
            assertThrows(NullPointerException.class, () -> run.wallet().lookup(null));
            Transfer transfer = new Transfer(unknown, ContractRun.POOL.get(0), ContractRun.POOL.get(1),
                    Money.of(ContractRun.USD, 1));
            // The lookup executed nothing: the command runs fresh now.
            assertFalse(run.execute(transfer).replay(), "a looked-up id executes as new");
            run.checkLookup(unknown);
            Transfer conflicting = (Transfer) ContractActions.otherPayload(transfer, 0);
            run.execute(conflicting);
            run.checkLookup(unknown);
            run.checkBalancesMatchModel();
        }
    }

    @Property(tries = 2, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    default void lookup_aCommandHeldAtACrashPointIsNeverReportedWithAnotherOutcome(@ForAll long seed) {
        WalletStrategy strategy = strategy();
        for (CrashPoint point : strategy.crashPoints()) {
            List<AccountId> customers = BankScenario.customers();
            try (ContractRun run = ContractRun.start(strategy, customers)) {
                BankScenario.fund(run, customers);
                Optional<HeldCommand.Probe<Optional<TransactionLookup>>> probe = HeldCommand.probe(run, point, customers,
                        new Random(seed ^ point.name().hashCode()), (wallet, held) -> wallet.lookup(held.transactionId()));
                if (probe.isEmpty()) {
                    Statistics.label("lookup while held").collect("point not reached");
                    continue;
                }
                HeldCommand.Probe<Optional<TransactionLookup>> seen = probe.get();
                TransactionId id = seen.command().transactionId();
                Statistics.label("lookup while held").collect(seen.answer().map(answer -> answer.map(
                        lookup -> lookup.isInFlight() ? "in flight" : "decided").orElse("unknown")).orElse("waited"));
                if (seen.outcome().isEmpty()) {
                    continue;
                }
                TransactionLookup decided = TransactionLookup.decided(id, seen.outcome().get().status());
                assertEquals(Optional.of(decided), run.wallet().lookup(id), () -> "lookup once the command held at "
                        + point + " finished");
                seen.answer().ifPresent(answer -> assertTrue(answer.isEmpty() || answer.get().isInFlight()
                        || answer.get().equals(decided), () -> "while held at " + point + " the lookup guessed " + answer
                        + "; the command then ended " + decided));
            }
        }
    }

    // A seed has nothing to shrink towards: a failing one is reported as it is.
    @Property(tries = 2, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    default void bank_wholeLedgerReadsDuringTransfersSumToZeroWhereReadsAreConsistent(@ForAll long seed) {
        WalletStrategy strategy = strategy();
        BankScenario.Report report = BankScenario.run(strategy, seed);
        Statistics.label("bank reads").collect(report.torn() == 0 ? "none torn" : "some torn");
        if (strategy.guarantees().contains(Guarantee.CONSISTENT_READS)) {
            assertTrue(report.reads() > 0, () -> "no whole-ledger read succeeded while the writers ran: " + report);
            assertEquals(0, report.torn(), () -> "a strategy with consistent reads showed a torn read: " + report);
            return;
        }
        String torn = report.torn() > 0 ? report.firstTorn() : BankScenario.demonstrateTornRead(strategy, seed);
        Statistics.label("undeclared consistent reads").collect(torn == null ? "not shown" : "torn read shown");
        if (declaresExactly()) {
            assertTrue(torn != null, "a strategy without consistent reads must show a torn read, while transfers run "
                    + "or with a transfer held at one of its crash points " + strategy.crashPoints() + "; " + report);
        }
    }

    @Property(tries = 2)
    default void history_pastBalancesAndTheFullReplayAgreeWithTheModel(@ForAll long seed) {
        WalletStrategy strategy = strategy();
        if (strategy.guarantees().contains(Guarantee.REPLAYABLE_HISTORY)) {
            HistoryScenario.run(strategy, seed);
        }
        Statistics.label("history").collect(strategy.guarantees().contains(Guarantee.REPLAYABLE_HISTORY)
                ? "checked" : "not declared");
    }

    @Example
    default void replication_aStoppedMinorityLosesNothingAndReplicasConverge() {
        WalletStrategy strategy = strategy();
        if (strategy.guarantees().contains(Guarantee.REPLICATED)) {
            ReplicationScenario.run(strategy, 0x5eed_3e91L);
        } else {
            try (ContractRun run = ContractRun.start(strategy)) {
                // Nothing to stop; a deployment without replicas says so.
                assertEquals(Optional.empty(), run.deployment().replicas().map(replicas -> "present"),
                        "a strategy that does not declare " + Guarantee.REPLICATED + " offers no replicas to stop");
            }
        }
    }

    @Example
    default void close_everyCallAfterCloseThrowsWalletClosedException() {
        try (ContractRun run = ContractRun.start(strategy())) {
            fundPool(run, new Random(8));
            Wallet wallet = run.wallet();
            Transfer transfer = new Transfer(TransactionId.random(), ContractRun.POOL.get(0), ContractRun.POOL.get(1),
                    Money.of(ContractRun.USD, 1));
            assertTrue(wallet.readiness().ready(), () -> "an open wallet is ready: " + wallet.readiness().detail());
            checkMetrics(wallet);
            wallet.close();
            wallet.close();
            assertFalse(wallet.readiness().ready(), "a closed wallet says it is not ready (health checks read it)");
            checkMetrics(wallet);
            AccountId a0 = ContractRun.POOL.get(0);
            assertThrows(WalletClosedException.class, () -> wallet.execute(transfer), "execute");
            assertThrows(WalletClosedException.class, () -> wallet.executeBatch(List.of(transfer)), "executeBatch");
            assertThrows(WalletClosedException.class, () -> wallet.executeBatch(List.of()), "executeBatch of nothing");
            assertThrows(WalletClosedException.class, () -> awaitQuietly(wallet.executeAsync(transfer)), "executeAsync");
            assertThrows(WalletClosedException.class, () -> wallet.balance(a0), "balance");
            assertThrows(WalletClosedException.class, () -> wallet.balances(List.of(a0)), "balances");
            assertThrows(WalletClosedException.class, () -> wallet.balances(List.of()), "balances of nothing");
            assertThrows(WalletClosedException.class, () -> wallet.lookup(transfer.transactionId()), "lookup");
            assertThrows(WalletClosedException.class, () -> wallet.openAccount(AccountId.of("a9"), ContractRun.USD),
                    "openAccount");
            // Nothing ran: a new wallet on the same storage (where it keeps any) has not seen the transfer.
            Wallet reopened = run.reopen(dev.wallet.api.spi.FaultInjector.none());
            assertEquals(Optional.empty(), reopened.lookup(transfer.transactionId()), "a call refused after close ran");
        }
    }

    // Helpers.

    /** A wallet's own figures: distinct names, each readable at any time (open or closed) without blocking. */
    private static void checkMetrics(Wallet wallet) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (dev.wallet.api.WalletMetric metric : wallet.metrics()) {
            assertTrue(names.add(metric.name()), () -> "metric " + metric.name() + " is reported twice");
            double value = metric.value();
            assertTrue(!Double.isNaN(value) && value >= 0, () -> "metric " + metric + " is not a count or a size");
        }
    }

    /** Waits for a future and rethrows what failed it, as a synchronous call would. */
    private static Outcome awaitQuietly(java.util.concurrent.CompletableFuture<Outcome> future) {
        try {
            return future.get(ContractRun.ASYNC_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new AssertionError(e.getCause());
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            throw new AssertionError("executeAsync did not complete", e);
        }
    }

    /** Opens the pool in USD (a4 in JPY) and deposits into each. */
    private static void fundPool(ContractRun run, Random random) {
        for (AccountId account : ContractRun.POOL) {
            Currency currency = account.equals(ContractRun.POOL.get(4)) ? ContractRun.JPY : ContractRun.USD;
            run.open(account, currency);
            run.execute(new Deposit(TransactionId.random(), account, Money.of(currency, 5_000 + random.nextInt(50_000))));
        }
    }
}
