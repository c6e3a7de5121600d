package dev.wallet.memory;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Readiness;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import java.util.Collection;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The stateless wallet service of the in-memory design: it claims the transaction id in the id's
 * partition, debits the source partition, then credits the target partition, as separate steps
 * with no transaction around them. Any number of services may run over the same
 * {@link MemoryNodes}.
 *
 * <p>Thread-safe. Each step holds one partition monitor for a few field updates and never two at
 * once, so there is no deadlock and no lost update. Not atomic: a crash between the debit and the
 * credit loses the amount.
 */
final class TransferService implements Wallet {

    static final CrashPoint AFTER_CLAIM = new CrashPoint("memory.after-claim",
            "the transaction id is claimed; no balance has changed; repeats answer IN_DOUBT");
    static final CrashPoint AFTER_DEBIT = new CrashPoint("memory.after-debit",
            "the source is debited but the target is not credited: the amount is lost");
    static final CrashPoint AFTER_CREDIT = new CrashPoint("memory.after-credit",
            "both balances moved but the outcome is not recorded; repeats answer IN_DOUBT");
    static final List<CrashPoint> CRASH_POINTS = List.of(AFTER_CLAIM, AFTER_DEBIT, AFTER_CREDIT);

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int CRASHED = 2;

    private final MemoryNodes nodes;
    private final FaultInjector faults;
    private final long claimWaitMillis;
    private volatile int state = OPEN;

    TransferService(MemoryNodes nodes, FaultInjector faults, long claimWaitMillis) {
        this.nodes = nodes;
        this.faults = faults;
        this.claimWaitMillis = claimWaitMillis;
    }

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        LedgerRules.checkOpenable(account, currency);
        checkOpen();
        Account existing = nodes.partitionOf(account).putIfAbsent(new Account(account, currency));
        if (existing == null) {
            return OpenResult.OPENED;
        }
        return existing.currency.equals(currency) ? OpenResult.ALREADY_OPEN : OpenResult.EXISTS_IN_OTHER_CURRENCY;
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        checkOpen();
        TransactionId id = command.transactionId();
        Partition home = nodes.partitionOf(id);
        Partition source = nodes.partitionOf(command.debited());
        Partition target = nodes.partitionOf(command.credited());
        Account debited = source.account(command.debited());
        Account credited = target.account(command.credited());
        // The claim keeps the partitions' own id objects where the accounts exist, not the
        // caller's, so that remembering an id retains no object of the request.
        AccountId first = canonical(command instanceof Deposit ? credited : debited,
                command instanceof Deposit ? command.credited() : command.debited());
        AccountId second = command instanceof Transfer ? canonical(credited, command.credited()) : null;
        int entry = home.claim(command, first, second, this);
        if (entry < 0) {
            return answerRepeat(home, -entry - 1, command);
        }
        Status status;
        try {
            checkpoint(AFTER_CLAIM);
            status = move(command, source, target, debited, credited);
        } catch (SimulatedCrashException crash) {
            state = CRASHED;
            home.wakeWaiters();
            throw crash;
        } catch (RuntimeException | Error e) {
            // Whatever went wrong, the claim must not stay pending for ever: repeats answer
            // IN_DOUBT (money may have left the source) instead of waiting for a dead attempt.
            home.complete(entry, Status.IN_DOUBT);
            throw e;
        }
        home.complete(entry, status);
        return Outcome.of(id, status);
    }

    private static AccountId canonical(Account account, AccountId given) {
        return account == null ? given : account.id;
    }

    private Outcome answerRepeat(Partition home, int entry, MoneyCommand command) {
        TransactionId id = command.transactionId();
        if (!home.samePayload(entry, command)) {
            return Outcome.of(id, Status.CONFLICT);
        }
        Status status;
        try {
            status = home.await(entry, claimWaitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while waiting for the first attempt of " + id, e);
        }
        if (status == null) {
            throw new WalletUnavailableException("the first attempt of " + id + " is still running after "
                    + claimWaitMillis + " ms; retry with the same id");
        }
        return Outcome.replayOf(id, status);
    }

    /** Validates, debits, credits: three separate steps, one partition at a time. */
    private Status move(MoneyCommand command, Partition source, Partition target, Account debited, Account credited) {
        Status refusal = LedgerRules.checkAccounts(command,
                debited == null ? null : debited.currency, credited == null ? null : credited.currency);
        if (refusal != null) {
            return refusal;
        }
        long amount = command.amount().minor();
        synchronized (source) {
            Status funds = LedgerRules.checkDebit(debited.id, debited.balanceMinor, amount);
            if (funds != Status.SUCCESS) {
                return funds;
            }
            debited.balanceMinor -= amount;
        }
        checkpoint(AFTER_DEBIT);
        synchronized (target) {
            credited.balanceMinor = LedgerRules.credit(credited.balanceMinor, amount);
        }
        checkpoint(AFTER_CREDIT);
        return Status.SUCCESS;
    }

    @Override
    public Optional<Money> balance(AccountId accountId) {
        Objects.requireNonNull(accountId, "account");
        checkOpen();
        Partition partition = nodes.partitionOf(accountId);
        Account account = partition.account(accountId);
        return account == null ? Optional.empty() : Optional.of(Money.of(account.currency, partition.balanceOf(account)));
    }

    /** One by one, as the default; a closed service refuses an empty batch too. */
    @Override
    public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        checkOpen();
        return Wallet.super.executeBatch(commands);
    }

    /** One account after another, as the default (not consistent); a closed service refuses an empty read too. */
    @Override
    public BalanceSnapshot balances(Collection<AccountId> accounts) {
        Objects.requireNonNull(accounts, "accounts");
        checkOpen();
        return Wallet.super.balances(accounts);
    }

    @Override
    public Optional<TransactionLookup> lookup(TransactionId transactionId) {
        Objects.requireNonNull(transactionId, "transactionId");
        checkOpen();
        return nodes.partitionOf(transactionId).lookup(transactionId);
    }

    @Override
    public Readiness readiness() {
        int current = state;
        return current == OPEN ? Readiness.ready("in memory, open")
                : Readiness.notReady(current == CRASHED ? "crashed (simulated)" : "closed");
    }

    @Override
    public void close() {
        if (state == OPEN) {
            state = CLOSED;
        }
    }

    boolean hasCrashed() {
        return state == CRASHED;
    }

    private void checkpoint(CrashPoint point) {
        if (state == CRASHED) {
            throw new SimulatedCrashException(point);
        }
        faults.reach(point);
    }

    private void checkOpen() {
        int current = state;
        if (current != OPEN) {
            throw new WalletClosedException(current == CRASHED
                    ? "this in-memory wallet service crashed (simulated); open a new one on the same nodes"
                    : "this in-memory wallet service is closed");
        }
    }
}
