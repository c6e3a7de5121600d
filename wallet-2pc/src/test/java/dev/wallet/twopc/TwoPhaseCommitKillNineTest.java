package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.contract.KillNineScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL of a child JVM running cross-shard transfers on H2 files: recovery loses nothing acknowledged. */
class TwoPhaseCommitKillNineTest {

    @Test
    void sigkillMidStream_losesNothingAcknowledged(@TempDir Path directory) throws Exception {
        KillNineScenario.Result result = KillNineScenario.run("2pc", directory, 23, 400);
        assertTrue(result.acknowledged() >= 400, result.toString());
        System.out.println("kill -9 of the two-phase-commit wallet: " + result);
    }
}
