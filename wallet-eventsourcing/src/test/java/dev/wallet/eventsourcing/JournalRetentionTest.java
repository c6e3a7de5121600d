package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Transfer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Journal segments archived by the retention policy (moved, or compressed) once the snapshot,
 * the id archive and the history checkpoint cover them: opening reads none of them, and the
 * audit, past balances and a history rebuilt from the start still read every one.
 */
class JournalRetentionTest {

    private static final int ACCOUNTS = 4;

    private static EventSourcedWallet.Builder builder(Path directory, boolean compressed) {
        Path archive = Path.of("archive");
        return Ledger.builder(directory).snapshotEvery(5_000).snapshotsRetained(1).idFilterBytes(1 << 16)
                .journalRetention(compressed ? JournalRetention.compressTo(archive) : JournalRetention.moveTo(archive));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void archivedSegments_areStillReadByTheAuditPastBalancesAndARebuiltHistory(boolean compressed, @TempDir Path directory)
            throws IOException {
        long early;
        Money earlyBalance;
        List<HistoryEntry> history;
        List<Transfer> first;
        try (EventSourcedWallet wallet = builder(directory, compressed).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            first = Ledger.transfers(wallet, new Random(1), ACCOUNTS, 20);
            early = wallet.lastSequence();
            earlyBalance = wallet.balance(Ledger.account(0)).orElseThrow();
            run(wallet, new Random(2), 90_000);
            history = wallet.history(Ledger.account(0));
            settle(wallet);
        }
        List<Path> archived = files(directory.resolve("archive"), compressed ? ".wal.gz" : ".wal");
        assertTrue(archived.size() >= 2, "archived " + archived);
        assertTrue(Journal.segments(directory).stream().noneMatch(p -> Journal.firstSequenceOf(p) == 1),
                "the first segment left the journal directory");
        // Lose the history checkpoint, so that the projection is rebuilt from the first event; and
        // leave what a process killed while archiving or reading a segment leaves behind.
        Files.delete(directory.resolve(HistoryProjection.DIRECTORY).resolve("checkpoint.bin"));
        Path unfinished = Files.write(directory.resolve("archive").resolve(archived.get(0).getFileName() + ".tmp"), new byte[10]);
        Path reading = Files.write(directory.resolve("archive").resolve("journal-copy.reading"), new byte[10]);
        try (EventSourcedWallet wallet = builder(directory, compressed).build()) {
            assertFalse(Files.exists(unfinished) || Files.exists(reading), "leftovers are removed at open");
            assertEquals(earlyBalance, wallet.balanceAt(Ledger.account(0), early).orElseThrow());
            assertEquals(history, wallet.history(Ledger.account(0)));
            for (Transfer transfer : first) {
                assertTrue(wallet.execute(transfer).replay());
            }
            AuditReport audit = wallet.audit();
            assertTrue(audit.passed(), audit.toString());
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
        }
    }

    @Test
    void archivingIntoTheWalletsOwnDirectories_isRefused(@TempDir Path directory) {
        for (Path own : List.of(Path.of(""), directory, Path.of("ids"), Path.of("history"), Path.of("archive/.."))) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> Ledger.builder(directory).journalRetention(JournalRetention.moveTo(own)).build().close());
            assertTrue(refused.getMessage().contains("cannot be archived into the wallet's own directory"), refused.getMessage());
        }
    }

    @Test
    void aMissingArchivedSegment_isReportedWithTheSequencesNoSegmentHolds(@TempDir Path directory) throws IOException {
        try (EventSourcedWallet wallet = builder(directory, true).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            run(wallet, new Random(3), 90_000);
            settle(wallet);
        }
        List<Path> archived = files(directory.resolve("archive"), ".wal.gz");
        Path lost = archived.get(1);
        long from = Journal.firstSequenceOf(directory.resolve(lost.getFileName().toString().replace(".gz", "")));
        Files.delete(lost);
        try (EventSourcedWallet wallet = builder(directory, true).build()) {
            String divergence = wallet.audit().firstDivergence().orElseThrow();
            assertTrue(divergence.contains("no segment of the journal or of its archive holds sequences " + from + " to "),
                    divergence);
            assertFalse(wallet.audit().passed());
        }
    }

    /**
     * An explicit snapshot also checkpoints the history projection, so that it archives every
     * segment before the current one, whatever the threads' timing before it.
     */
    private static void settle(EventSourcedWallet wallet) {
        wallet.snapshot();
    }

    private static void run(EventSourcedWallet wallet, Random random, int count) {
        List<MoneyCommand> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(Ledger.transfer(random, ACCOUNTS));
            if (batch.size() == 1_000) {
                wallet.executeBatch(batch);
                batch.clear();
            }
        }
        wallet.executeBatch(batch);
    }

    private static List<Path> files(Path directory, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }
}
