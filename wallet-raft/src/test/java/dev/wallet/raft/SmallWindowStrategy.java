package dev.wallet.raft;

import dev.wallet.api.spi.WalletStrategy;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The replicated strategy with a window of 500 ids per replica and frequent snapshots, for the
 * kill -9 scenario's child process: the process is killed while replicas archive windows and
 * write snapshots that rely on them.
 */
public final class SmallWindowStrategy implements Supplier<WalletStrategy> {

    @Override
    public WalletStrategy get() {
        return ReplicatedWallet.embedded(Path.of(".")).idWindow(500).idFilterBytes(1 << 12).snapshotEveryEntries(16).strategy();
    }
}
