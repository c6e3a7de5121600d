package dev.wallet.raft;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.contract.KillNineScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a child JVM running all three replicas mid-stream, while they archive windows of ids
 * and write snapshots: the restarted cluster holds every acknowledged transfer.
 */
class ReplicatedKillNineTest {

    @Test
    void sigkillOfTheWholeClusterMidStream_losesNothingAcknowledged(@TempDir Path directory) throws Exception {
        KillNineScenario.Result result = KillNineScenario.run(SmallWindowStrategy.class, directory, 19, 3_000);
        assertTrue(result.acknowledged() >= 3_000, result.toString());
        System.out.println("kill -9 of the replicated wallet: " + result);
    }
}
