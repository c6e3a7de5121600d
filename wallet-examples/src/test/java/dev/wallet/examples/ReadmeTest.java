package dev.wallet.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.examples.compare.ComparisonReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the README true: its quick start is the compiled one, its guarantee table is what strategies declare. */
class ReadmeTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void readme_showsTheGuaranteeTableTheStrategiesDeclare() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String table = GuaranteeTable.markdown(WalletStrategies.all());
        assertTrue(readme.contains(table), "README.md must contain the table printed by GuaranteeTable:\n" + table);
    }

    @Test
    void readme_showsTheComparisonCommandAndASampleOfItsTable() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains("exec:java -Dexec.mainClass=dev.wallet.examples.Compare\n"), "the comparison command");
        String header = new ComparisonReport("", List.of()).markdown();
        assertTrue(readme.contains(header), "README.md must show a table as Compare prints it:\n" + header);
        List<String> rows = readme.substring(readme.indexOf(header) + header.length()).lines()
                .takeWhile(line -> line.startsWith("| `")).toList();
        List<String> shown = rows.stream().map(row -> row.substring(3, row.indexOf('`', 3))).toList();
        assertEquals(WalletStrategies.all().stream().map(WalletStrategy::name).toList(), shown,
                "the sample covers every strategy");
        assertTrue(Files.exists(ROOT.resolve("docs/comparison.svg")), "the sample chart the README shows");
    }

    /** Every benchmark or soak command the README shows for this module runs a class that exists and has a main method. */
    @Test
    void readme_commandsRunClassesThatExist() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher command = Pattern.compile("-Dexec\\.mainClass=(dev\\.wallet\\.examples\\.[\\w.]+)").matcher(readme);
        int found = 0;
        while (command.find()) {
            Class.forName(command.group(1)).getMethod("main", String[].class);
            found++;
        }
        assertTrue(found >= 5, "commands found: " + found);
    }

    @Test
    void readme_showsTheCompiledQuickStart() throws Exception {
        assertReadmeShows("QuickStart.java", "quick-start");
    }

    @Test
    void readme_showsTheCompiledEventSourcingExample() throws Exception {
        assertReadmeShows("EventSourcingExample.java", "es-example");
    }

    private static void assertReadmeShows(String file, String marker) throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String source = Files.readString(Path.of("src/main/java/dev/wallet/examples/" + file));
        String begin = "// " + marker + ":begin\n";
        String body = source.substring(source.indexOf(begin) + begin.length(), source.indexOf("        // " + marker + ":end"));
        String unindented = body.lines().map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(readme.contains(unindented), "README.md must contain the example of " + file + ":\n" + unindented);
    }

    @Test
    void eventSourcingExample_runsAndAuditsClean(@TempDir Path directory) throws Exception {
        String printed = captureOutput(() -> EventSourcingExample.main(new String[] {directory.toString()}));
        assertTrue(printed.contains("USD 70.00") && printed.contains("USD 100.00"), printed);
        assertTrue(printed.contains("true AuditReport"), printed);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static String captureOutput(Body body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void quickStart_runsAndPrintsTheBalance() throws Exception {
        String printed = captureOutput(() -> QuickStart.main(new String[0]));
        assertTrue(printed.contains("USD 12.34"), printed);
        assertTrue(printed.contains("replay=true"), printed);
    }

    @Test
    void demo_runsEndToEndOnTheDefaultStrategy() throws Exception {
        String printed = captureOutput(() -> Demo.main(new String[] {"--accounts", "100", "--seconds", "0.2"}));
        assertTrue(printed.contains("Strategy: event-sourcing"), printed);
        assertTrue(printed.contains("(held)"), printed);
        assertTrue(printed.contains("money conserved") && !printed.contains("money broken"),
                "the default strategy keeps money through every crash: " + printed);
    }

    @Test
    void demo_showsTheInMemoryStrategyLosingMoney() throws Exception {
        String printed = captureOutput(() -> Demo.main(new String[] {"--strategy", "memory", "--accounts", "100", "--seconds", "0.2"}));
        assertTrue(printed.contains("money broken"), "the demo shows the in-memory strategy losing money: " + printed);
    }
}
