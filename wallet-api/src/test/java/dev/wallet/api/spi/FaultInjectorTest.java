package dev.wallet.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FaultInjectorTest {

    private static final CrashPoint A = new CrashPoint("test.a", "a");
    private static final CrashPoint B = new CrashPoint("test.b", "b");

    @Test
    void reach_crashesOnceAtTheArmedPointOnly() {
        FaultInjector faults = FaultInjector.create();
        faults.arm(A);
        faults.reach(B);
        SimulatedCrashException e = assertThrows(SimulatedCrashException.class, () -> faults.reach(A));
        assertEquals(A, e.crashPoint());
        assertEquals(A, faults.firedPoint());
        assertFalse(faults.isArmed());
        faults.reach(A);
    }

    @Test
    void reach_skipsTheRequestedNumberOfArrivals() {
        FaultInjector faults = FaultInjector.create();
        faults.arm(A, 2);
        faults.reach(A);
        faults.reach(A);
        assertNull(faults.firedPoint());
        assertThrows(SimulatedCrashException.class, () -> faults.reach(A));
    }

    @Test
    void onReach_runsTheHookOnceBeforeAnArmedCrash() {
        FaultInjector faults = FaultInjector.create();
        StringBuilder seen = new StringBuilder();
        faults.onReach(A, () -> seen.append("hook;"));
        faults.arm(A);
        assertThrows(SimulatedCrashException.class, () -> faults.reach(A));
        faults.reach(A);
        assertEquals("hook;", seen.toString());
    }

    @Test
    void none_cannotBeArmed() {
        assertThrows(IllegalStateException.class, () -> FaultInjector.none().arm(A));
        FaultInjector.none().reach(A);
    }

    @Test
    void crashPoint_rejectsUnstableNames() {
        assertThrows(IllegalArgumentException.class, () -> new CrashPoint("After Debit", "x"));
    }
}
