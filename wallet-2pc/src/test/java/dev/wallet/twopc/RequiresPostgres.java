package dev.wallet.twopc;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** Skips a jqwik container, saying why, when no PostgreSQL server was announced. */
public final class RequiresPostgres implements SkipExecutionHook {

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return PostgresServer.available() ? SkipResult.doNotSkip() : SkipResult.skip(PostgresServer.SKIP_REASON);
    }
}
