package dev.wallet.contract;

import java.util.Objects;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/**
 * The contract's assertions. They stand in for JUnit Jupiter's {@code Assertions} (same names and
 * argument order) so that this published test kit depends on no JUnit Jupiter artifact: a consumer's
 * own JUnit version then decides the JUnit Platform on its test class path, and nothing of ours can
 * pull it out of line. Failures are opentest4j's {@link AssertionFailedError}, which every JUnit
 * Platform engine, jqwik's included, reports with expected and actual values.
 */
final class Checks {

    /** A block that is expected to throw; the stand-in for Jupiter's {@code Executable}. */
    @FunctionalInterface
    interface ThrowingBlock {
        void run() throws Throwable;
    }

    private Checks() {
    }

    static void assertEquals(Object expected, Object actual) {
        assertEquals(expected, actual, (String) null);
    }

    static void assertEquals(Object expected, Object actual, String message) {
        if (!Objects.equals(expected, actual)) {
            throw notEqual(message, expected, actual);
        }
    }

    static void assertEquals(Object expected, Object actual, Supplier<String> message) {
        if (!Objects.equals(expected, actual)) {
            throw notEqual(message.get(), expected, actual);
        }
    }

    static void assertEquals(long expected, long actual, String message) {
        if (expected != actual) {
            throw notEqual(message, expected, actual);
        }
    }

    static void assertEquals(long expected, Long actual, String message) {
        assertEquals((Object) expected, actual, message);
    }

    static void assertEquals(int expected, int actual, String message) {
        if (expected != actual) {
            throw notEqual(message, expected, actual);
        }
    }

    static void assertEquals(int expected, int actual, Supplier<String> message) {
        if (expected != actual) {
            throw notEqual(message.get(), expected, actual);
        }
    }

    static void assertNotEquals(Object unexpected, Object actual, String message) {
        if (Objects.equals(unexpected, actual)) {
            throw new AssertionFailedError(prefix(message) + "expected: not equal but was: <" + actual + ">");
        }
    }

    static void assertTrue(boolean condition, String message) {
        if (!condition) {
            throw new AssertionFailedError(prefix(message) + "expected: <true> but was: <false>", true, false);
        }
    }

    static void assertTrue(boolean condition, Supplier<String> message) {
        if (!condition) {
            assertTrue(false, message.get());
        }
    }

    static void assertFalse(boolean condition, String message) {
        if (condition) {
            throw new AssertionFailedError(prefix(message) + "expected: <false> but was: <true>", false, true);
        }
    }

    static <T extends Throwable> T assertThrows(Class<T> expected, ThrowingBlock block) {
        return assertThrows(expected, block, (String) null);
    }

    static <T extends Throwable> T assertThrows(Class<T> expected, ThrowingBlock block, String message) {
        return assertThrows(expected, block, () -> message);
    }

    static <T extends Throwable> T assertThrows(Class<T> expected, ThrowingBlock block, Supplier<String> message) {
        try {
            block.run();
        } catch (Throwable thrown) {
            if (expected.isInstance(thrown)) {
                return expected.cast(thrown);
            }
            throw new AssertionFailedError(prefix(message.get()) + "expected " + expected.getName()
                    + " to be thrown, but " + thrown.getClass().getName() + " was thrown", thrown);
        }
        throw new AssertionFailedError(prefix(message.get()) + "expected " + expected.getName()
                + " to be thrown, but nothing was thrown");
    }

    static <V> V fail(String message) {
        throw new AssertionFailedError(message);
    }

    private static AssertionFailedError notEqual(String message, Object expected, Object actual) {
        return new AssertionFailedError(prefix(message) + "expected: <" + expected + "> but was: <" + actual + ">",
                expected, actual);
    }

    private static String prefix(String message) {
        return message == null || message.isBlank() ? "" : message + " ==> ";
    }
}
