package dev.wallet.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.WalletStrategies;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
    void readme_showsTheCompiledQuickStart() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String source = Files.readString(Path.of("src/main/java/dev/wallet/examples/QuickStart.java"));
        String body = source.substring(source.indexOf("// quick-start:begin\n") + "// quick-start:begin\n".length(),
                source.indexOf("        // quick-start:end"));
        String unindented = body.lines().map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(readme.contains(unindented), "README.md must contain the quick start of QuickStart.java:\n" + unindented);
    }

    @Test
    void quickStart_runsAndPrintsTheBalance() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("USD 12.34"), printed);
        assertTrue(printed.contains("replay=true"), printed);
    }

    @Test
    void demo_runsEndToEndOnTheDefaultStrategy() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Demo.main(new String[] {"--accounts", "100", "--seconds", "0.2"});
        } finally {
            System.setOut(original);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("(held)"), printed);
        assertTrue(printed.contains("money lost"), "the demo shows the in-memory strategy losing money: " + printed);
    }
}
