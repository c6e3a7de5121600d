package dev.wallet.contract;

import dev.wallet.api.AccountId;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletException;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Holds one command at a crash point (with a {@link dev.wallet.api.spi.FaultInjector#onReach} hook that
 * blocks the thread reaching it) and asks the wallet something meanwhile from another thread: what
 * a caller sees while a command is half-way through a strategy.
 */
final class HeldCommand {

    static final int COMMANDS_TO_REACH_MAX = 20;
    static final long WAIT_SECONDS = 60;
    static final long PROBE_WAIT_SECONDS = 1;

    /**
     * What the probe saw.
     *
     * @param command the command held at the point
     * @param answer  the probe's answer while the command was held; empty when the probe waited longer than
     *                {@link #PROBE_WAIT_SECONDS} (it needs what the held command holds) or answered
     *                {@link WalletUnavailableException}; any other failure of the probe fails the test
     * @param outcome the held command's outcome once released; empty when it failed
     */
    record Probe<T>(MoneyCommand command, Optional<T> answer, Optional<Outcome> outcome) {
    }

    private HeldCommand() {
    }

    /**
     * Streams random commands over {@code customers} until one reaches {@code point} (at most
     * {@link #COMMANDS_TO_REACH_MAX}), probes while it is held, then releases it.
     *
     * @return empty when no command reached the point
     */
    static <T> Optional<Probe<T>> probe(ContractRun run, CrashPoint point, List<AccountId> customers, Random random,
                                        BiFunction<Wallet, MoneyCommand, T> probe) {
        Wallet wallet = run.wallet();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        run.faults.onReach(point, () -> {
            reached.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AtomicReference<MoneyCommand> current = new AtomicReference<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Optional<Outcome>> writer = threads.submit(() -> {
                Optional<Outcome> last = Optional.empty();
                for (int i = 0; i < COMMANDS_TO_REACH_MAX && reached.getCount() > 0; i++) {
                    MoneyCommand command = CrashScenario.randomCommand(random, run.model, customers);
                    current.set(command);
                    try {
                        last = Optional.of(wallet.execute(command));
                    } catch (WalletException e) {
                        return Optional.empty();
                    }
                }
                return last;
            });
            if (!awaitReached(reached, writer)) {
                return Optional.empty();
            }
            MoneyCommand held = current.get();
            Future<T> answer = threads.submit(() -> probe.apply(wallet, held));
            Optional<T> seen;
            try {
                seen = Optional.ofNullable(answer.get(PROBE_WAIT_SECONDS, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                seen = Optional.empty();
            } catch (ExecutionException e) {
                // Waiting for what the held command holds, then saying so, is a fair answer; any
                // other failure of the probe is the strategy's.
                if (!(e.getCause() instanceof WalletUnavailableException)) {
                    release.countDown();
                    throw new AssertionError("asking the wallet while a command is held at " + point + " failed",
                            e.getCause());
                }
                seen = Optional.empty();
            } finally {
                release.countDown();
            }
            Optional<Outcome> outcome = writer.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return Optional.of(new Probe<>(held, seen, outcome));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("the held command did not finish once released", e);
        } finally {
            release.countDown();
            threads.shutdown();
            try {
                threads.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the hook fired before the writer gave up. */
    private static boolean awaitReached(CountDownLatch reached, Future<?> writer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (reached.await(50, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (writer.isDone()) {
                return reached.getCount() == 0;
            }
        }
        return false;
    }
}
