package dev.wallet.contract;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for the contract's worker threads, within a bound, and rethrows what failed them as it was. */
final class Futures {

    private Futures() {
    }

    /**
     * The future's value; what failed it is rethrown as it was (a failed assertion stays one).
     *
     * @throws AssertionError when it is not done within {@code seconds}
     */
    static <T> T await(Future<T> future, long seconds, String what) {
        try {
            return future.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new AssertionError(what + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not finish in " + seconds + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }
}
