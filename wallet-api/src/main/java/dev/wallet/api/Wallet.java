package dev.wallet.api;

import dev.wallet.api.spi.SimulatedCrashException;
import dev.wallet.api.spi.WalletStrategy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Moves money between wallet accounts. The in-process form of
 * {@code POST /v1/wallet/balance_transfer}; every consistency strategy of the library implements
 * it, and {@link WalletStrategy#guarantees()} says what a given strategy promises beyond the
 * rules below.
 *
 * <p>Rules shared by every implementation:
 * <ul>
 *   <li>Amounts are exact minor units of an ISO 4217 currency; commands validate their fields at
 *       construction, so malformed input never reaches a wallet and changes nothing.</li>
 *   <li>A money command is checked in this order: {@link Status#SAME_ACCOUNT},
 *       {@link Status#UNKNOWN_ACCOUNT} (debited, then credited account),
 *       {@link Status#CURRENCY_MISMATCH}, then {@link Status#INSUFFICIENT_FUNDS} (or
 *       {@link Status#LIMIT_EXCEEDED} for a deposit).</li>
 *   <li>Every command's outcome, failed ones included, is pinned to its transaction id: a repeat
 *       with the same payload returns it as a replay and moves nothing; the same id with another
 *       payload is a {@link Status#CONFLICT}. A client that wants to try again uses a new id.</li>
 *   <li>Money moves only from one account to another, so the sum of all balances of a currency,
 *       its funding account included, is zero (for strategies without
 *       {@link Guarantee#ATOMIC_UNDER_CRASH}, only as long as no process crashes mid-command).</li>
 * </ul>
 *
 * <p>Implementations are thread-safe. Expected business failures are {@link Outcome} values;
 * exceptions are {@link InvalidInputException} (bad input), {@link WalletUnavailableException}
 * (retry with the same id), {@link WalletClosedException} and, in tests,
 * {@link SimulatedCrashException}.
 */
public interface Wallet extends AutoCloseable {

    /**
     * Opens a customer account with a zero balance. Idempotent per account id.
     *
     * @throws InvalidInputException when {@code account} is a funding account or {@code currency}
     *                               has no defined fraction digits
     */
    OpenResult openAccount(AccountId account, Currency currency);

    /** Executes a transfer, deposit or withdrawal once per transaction id. */
    Outcome execute(MoneyCommand command);

    /** The current balance of an account; empty when it was never opened. Funding accounts always exist. */
    Optional<Money> balance(AccountId account);

    /**
     * What this wallet recorded for {@code transactionId}, without executing anything (the design's
     * "pull" of a command's status): empty for an id it never recorded (or recorded nothing for, as
     * after a {@link Status#CONFLICT} or input that was rejected); {@link TransactionLookup#isDecided()
     * decided} with the original status once the command ran; {@link TransactionLookup#isInFlight()
     * in flight} while the strategy is between the steps of a command it has started. Durable
     * strategies answer the same after a restart. One caveat is inherent to replication: a command
     * whose call failed with a retryable {@link WalletUnavailableException} (no quorum in time)
     * may still be committed later, so its id may be looked up empty and later decided; retry it
     * with the same id to settle it.
     */
    Optional<TransactionLookup> lookup(TransactionId transactionId);

    /**
     * The balances of several accounts read together, with the money in flight between accounts.
     * Only strategies that declare {@link Guarantee#CONSISTENT_READS} read them as of one point; by
     * default the accounts are read one after another with {@link #balance}, so commands running
     * meanwhile may show half-done (a "torn" read), and nothing is reported in flight.
     *
     * @param accounts the accounts to read, at most {@link BalanceSnapshot#ACCOUNTS_MAX}; duplicates
     *                 are read once
     * @throws IllegalArgumentException for more accounts than that; nothing is read
     */
    default BalanceSnapshot balances(Collection<AccountId> accounts) {
        Map<AccountId, Money> balances = new LinkedHashMap<>();
        for (AccountId account : BalanceSnapshot.requested(accounts)) {
            balance(account).ifPresent(money -> balances.put(account, money));
        }
        return BalanceSnapshot.of(balances);
    }

    /**
     * The wallet's replayable history where the strategy keeps one ({@link Guarantee#REPLAYABLE_HISTORY});
     * empty otherwise.
     */
    default Optional<ReplayableHistory> replayableHistory() {
        return Optional.empty();
    }

    /**
     * Whether this wallet can take commands now: open, and whatever it needs reachable (a writable
     * journal, a known Raft leader, its databases). Cheap enough for a health check every few
     * seconds; it executes nothing. By default: ready (a wallet that is closed throws on its next
     * call instead).
     */
    default Readiness readiness() {
        return Readiness.ready("open");
    }

    /**
     * The figures this wallet reports about its own work (journal commits, fsync time, Raft leader
     * changes, ...), each cheap to read at any time; empty by default. Bind them to Micrometer with
     * {@code dev.wallet.api.micrometer.WalletMeterBinder}.
     */
    default List<WalletMetric> metrics() {
        return List.of();
    }

    /**
     * Executes a command without blocking the caller where the strategy can (the event-sourced
     * strategies batch such calls); by default it runs {@link #execute} and returns a completed
     * future. The future fails with the exceptions {@link #execute} would throw.
     */
    default CompletableFuture<Outcome> executeAsync(MoneyCommand command) {
        try {
            return CompletableFuture.completedFuture(execute(command));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Executes commands as if one by one in list order (a later duplicate of an earlier id is a
     * replay or conflict) and returns their outcomes in the same order. The batch is not atomic as
     * a whole: each command succeeds or fails on its own. Strategies that batch internally make
     * this the fastest way in. A list holding {@code null} is rejected before anything runs.
     */
    default List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        // Checked up front, so that a batch with a null in it changes nothing.
        commands.forEach(command -> Objects.requireNonNull(command, "a command of the batch"));
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        for (MoneyCommand command : commands) {
            outcomes.add(execute(command));
        }
        return outcomes;
    }

    /** Executes a transfer. */
    default Outcome transfer(Transfer transfer) {
        return execute(transfer);
    }

    /**
     * Validates a request as the HTTP endpoint receives it and executes it.
     *
     * @throws InvalidInputException naming the first malformed field; nothing changes
     */
    default Outcome transfer(TransferRequest request) {
        return execute(Objects.requireNonNull(request, "request").toTransfer());
    }

    /** Executes a transfer without blocking where the strategy can. */
    default CompletableFuture<Outcome> transferAsync(Transfer transfer) {
        return executeAsync(transfer);
    }

    /** Moves money from the funding account of its currency into a customer account. */
    default Outcome deposit(Deposit deposit) {
        return execute(deposit);
    }

    /** Moves money from a customer account to the funding account of its currency. */
    default Outcome withdraw(Withdrawal withdrawal) {
        return execute(withdrawal);
    }

    /**
     * Stops taking calls and releases what this instance holds. Commands already acknowledged stay
     * as durable as the strategy promises. Afterwards every call throws
     * {@link WalletClosedException}; closing again does nothing.
     */
    @Override
    void close();
}
