package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.WalletStrategy;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The child process of {@link KillNineScenario}: opens a strategy's default deployment in a
 * directory, funds accounts, then streams transfers from several threads forever, printing
 * {@code SENT id source target amount} before submitting each batch and {@code ACK id status}
 * once the wallet acknowledged it. The parent kills it with SIGKILL.
 */
public final class KillNineChild {

    static final int ACCOUNTS = 20;
    static final long OPENING_BALANCE_MINOR = 1_000_000_000L;
    static final int BATCH = 40;
    /** How the first argument names the strategy: a registered name, or a factory class. */
    static final String BY_NAME = "name:";
    static final String BY_FACTORY = "factory:";

    private KillNineChild() {
    }

    static AccountId account(int index) {
        return AccountId.of("k" + index);
    }

    public static void main(String[] args) throws Exception {
        WalletStrategy strategy = strategy(args[0]);
        Path directory = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        Wallet wallet = strategy.deploy(directory).open();
        for (int i = 0; i < ACCOUNTS; i++) {
            wallet.openAccount(account(i), ContractRun.USD);
            Outcome funded = wallet.execute(new Deposit(TransactionId.of(seed, i + 1), account(i),
                    Money.of(ContractRun.USD, OPENING_BALANCE_MINOR)));
            if (funded.status() != Status.SUCCESS) {
                throw new IllegalStateException("funding failed: " + funded);
            }
        }
        synchronized (out) {
            out.println("READY");
            out.flush();
        }
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed * 1_000 + t);
            Thread worker = new Thread(() -> stream(wallet, random, out), "kill-nine-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    /**
     * The strategy a source names: {@code name:<registered name>} or {@code factory:<class>} (a
     * {@code Supplier<WalletStrategy>} with a public no-argument constructor).
     */
    static WalletStrategy strategy(String source) {
        if (source.startsWith(BY_NAME)) {
            return WalletStrategies.named(source.substring(BY_NAME.length()));
        }
        if (!source.startsWith(BY_FACTORY)) {
            throw new IllegalArgumentException("not a strategy source: " + source);
        }
        String name = source.substring(BY_FACTORY.length());
        try {
            Object factory = Class.forName(name).getConstructor().newInstance();
            if (!(factory instanceof Supplier<?> supplier) || !(supplier.get() instanceof WalletStrategy strategy)) {
                throw new IllegalArgumentException(name + " is not a Supplier of a WalletStrategy");
            }
            return strategy;
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot make a strategy with " + name
                    + ": it needs a public no-argument constructor and must be on the class path", e);
        }
    }

    private static void stream(Wallet wallet, Random random, PrintStream out) {
        while (true) {
            List<MoneyCommand> batch = new ArrayList<>(BATCH);
            StringBuilder sent = new StringBuilder();
            for (int i = 0; i < BATCH; i++) {
                int source = random.nextInt(ACCOUNTS);
                int target = (source + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                Transfer transfer = new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1L),
                        account(source), account(target), Money.of(ContractRun.USD, 1 + random.nextInt(1_000)));
                batch.add(transfer);
                sent.append("SENT ").append(transfer.transactionId()).append(' ').append(source).append(' ')
                        .append(target).append(' ').append(transfer.amount().minor()).append('\n');
            }
            synchronized (out) {
                out.print(sent);
                out.flush();
            }
            List<Outcome> outcomes = wallet.executeBatch(batch);
            StringBuilder acks = new StringBuilder();
            for (Outcome outcome : outcomes) {
                acks.append("ACK ").append(outcome.transactionId()).append(' ').append(outcome.status()).append('\n');
            }
            synchronized (out) {
                out.print(acks);
                out.flush();
            }
        }
    }
}
