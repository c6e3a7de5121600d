package dev.wallet.server;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Readiness;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Wallet;
import java.util.Currency;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Delegates to a wallet, holding each money command until {@link #release()}: the blocking form
 * holds the calling thread in {@link #execute}, as the memory and database strategies do; the
 * {@link Async} form holds only the future, as the event-sourced strategies do.
 */
class HeldWallet implements Wallet {

    final Wallet wallet;
    final CompletableFuture<Void> release = new CompletableFuture<>();
    private final Semaphore entered = new Semaphore(0);

    HeldWallet(Wallet wallet) {
        this.wallet = wallet;
    }

    /** The held wallet whose {@code executeAsync} holds no thread. */
    static final class Async extends HeldWallet {

        Async(Wallet wallet) {
            super(wallet);
        }

        @Override
        public CompletableFuture<Outcome> executeAsync(MoneyCommand command) {
            entered();
            return release.thenCompose(ignored -> wallet.executeAsync(command));
        }
    }

    /** A held wallet of the kind the strategy's own executeAsync is. */
    static HeldWallet around(Wallet wallet) {
        boolean async;
        try {
            async = !wallet.getClass().getMethod("executeAsync", MoneyCommand.class).getDeclaringClass().isInterface();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        return async ? new Async(wallet) : new HeldWallet(wallet);
    }

    void entered() {
        entered.release();
    }

    /** Waits until {@code commands} money commands have reached the wallet. */
    void awaitEntered(int commands) throws InterruptedException {
        if (!entered.tryAcquire(commands, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("only " + entered.availablePermits() + " of " + commands + " commands arrived");
        }
    }

    void release() {
        release.complete(null);
    }

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        return wallet.openAccount(account, currency);
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        entered();
        release.orTimeout(60, TimeUnit.SECONDS).join();
        return wallet.execute(command);
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        return wallet.balance(account);
    }

    @Override
    public Optional<TransactionLookup> lookup(TransactionId transactionId) {
        return wallet.lookup(transactionId);
    }

    @Override
    public Readiness readiness() {
        return wallet.readiness();
    }

    @Override
    public void close() {
        wallet.close();
    }
}
