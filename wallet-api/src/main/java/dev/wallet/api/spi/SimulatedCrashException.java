package dev.wallet.api.spi;

import dev.wallet.api.WalletException;
import java.util.Objects;

/**
 * Thrown where an armed {@link CrashPoint} was reached. The wallet that threw it behaves from then
 * on as a process that died at that point: it takes no more calls and leaves its storage exactly as
 * a real crash would. Recover by opening a new wallet from the same {@link Deployment}.
 */
public final class SimulatedCrashException extends WalletException {

    private final CrashPoint crashPoint;

    public SimulatedCrashException(CrashPoint crashPoint) {
        super("simulated crash at " + Objects.requireNonNull(crashPoint, "crashPoint").name());
        this.crashPoint = crashPoint;
    }

    /** Where the simulated process died. */
    public CrashPoint crashPoint() {
        return crashPoint;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
