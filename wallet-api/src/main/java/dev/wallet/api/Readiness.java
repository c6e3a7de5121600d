package dev.wallet.api;

import java.util.Objects;

/**
 * Whether a wallet can take commands now ({@link Wallet#readiness()}), with a short reason a
 * person can act on: "the journal is not writable", "no Raft leader is known". Health checks and
 * load balancers read it; it never executes a command.
 *
 * <p>Immutable.
 */
public record Readiness(boolean ready, String detail) {

    public Readiness {
        Objects.requireNonNull(detail, "detail");
    }

    /** Ready, with what was checked. */
    public static Readiness ready(String detail) {
        return new Readiness(true, detail);
    }

    /** Not ready, and why. */
    public static Readiness notReady(String detail) {
        return new Readiness(false, detail);
    }
}
