package dev.wallet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.Replicas;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated deployment opens one wallet at a time and offers its replicas while one is open. The
 * first wallet is closed before its replicas ever elected a leader: reopened, they must still elect
 * one (they once had no configuration to hold an election with, and every call timed out).
 */
class ReplicatedDeploymentTest {

    @Test
    void open_whileAWalletIsOpen_isRefusedClearly_andWorksAgainOnceItIsClosed(@TempDir Path directory) {
        Deployment deployment = WalletStrategies.named("event-sourcing-raft").deploy(directory);
        assertEquals(Optional.empty(), deployment.replicas().map(Replicas::ids), "no replicas before a wallet is open");
        Wallet first = deployment.open();
        try {
            IllegalStateException refused = assertThrows(IllegalStateException.class, deployment::open);
            assertTrue(refused.getMessage().contains("is open"), refused::getMessage);
            assertEquals(3, deployment.replicas().orElseThrow().ids().size());
        } finally {
            first.close();
        }
        Replicas ofClosed = deployment.replicas().orElseThrow();
        assertThrows(IllegalStateException.class, () -> ofClosed.start(ofClosed.ids().get(0)),
                "no replica of a closed wallet's cluster starts again behind its back");
        try (Wallet second = deployment.open()) {
            assertEquals(Optional.empty(), second.lookup(dev.wallet.api.TransactionId.random()), "the reopened wallet answers");
            assertEquals(1, deployment.replicas().orElseThrow().convergedDigests().stream().distinct().count());
        } finally {
            deployment.close();
        }
    }
}
