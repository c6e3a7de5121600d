package dev.wallet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.examples.compare.GuaranteeProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The comparison run measures, rather than repeats, what strategies declare, and does so reproducibly. */
class CompareTest {

    @Test
    void probes_findTheInMemoryStrategysLoss_andNoLossInEventSourcing() {
        WalletStrategy memory = WalletStrategies.named("memory");
        CrashPoint afterDebit = memory.crashPoints().stream().filter(p -> p.name().equals("memory.after-debit")).findFirst()
                .orElseThrow();
        GuaranteeProbe.CrashResult lost = GuaranteeProbe.crash(memory, afterDebit, 7);
        assertTrue(lost.reached());
        assertTrue(lost.gapMinor() < 0, "a crash between debit and credit destroys the amount: " + lost);
        assertEquals(lost.acknowledged(), lost.present(), "acknowledged transfers before the crash are intact");
        GuaranteeProbe.RestartResult restart = GuaranteeProbe.restart(memory, 7);
        assertEquals(0, restart.present(), "in-memory partitions do not survive a restart");
        assertFalse(GuaranteeProbe.history(memory, 7).offered());

        WalletStrategy events = WalletStrategies.named("event-sourcing");
        for (CrashPoint point : events.crashPoints()) {
            GuaranteeProbe.CrashResult crash = GuaranteeProbe.crash(events, point, 7);
            assertTrue(crash.conserved(), crash::toString);
            assertEquals(crash.acknowledged(), crash.present(), crash::toString);
        }
        GuaranteeProbe.RestartResult durable = GuaranteeProbe.restart(events, 7);
        assertEquals(durable.acknowledged(), durable.present());
        assertTrue(durable.balancesIntact());
        assertTrue(GuaranteeProbe.history(events, 7).replayable());
    }

    @Test
    void theSameSeed_givesTheSameVerdicts() {
        WalletStrategy memory = WalletStrategies.named("memory");
        for (CrashPoint point : memory.crashPoints()) {
            assertEquals(GuaranteeProbe.crash(memory, point, 11), GuaranteeProbe.crash(memory, point, 11), point.name());
        }
    }

    @Test
    void main_writesTableCsvAndChart(@TempDir Path out) throws Exception {
        Compare.main(new String[] {"--strategies", "memory,event-sourcing", "--seconds", "0.2", "--runs", "1",
                "--warmup", "0", "--accounts", "50", "--threads", "2", "--out", out.toString()});
        List<String> rows = Files.readAllLines(out.resolve("comparison.csv"));
        assertEquals(3, rows.size(), rows::toString);
        assertTrue(rows.get(1).startsWith("memory,") && rows.get(2).startsWith("event-sourcing,"), rows::toString);
        String[] memory = rows.get(1).split(",");
        assertEquals("0", memory[6], "every crash point reached: " + rows.get(1));
        assertTrue(Long.parseLong(memory[7]) > 0, "memory loses money at a crash point: " + rows.get(1));
        String[] events = rows.get(2).split(",");
        assertEquals(List.of("0", "0", "0"), List.of(events[6], events[7], events[8]), rows.get(2));
        assertEquals(1 + WalletStrategies.named("memory").crashPoints().size()
                + WalletStrategies.named("event-sourcing").crashPoints().size(), Files.readAllLines(out.resolve("crashes.csv")).size());
        String html = Files.readString(out.resolve("comparison.html"));
        assertTrue(html.contains("<svg") && html.contains("memory") && html.contains("event-sourcing"), html);
        assertTrue(Files.readString(out.resolve("comparison.svg")).startsWith("<svg"));
    }
}
