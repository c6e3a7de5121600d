package dev.wallet.contract;

import static dev.wallet.contract.Checks.assertEquals;
import static dev.wallet.contract.Checks.assertTrue;
import static dev.wallet.contract.Checks.fail;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real crash: a child JVM ({@link KillNineChild}) streams transfers into a strategy's default
 * deployment and reports each acknowledgement; the parent kills it with SIGKILL mid-stream, opens
 * a fresh wallet on the same files and checks that money is conserved, that every acknowledged
 * transfer is there (a repeat is a replay), and that every transfer sent is applied at most once.
 */
public final class KillNineScenario {

    /** What a run saw, for reports. */
    public record Result(int sent, int acknowledged, int presentButUnacknowledged, long childMillis) {
    }

    static final long CHILD_TIME_MAX_SECONDS = 120;

    private KillNineScenario() {
    }

    /**
     * Runs the scenario for the strategy registered as {@code strategyName} (found through
     * {@link WalletStrategies#named}), in {@code directory}.
     *
     * @param acknowledgementsBeforeKill how many acknowledged transfers to wait for before the kill
     */
    public static Result run(String strategyName, Path directory, long seed, int acknowledgementsBeforeKill)
            throws Exception {
        return runChild(KillNineChild.BY_NAME + strategyName, directory, seed, acknowledgementsBeforeKill);
    }

    /**
     * Runs the scenario for the strategy that a new instance of {@code factory} supplies, in both
     * processes: a strategy need not be registered, and may be configured as its tests configure
     * it. The factory class needs a public no-argument constructor and must be on the class path.
     *
     * @param acknowledgementsBeforeKill how many acknowledged transfers to wait for before the kill
     */
    public static Result run(Class<? extends Supplier<? extends WalletStrategy>> factory, Path directory, long seed,
                             int acknowledgementsBeforeKill) throws Exception {
        KillNineChild.strategy(KillNineChild.BY_FACTORY + factory.getName());
        return runChild(KillNineChild.BY_FACTORY + factory.getName(), directory, seed, acknowledgementsBeforeKill);
    }

    private static Result runChild(String strategySource, Path directory, long seed, int acknowledgementsBeforeKill)
            throws Exception {
        Path home = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(home.toString(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                KillNineChild.class.getName(), strategySource, directory.toString(), Long.toString(seed), "2");
        Path errors = Files.createTempFile("kill-nine-child-", ".err");
        Process child = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        long started = System.nanoTime();
        // A child that hangs without writing would block readLine for ever: a watchdog kills it.
        Thread watchdog = new Thread(() -> {
            try {
                if (!child.waitFor(CHILD_TIME_MAX_SECONDS, TimeUnit.SECONDS)) {
                    child.toHandle().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kill-nine-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Map<TransactionId, Transfer> sent = new LinkedHashMap<>();
        Set<TransactionId> acknowledged = new HashSet<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            boolean ready = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIME_MAX_SECONDS);
            String line;
            while ((line = lines.readLine()) != null) {
                ready |= line.equals("READY");
                parse(line, sent, acknowledged);
                if (ready && acknowledged.size() >= acknowledgementsBeforeKill) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            assertTrue(child.isAlive(), () -> "the child ended before it was killed; its stderr:\n" + read(errors));
            assertTrue(ready && acknowledged.size() >= acknowledgementsBeforeKill,
                    () -> "the child acknowledged only " + acknowledged.size() + " transfers; stderr:\n" + read(errors));
            // SIGKILL through the process handle: Process.destroyForcibly would also close our end of
            // the pipe, losing the lines the child wrote just before it died.
            assertTrue(child.toHandle().destroyForcibly(), "SIGKILL was not delivered");
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
            // Lines already written before the kill are still in the pipe.
            while ((line = lines.readLine()) != null) {
                parse(line, sent, acknowledged);
            }
        } finally {
            child.destroyForcibly();
            watchdog.interrupt();
            Files.deleteIfExists(errors);
        }
        long childMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(137, child.exitValue(), "the child died of SIGKILL");
        return check(strategySource, directory, seed, sent, acknowledged, childMillis);
    }

    private static Result check(String strategySource, Path directory, long seed, Map<TransactionId, Transfer> sent,
                                Set<TransactionId> acknowledged, long childMillis) {
        List<AccountId> accounts = new ArrayList<>();
        for (int i = 0; i < KillNineChild.ACCOUNTS; i++) {
            accounts.add(KillNineChild.account(i));
        }
        List<AccountId> withFunding = Ledgers.withFunding(accounts, List.of(ContractRun.USD));
        try (Deployment deployment = KillNineChild.strategy(strategySource).deploy(directory);
             Wallet wallet = deployment.open()) {
            Map<String, Long> sums = Ledgers.sums(Ledgers.snapshot(wallet, withFunding));
            assertEquals(0L, sums.get("USD"), "money is conserved after the kill");
            int present = 0;
            Map<AccountId, Long> expected = new HashMap<>();
            accounts.forEach(account -> expected.put(account, KillNineChild.OPENING_BALANCE_MINOR));
            for (Map.Entry<TransactionId, Transfer> entry : sent.entrySet()) {
                Transfer transfer = entry.getValue();
                Outcome outcome = wallet.execute(transfer);
                assertEquals(Status.SUCCESS, outcome.status(), () -> "the streamed transfers never overdraw: " + transfer);
                if (acknowledged.contains(entry.getKey())) {
                    assertTrue(outcome.replay(), () -> "acknowledged transfer " + transfer + " was lost by the kill");
                } else if (outcome.replay()) {
                    present++;
                }
                expected.merge(transfer.source(), -transfer.amount().minor(), Long::sum);
                expected.merge(transfer.target(), transfer.amount().minor(), Long::sum);
            }
            for (AccountId account : accounts) {
                assertEquals(Optional.of(Money.of(ContractRun.USD, expected.get(account))), wallet.balance(account),
                        () -> "every transfer sent is applied exactly once after recovery and retry: " + account);
            }
            for (TransactionId id : acknowledged) {
                if (!sent.containsKey(id)) {
                    fail("acknowledged id " + id + " was never sent");
                }
            }
            return new Result(sent.size(), acknowledged.size(), present, childMillis);
        }
    }

    private static void parse(String line, Map<TransactionId, Transfer> sent, Set<TransactionId> acknowledged) {
        String[] parts = line.split(" ");
        try {
            if (parts[0].equals("SENT") && parts.length == 5) {
                TransactionId id = TransactionId.parse(parts[1]);
                sent.put(id, new Transfer(id, KillNineChild.account(Integer.parseInt(parts[2])),
                        KillNineChild.account(Integer.parseInt(parts[3])), Money.of(ContractRun.USD, Long.parseLong(parts[4]))));
            } else if (parts[0].equals("ACK") && parts.length == 3) {
                acknowledged.add(TransactionId.parse(parts[1]));
            }
        } catch (RuntimeException e) {
            // A line cut short by the kill.
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
