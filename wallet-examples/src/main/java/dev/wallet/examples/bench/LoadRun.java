package dev.wallet.examples.bench;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Drives transfers into a wallet from several threads for a fixed time and measures throughput and
 * acknowledgement latency. Latency is sampled (every {@value #SAMPLE_EVERY}th call) to keep the
 * clock reads off most of the hot path.
 *
 * <p>Modes: {@code sync} calls {@link Wallet#execute} per transfer; {@code batch:N} calls
 * {@link Wallet#executeBatch} with N transfers (latency is the batch's); {@code async:N} keeps up to
 * N {@link Wallet#executeAsync} calls in flight per thread.
 */
public final class LoadRun {

    static final int SAMPLE_EVERY = 8;
    static final int SAMPLES_MAX_PER_THREAD = 1 << 20;

    /**
     * @param transfers     transfers acknowledged in the measured time
     * @param seconds       measured time
     * @param latencyNanos  sorted latency samples
     */
    public record Result(long transfers, double seconds, long[] latencyNanos) {

        public double transfersPerSecond() {
            return transfers / seconds;
        }

        public double percentileMicros(double percentile) {
            if (latencyNanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(latencyNanos.length - 1, Math.ceil(percentile / 100.0 * latencyNanos.length) - 1);
            return latencyNanos[Math.max(0, index)] / 1_000.0;
        }
    }

    private LoadRun() {
    }

    public static Result run(Wallet wallet, TransferSource workload, String mode, int threads, double seconds, long seed)
            throws InterruptedException {
        long[] counts = new long[threads];
        long[][] samples = new long[threads][];
        int[] sampleCounts = new int[threads];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread worker = new Thread(() -> {
                long[] mine = new long[SAMPLES_MAX_PER_THREAD];
                samples[index] = mine;
                SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
                ready.countDown();
                try {
                    go.await();
                    long deadline = window[0] + (long) (seconds * 1e9);
                    Driver driver = new Driver(wallet, workload, mode, random, mine);
                    counts[index] = driver.drive(deadline);
                    sampleCounts[index] = driver.sampled;
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "load-" + t);
            workers.add(worker);
            worker.start();
        }
        ready.await();
        window[0] = System.nanoTime();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        window[1] = System.nanoTime();
        if (failure.get() != null) {
            throw new IllegalStateException("load run failed", failure.get());
        }
        int total = Arrays.stream(sampleCounts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples[t], 0, all, at, sampleCounts[t]);
            at += sampleCounts[t];
        }
        Arrays.sort(all);
        return new Result(Arrays.stream(counts).sum(), (window[1] - window[0]) / 1e9, all);
    }

    /** One thread's loop. */
    private static final class Driver {
        private final Wallet wallet;
        private final TransferSource workload;
        private final String kind;
        private final int size;
        private final SplittableRandom random;
        private final long[] samples;
        int sampled;

        Driver(Wallet wallet, TransferSource workload, String mode, SplittableRandom random, long[] samples) {
            this.wallet = wallet;
            this.workload = workload;
            String[] parts = mode.split(":", 2);
            this.kind = parts[0];
            this.size = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
            if (!kind.equals("sync") && !kind.equals("batch") && !kind.equals("async")) {
                throw new IllegalArgumentException("mode must be sync, batch:N or async:N: " + mode);
            }
            this.random = random;
            this.samples = samples;
        }

        long drive(long deadline) throws Exception {
            return switch (kind) {
                case "sync" -> driveSync(deadline);
                case "batch" -> driveBatch(deadline);
                default -> driveAsync(deadline);
            };
        }

        private long driveSync(long deadline) {
            long done = 0;
            while ((done & 63) != 0 || System.nanoTime() < deadline) {
                Transfer transfer = workload.next(random);
                if ((done % SAMPLE_EVERY) == 0) {
                    long start = System.nanoTime();
                    check(wallet.execute(transfer));
                    sample(System.nanoTime() - start);
                } else {
                    check(wallet.execute(transfer));
                }
                done++;
            }
            return done;
        }

        private long driveBatch(long deadline) {
            long done = 0;
            List<MoneyCommand> batch = new ArrayList<>(size);
            while (System.nanoTime() < deadline) {
                batch.clear();
                for (int i = 0; i < size; i++) {
                    batch.add(workload.next(random));
                }
                long start = System.nanoTime();
                List<Outcome> outcomes = wallet.executeBatch(batch);
                sample(System.nanoTime() - start);
                outcomes.forEach(Driver::check);
                done += size;
            }
            return done;
        }

        private long driveAsync(long deadline) throws Exception {
            Semaphore inFlight = new Semaphore(size);
            long[] done = new long[1];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long issued = 0;
            while (System.nanoTime() < deadline && failure.get() == null) {
                inFlight.acquire();
                Transfer transfer = workload.next(random);
                boolean timed = (issued++ % SAMPLE_EVERY) == 0;
                long start = timed ? System.nanoTime() : 0;
                CompletableFuture<Outcome> future = wallet.executeAsync(transfer);
                future.whenComplete((outcome, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else {
                        if (timed) {
                            sampleConcurrently(System.nanoTime() - start);
                        }
                        synchronized (done) {
                            done[0]++;
                        }
                    }
                    inFlight.release();
                });
            }
            inFlight.acquire(size);
            if (failure.get() != null) {
                throw new IllegalStateException(failure.get());
            }
            synchronized (done) {
                return done[0];
            }
        }

        private void sample(long nanos) {
            if (sampled < samples.length) {
                samples[sampled++] = nanos;
            }
        }

        private synchronized void sampleConcurrently(long nanos) {
            sample(nanos);
        }

        private static void check(Outcome outcome) {
            if (!outcome.isSuccess() || outcome.replay()) {
                throw new IllegalStateException("unexpected outcome in a benchmark: " + outcome);
            }
        }
    }
}
