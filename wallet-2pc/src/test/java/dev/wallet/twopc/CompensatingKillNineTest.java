package dev.wallet.twopc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.contract.KillNineScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SIGKILL of a child JVM running TC/C or Saga transfers on H2 files: recovery loses nothing acknowledged. */
class CompensatingKillNineTest {

    @ParameterizedTest
    @ValueSource(strings = {"tcc", "saga"})
    void sigkillMidStream_losesNothingAcknowledged(String strategy, @TempDir Path directory) throws Exception {
        KillNineScenario.Result result = KillNineScenario.run(strategy, directory, 29, 400);
        assertTrue(result.acknowledged() >= 400, result.toString());
        System.out.println("kill -9 of the " + strategy + " wallet: " + result);
    }
}
