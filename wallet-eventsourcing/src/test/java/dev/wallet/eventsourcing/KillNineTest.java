package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.contract.KillNineScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL of a child JVM streaming transfers: nothing acknowledged is lost, money is conserved. */
class KillNineTest {

    @Test
    void sigkillMidStream_losesNothingAcknowledged(@TempDir Path directory) throws Exception {
        KillNineScenario.Result result = KillNineScenario.run("event-sourcing", directory, 17, 3_000);
        assertTrue(result.acknowledged() >= 3_000, result.toString());
        System.out.println("kill -9 of the event-sourced wallet: " + result);
    }

    @Test
    void sigkillMidStream_ofAStrategyConfiguredByAFactory_losesNothingAcknowledged(@TempDir Path directory)
            throws Exception {
        KillNineScenario.Result result = KillNineScenario.run(SmallSegmentsStrategy.class, directory, 18, 3_000);
        assertTrue(result.acknowledged() >= 3_000, result.toString());
        System.out.println("kill -9 of the event-sourced wallet with small segments: " + result);
    }
}
