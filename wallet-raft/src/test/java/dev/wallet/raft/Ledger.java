package dev.wallet.raft;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import java.util.Currency;
import java.util.List;
import java.util.Random;

/** A bank of funded accounts and seeded transfers for the replicated tests. */
final class Ledger {

    static final Currency USD = Currency.getInstance("USD");

    private Ledger() {
    }

    static AccountId account(int index) {
        return AccountId.of("acct-" + index);
    }

    /** Opens {@code accounts} accounts with 1,000,000 minor units each. */
    static void fund(Wallet wallet, int accounts) {
        for (int i = 0; i < accounts; i++) {
            wallet.openAccount(account(i), USD);
            Outcome outcome = wallet.execute(new Deposit(TransactionId.random(), account(i), Money.of(USD, 1_000_000)));
            if (outcome.status() != Status.SUCCESS) {
                throw new IllegalStateException(outcome.toString());
            }
        }
    }

    /** A seeded transfer between two of the first {@code accounts} accounts. */
    static Transfer transfer(Random random, int accounts) {
        int source = random.nextInt(accounts);
        int target = (source + 1 + random.nextInt(accounts - 1)) % accounts;
        return new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1), account(source), account(target),
                Money.of(USD, 1 + random.nextInt(500)));
    }

    /** Runs {@code count} transfers, checking each succeeds. */
    static List<Transfer> transfers(Wallet wallet, Random random, int accounts, int count) {
        List<Transfer> done = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Transfer transfer = transfer(random, accounts);
            Outcome outcome = wallet.execute(transfer);
            if (outcome.status() != Status.SUCCESS) {
                throw new IllegalStateException(outcome.toString());
            }
            done.add(transfer);
        }
        return done;
    }

    static long total(Wallet wallet, int accounts) {
        long sum = wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
        for (int i = 0; i < accounts; i++) {
            sum += wallet.balance(account(i)).orElseThrow().minor();
        }
        return sum;
    }
}
