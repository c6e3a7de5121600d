package dev.wallet.twopc;

import java.util.concurrent.TimeUnit;

/**
 * Counts the calls under way so that closing can wait for them: a transfer cut off by its pools
 * closing under it would be rolled back half way (on H2, a decided participant's connection
 * closing rolls its prepared transaction back). Once closed, the gate lets no call in.
 *
 * <p>Thread-safe.
 */
final class CallGate {

    private int active;
    private boolean closed;

    /** Lets a call in; false once the gate is closed. Every {@code true} must be matched by {@link #exit}. */
    synchronized boolean enter() {
        if (closed) {
            return false;
        }
        active++;
        return true;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized void exit() {
        active--;
        if (active == 0) {
            notifyAll();
        }
    }

    /**
     * Closes the gate and waits, at most {@code timeoutMillis}, for the calls under way to finish.
     *
     * @return whether every call finished in time
     */
    synchronized boolean closeAndAwait(long timeoutMillis) {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean interrupted = false;
        try {
            while (active > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, remaining);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    synchronized int active() {
        return active;
    }
}
