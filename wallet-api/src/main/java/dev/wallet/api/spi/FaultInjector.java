package dev.wallet.api.spi;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Arms one {@link CrashPoint} so that a chosen arrival at it throws {@link SimulatedCrashException},
 * and runs test hooks at named points (to hold a command mid-flight, or to look at the storage
 * while it is there). Strategies call {@link #reach} at each of their named points; when nothing is
 * armed or hooked that costs two volatile reads.
 *
 * <p>Thread-safe. One-shot: a point fires once and disarms itself; a hook runs once.
 */
public final class FaultInjector {

    private static final FaultInjector NONE = new FaultInjector();

    private record Armed(CrashPoint point, int arrivalsToSkip) {
    }

    private final AtomicReference<Armed> armed = new AtomicReference<>();
    private final AtomicReference<CrashPoint> fired = new AtomicReference<>();
    private final Map<CrashPoint, Runnable> hooks = new ConcurrentHashMap<>();
    private volatile boolean hooked;

    /** A new injector with nothing armed. */
    public static FaultInjector create() {
        return new FaultInjector();
    }

    /** A shared injector that can never be armed, for production use. */
    public static FaultInjector none() {
        return NONE;
    }

    /** Arms {@code point}: the next arrival at it crashes. */
    public void arm(CrashPoint point) {
        arm(point, 0);
    }

    /** Arms {@code point}: arrivals pass {@code arrivalsToSkip} times, then the next one crashes. */
    public void arm(CrashPoint point, int arrivalsToSkip) {
        Objects.requireNonNull(point, "point");
        if (this == NONE) {
            throw new IllegalStateException("FaultInjector.none() cannot be armed; use FaultInjector.create()");
        }
        if (arrivalsToSkip < 0) {
            throw new IllegalArgumentException("arrivalsToSkip must be >= 0: " + arrivalsToSkip);
        }
        fired.set(null);
        armed.set(new Armed(point, arrivalsToSkip));
    }

    /**
     * Runs {@code hook} in the thread that next reaches {@code point}, before any armed crash there.
     * The hook may block (to hold a command at that point) or throw.
     */
    public void onReach(CrashPoint point, Runnable hook) {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(hook, "hook");
        if (this == NONE) {
            throw new IllegalStateException("FaultInjector.none() cannot take hooks; use FaultInjector.create()");
        }
        hooks.put(point, hook);
        hooked = true;
    }

    /** Disarms whatever is armed. */
    public void disarm() {
        armed.set(null);
    }

    /** Whether a point is armed and has not fired yet. */
    public boolean isArmed() {
        return armed.get() != null;
    }

    /** The point that fired since the last {@link #arm}, or {@code null}. */
    public CrashPoint firedPoint() {
        return fired.get();
    }

    /**
     * Called by a strategy when it reaches {@code point}.
     *
     * @throws SimulatedCrashException if {@code point} is armed and this arrival is the chosen one
     */
    public void reach(CrashPoint point) {
        if (hooked) {
            Runnable hook = hooks.remove(point);
            if (hook != null) {
                hook.run();
            }
        }
        while (true) {
            Armed current = armed.get();
            if (current == null || !current.point().equals(point)) {
                return;
            }
            Armed next = current.arrivalsToSkip() == 0 ? null : new Armed(point, current.arrivalsToSkip() - 1);
            if (armed.compareAndSet(current, next)) {
                if (next == null) {
                    fired.set(point);
                    throw new SimulatedCrashException(point);
                }
                return;
            }
        }
    }
}
