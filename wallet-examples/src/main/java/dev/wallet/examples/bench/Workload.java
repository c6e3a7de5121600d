package dev.wallet.examples.bench;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Which accounts a benchmark's transfers touch. {@code uniform}: source and target drawn uniformly
 * from many accounts, so contention is rare. {@code hot}: all transfers between a handful of
 * accounts, so nearly every pair of concurrent transfers contends.
 *
 * @param name     as printed
 * @param accounts how many accounts take part
 * @param ids      the accounts' ids, made once so that generating load costs little
 */
public record Workload(String name, int accounts, AccountId[] ids) implements TransferSource {

    public static final Currency USD = Currency.getInstance("USD");
    /** Each account's opening balance: large enough that funds never run out during a run. */
    public static final long OPENING_BALANCE_MINOR = 1_000_000_000_000L;
    private static final int OPENING_THREADS = 64;

    public Workload {
        if (accounts < 2) {
            throw new IllegalArgumentException("a workload needs at least 2 accounts: " + accounts);
        }
    }

    public Workload(String name, int accounts) {
        this(name, accounts, ids(name, accounts));
    }

    private static AccountId[] ids(String name, int accounts) {
        AccountId[] ids = new AccountId[Math.max(accounts, 0)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = idOf(name, i);
        }
        return ids;
    }

    private static AccountId idOf(String name, int index) {
        return AccountId.of(name + "-" + index);
    }

    public static Workload uniform(int accounts) {
        return new Workload("uniform", accounts);
    }

    public static Workload hot(int accounts) {
        return new Workload("hot", accounts);
    }

    /** Parses {@code uniform}, {@code uniform:100000}, {@code hot} or {@code hot:4}. */
    public static Workload parse(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split(":", 2);
        return switch (parts[0]) {
            case "uniform" -> uniform(parts.length > 1 ? Integer.parseInt(parts[1]) : 100_000);
            case "hot" -> hot(parts.length > 1 ? Integer.parseInt(parts[1]) : 4);
            default -> throw new IllegalArgumentException("workload must be uniform[:n] or hot[:n]: " + text);
        };
    }

    public AccountId account(int index) {
        return ids[index];
    }

    /**
     * Opens and funds every account: the opens from several threads at once (a durable strategy
     * then commits many of them together), the deposits in batches.
     */
    public void setUp(Wallet wallet) {
        openAccounts(wallet);
        fund(wallet);
    }

    /** Opens every account, from several threads at once. */
    public void openAccounts(Wallet wallet) {
        ForkJoinPool openers = new ForkJoinPool(OPENING_THREADS);
        try {
            openers.submit(() -> IntStream.range(0, accounts).parallel().forEach(i -> wallet.openAccount(account(i), USD)))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("opening the workload's accounts failed", e.getCause());
        } finally {
            openers.shutdown();
        }
    }

    /** Deposits the opening balance into every account, in batches. */
    public void fund(Wallet wallet) {
        List<MoneyCommand> deposits = new ArrayList<>();
        for (int i = 0; i < accounts; i++) {
            AccountId account = account(i);
            deposits.add(new Deposit(TransactionId.random(), account, Money.of(USD, OPENING_BALANCE_MINOR)));
            if (deposits.size() == 1_000 || i == accounts - 1) {
                for (Outcome outcome : wallet.executeBatch(deposits)) {
                    if (outcome.status() != Status.SUCCESS) {
                        throw new IllegalStateException("setting up the workload failed: " + outcome);
                    }
                }
                deposits.clear();
            }
        }
    }

    /** A random transfer between two distinct accounts of this workload. */
    @Override
    public Transfer next(SplittableRandom random) {
        return transfer(random, this::account);
    }

    private Transfer transfer(SplittableRandom random, IntFunction<AccountId> idOf) {
        int source = random.nextInt(accounts);
        int target = random.nextInt(accounts - 1);
        if (target >= source) {
            target++;
        }
        return new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1L), idOf.apply(source), idOf.apply(target),
                Money.of(USD, 1 + random.nextInt(10_000)));
    }

    /**
     * The same transfers as {@link #next}, but with account ids built afresh for each transfer, as
     * a server builds them from the requests it parses. Drawn from the shared table, the ids of
     * many accounts have left the cache, and reading each one (to check it, then to encode it)
     * costs the load threads a cache miss that no real client would pay on the server's cores.
     */
    public TransferSource freshIds() {
        return random -> transfer(random, index -> idOf(name, index));
    }

    /** The sum of all balances of the workload's accounts and the funding account; zero when money is conserved. */
    public long conservationSum(Wallet wallet) {
        long sum = wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
        for (int i = 0; i < accounts; i++) {
            sum += wallet.balance(account(i)).orElseThrow().minor();
        }
        return sum;
    }

    @Override
    public String toString() {
        return name + "(" + accounts + " accounts)";
    }
}
