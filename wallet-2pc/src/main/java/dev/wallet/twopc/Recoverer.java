package dev.wallet.twopc;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a recovery pass in the background every {@code intervalMillis}, so that a transaction an
 * error left unfinished (a commit that failed after the decision, a compensation cut short) is
 * driven to its end without waiting for a restart, and the rows it holds are freed. A pass that
 * fails is retried after a longer pause, doubling up to a bound.
 *
 * <p>Thread-safe; one background thread.
 */
final class Recoverer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Recoverer.class);
    private static final long BACKOFF_MAX_MILLIS = 30_000;

    private final Runnable pass;
    private final long intervalMillis;
    private final Thread thread;
    private final Object signal = new Object();
    private boolean stopping;

    Recoverer(Runnable pass, long intervalMillis, String name) {
        this.pass = pass;
        this.intervalMillis = intervalMillis;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long pause = intervalMillis;
        while (waitFor(pause)) {
            try {
                pass.run();
                pause = intervalMillis;
            } catch (RuntimeException e) {
                pause = Math.min(BACKOFF_MAX_MILLIS, pause * 2);
                LOG.warn("background recovery failed; next pass in {} ms", pause, e);
            }
        }
    }

    /** Waits for the pause; false once stopping. */
    private boolean waitFor(long millis) {
        synchronized (signal) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!stopping) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(signal, remaining);
                } catch (InterruptedException e) {
                    return false;
                }
            }
            return false;
        }
    }

    /** Stops the thread without waiting, as a crash would. */
    void abandon() {
        synchronized (signal) {
            stopping = true;
            signal.notifyAll();
        }
    }

    /** Stops the thread and waits for a pass under way to end. */
    @Override
    public void close() {
        synchronized (signal) {
            stopping = true;
            signal.notifyAll();
        }
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
