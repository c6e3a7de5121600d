package dev.wallet.memory;

import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One in-memory partition, the stand-in for one node of a sharded key-value store: the accounts it
 * owns and the idempotency claims of the transaction ids it owns.
 *
 * <p>Thread-safe. Account membership is a concurrent map (accounts are never removed and their
 * currency never changes); balances and claims are guarded by this object's monitor, held for one
 * short operation at a time and never together with another partition's.
 */
final class Partition {

    private final Map<AccountId, Account> accounts = new ConcurrentHashMap<>();
    private final ClaimLog claims = new ClaimLog();
    private int waiters;

    Account account(AccountId id) {
        Account account = accounts.get(id);
        if (account == null && id.isFunding()) {
            return accounts.computeIfAbsent(id, f -> new Account(f, f.fundingCurrency().orElseThrow()));
        }
        return account;
    }

    /** Adds the account unless one with its id exists; returns the existing one or {@code null}. */
    Account putIfAbsent(Account account) {
        Currencies.requireSupported("currency", account.currency);
        return accounts.putIfAbsent(account.id, account);
    }

    synchronized long balanceOf(Account account) {
        return account.balanceMinor;
    }

    /** Records the claim unless the id is claimed already: its entry, or {@code -(earlier entry) - 1}. */
    synchronized int claim(MoneyCommand command, AccountId first, AccountId second, TransferService owner) {
        return claims.claim(command, first, second, owner);
    }

    synchronized boolean samePayload(int entry, MoneyCommand command) {
        return claims.samePayload(entry, command);
    }

    synchronized void complete(int entry, Status status) {
        claims.complete(entry, status);
        claims.release(entry);
        if (waiters > 0) {
            notifyAll();
        }
    }

    /** Lets waiters re-check their claims' owners (after one crashed). */
    synchronized void wakeWaiters() {
        if (waiters > 0) {
            notifyAll();
        }
    }

    /**
     * The status of a claim once its owner records it; {@link Status#IN_DOUBT} if the owner
     * crashed first; {@code null} if neither happened within the wait.
     */
    synchronized Status await(int entry, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        waiters++;
        try {
            while (true) {
                Status status = claims.status(entry);
                if (status != null) {
                    return status;
                }
                if (claims.owner(entry).hasCrashed()) {
                    return Status.IN_DOUBT;
                }
                long remainingMillis = (deadline - System.nanoTime()) / 1_000_000L;
                if (remainingMillis <= 0) {
                    return null;
                }
                wait(remainingMillis);
            }
        } finally {
            waiters--;
        }
    }

    /**
     * What the partition recorded for an id: decided once its claim is complete, in flight while
     * its owner runs it, {@link Status#IN_DOUBT} once the owner crashed before completing it (as a
     * repeat would answer), empty if never claimed.
     */
    synchronized Optional<TransactionLookup> lookup(TransactionId id) {
        int entry = claims.find(id);
        if (entry < 0) {
            return Optional.empty();
        }
        Status status = claims.status(entry);
        if (status == null && claims.owner(entry).hasCrashed()) {
            status = Status.IN_DOUBT;
        }
        return Optional.of(status == null ? TransactionLookup.inFlight(id) : TransactionLookup.decided(id, status));
    }

    synchronized int claimCount() {
        return claims.size();
    }
}
