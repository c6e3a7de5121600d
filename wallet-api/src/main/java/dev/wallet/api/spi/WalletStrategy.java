package dev.wallet.api.spi;

import dev.wallet.api.Guarantee;
import dev.wallet.api.WalletStrategies;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A consistency strategy, discoverable with {@link java.util.ServiceLoader} (see
 * {@link WalletStrategies}) so that tests and examples can run every strategy present on the
 * class path without naming them.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface WalletStrategy {

    /** A short stable name, e.g. {@code memory}, {@code 2pc}. */
    String name();

    /** One sentence: how it works and what it costs. */
    String summary();

    /** What it promises; the property suite tests each, and demonstrates the violation of those it lacks. */
    Set<Guarantee> guarantees();

    /** The points where a test can crash it, in the order a command passes them. */
    List<CrashPoint> crashPoints();

    /**
     * Creates (or reopens) storage for wallets in {@code directory}, which belongs to this
     * deployment alone. Strategies without files ignore it.
     */
    Deployment deploy(Path directory);
}
