package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.WalletMetric;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The idempotency index past a deliberately tiny in-memory window (1,000 events): ids decided long
 * before keep their exact outcome, in memory, after a restart, and after every loss the archive
 * can suffer on disk, which the journal repairs.
 */
class IdArchiveTest {

    private static final int ACCOUNTS = 8;
    private static final int COMMANDS = 12_000;
    private static final long WINDOW_EVENTS = 1_000;

    private record Decided(MoneyCommand command, Outcome outcome) {
    }

    private static EventSourcedWallet.Builder builder(Path directory, long filterBytes) {
        return Ledger.builder(directory).snapshotEvery(WINDOW_EVENTS).idFilterBytes(filterBytes);
    }

    /**
     * A 64-byte filter rules out almost nothing, so nearly every new id is searched for on disk;
     * a 1 MiB one rules out nearly every new id without reading the disk.
     */
    @ParameterizedTest
    @ValueSource(longs = {64, 1 << 20})
    void idsDecidedLongAgo_keepTheirOutcomeForever(long filterBytes, @TempDir Path directory) {
        List<Decided> decided;
        try (EventSourcedWallet wallet = builder(directory, filterBytes).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            decided = run(wallet, new Random(31), COMMANDS);
            // A snapshot seals the last window and returns once every window is archived; the
            // writer lets go of them at its next turn, which the first read gives it.
            wallet.snapshot();
            wallet.lookup(decided.get(0).command().transactionId());
            wallet.lookup(decided.get(0).command().transactionId());
            assertEquals(0.0, metric(wallet, "wallet.ids.memory"), "no id left in memory");
            assertEquals(COMMANDS + ACCOUNTS, metric(wallet, "wallet.ids.archived"), "every id decided is on disk");
            assertRemembered(wallet, decided);
            assertNewIdsAreNew(wallet, new Random(32));
        }
        try (EventSourcedWallet wallet = builder(directory, filterBytes).build()) {
            assertRemembered(wallet, decided);
            AuditReport audit = wallet.audit();
            assertTrue(audit.passed(), audit.toString());
        }
    }

    @Test
    void everyLossOfTheArchiveOnDisk_isRepairedFromTheJournal(@TempDir Path directory) throws IOException {
        List<Decided> decided;
        try (EventSourcedWallet wallet = builder(directory, 1 << 16).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            decided = run(wallet, new Random(41), COMMANDS);
        }
        Path ids = directory.resolve(IdArchive.DIRECTORY);

        // A generation half-written when the process died: a temporary file, never renamed.
        Files.write(ids.resolve("ids-00000000000099999999.gen.tmp"), new byte[1234]);
        // The filter lost: rebuilt from the generations.
        Files.delete(ids.resolve("filter.bin"));
        reopenAndCheck(directory, decided, "");
        assertFalse(Files.exists(ids.resolve("ids-00000000000099999999.gen.tmp")));

        // A generation lost: written again from the journal.
        List<Path> generations = generations(ids);
        Files.delete(generations.get(generations.size() / 2));
        reopenAndCheck(directory, decided, "was missing and was rebuilt from the journal");

        // A generation whose header is damaged: removed, and written again from the journal.
        generations = generations(ids);
        try (FileChannel damaged = FileChannel.open(generations.get(1), StandardOpenOption.WRITE)) {
            damaged.truncate(IdArchive.HEADER_BYTES / 2);
        }
        reopenAndCheck(directory, decided, "was missing and was rebuilt from the journal");

        // The newest snapshot lost (as when a crash comes between archiving a window and the
        // snapshot that relies on it): the generation newer than the snapshot left is removed, and
        // the journal decides its ids again.
        List<Path> snapshots = new SnapshotStore(directory, 2).list();
        Path newest = snapshots.get(snapshots.size() - 1);
        Path orphan = ids.resolve(String.format("ids-%020d.gen", SnapshotStore.sequenceOf(newest)));
        assertTrue(Files.exists(orphan), "the generation the newest snapshot relies on");
        Files.delete(newest);
        reopenAndCheck(directory, decided, "");
        assertFalse(Files.exists(orphan), "a generation newer than the snapshot left is removed at open");
    }

    @Test
    void idFilterBytes_isAPowerOfTwoFrom64BytesTo8GiB(@TempDir Path directory) {
        for (long bytes : new long[] {0, 32, 100, (1L << 20) + 64, 16L << 30}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> Ledger.builder(directory).idFilterBytes(bytes));
            assertTrue(refused.getMessage().contains("power of two between 64 bytes and 8 GiB"), refused.getMessage());
        }
        Ledger.builder(directory).idFilterBytes(64).idFilterBytes(8L << 30);
    }

    @Test
    void audit_reportsADamagedGeneration(@TempDir Path directory) throws IOException {
        try (EventSourcedWallet wallet = builder(directory, 1 << 16).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            run(wallet, new Random(51), 4_000);
        }
        Path generation = generations(directory.resolve(IdArchive.DIRECTORY)).get(0);
        Ledger.flipByte(generation, IdArchive.HEADER_BYTES + 40);
        try (EventSourcedWallet wallet = builder(directory, 1 << 16).build()) {
            String divergence = wallet.audit().firstDivergence().orElseThrow();
            assertTrue(divergence.contains(generation.getFileName().toString()) && divergence.contains("checksum"), divergence);
        }
    }

    private static void reopenAndCheck(Path directory, List<Decided> decided, String problem) {
        try (EventSourcedWallet wallet = builder(directory, 1 << 16).build()) {
            if (!problem.isEmpty()) {
                assertTrue(wallet.recovery().problems().stream().anyMatch(p -> p.contains(problem)),
                        wallet.recovery().toString());
            }
            assertRemembered(wallet, decided);
            assertNewIdsAreNew(wallet, new Random(decided.size()));
            AuditReport audit = wallet.audit();
            assertTrue(audit.passed(), audit.toString());
        }
    }

    /**
     * Runs {@code count} commands in batches of 250: transfers, overdrafts (rejected) and
     * transfers to an account that was never opened (rejected, and kept whole).
     */
    private static List<Decided> run(EventSourcedWallet wallet, Random random, int count) {
        List<MoneyCommand> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int kind = random.nextInt(20);
            Transfer transfer = Ledger.transfer(random, ACCOUNTS);
            if (kind == 0) {
                commands.add(new Transfer(transfer.transactionId(), transfer.source(), transfer.target(),
                        Money.of(Ledger.USD, 1_000_000_000_000L)));
            } else if (kind == 1) {
                commands.add(new Transfer(transfer.transactionId(), transfer.source(), AccountId.of("never-" + i),
                        transfer.amount()));
            } else {
                commands.add(transfer);
            }
        }
        List<Decided> decided = new ArrayList<>();
        for (int from = 0; from < count; from += 250) {
            List<MoneyCommand> batch = commands.subList(from, Math.min(count, from + 250));
            List<Outcome> outcomes = wallet.executeBatch(batch);
            for (int i = 0; i < batch.size(); i++) {
                decided.add(new Decided(batch.get(i), outcomes.get(i)));
            }
        }
        long rejected = decided.stream().filter(d -> d.outcome().status() != Status.SUCCESS).count();
        assertTrue(rejected > count / 20, "rejections " + rejected);
        return decided;
    }

    /** Every decided id, repeated, answers its original status; with another amount, a conflict; looked up, decided. */
    private static void assertRemembered(EventSourcedWallet wallet, List<Decided> decided) {
        List<MoneyCommand> repeats = new ArrayList<>();
        List<MoneyCommand> altered = new ArrayList<>();
        for (Decided d : decided) {
            repeats.add(d.command());
            altered.add(withAmount(d.command(), d.command().amount().minor() + 1));
        }
        List<Outcome> repeated = wallet.executeBatch(repeats);
        List<Outcome> conflicts = wallet.executeBatch(altered);
        for (int i = 0; i < decided.size(); i++) {
            Outcome original = decided.get(i).outcome();
            assertEquals(Outcome.replayOf(original.transactionId(), original.status()), repeated.get(i), "command " + i);
            assertEquals(Status.CONFLICT, conflicts.get(i).status(), "command " + i);
        }
        for (int i = 0; i < decided.size(); i += 97) {
            Outcome original = decided.get(i).outcome();
            assertEquals(Optional.of(TransactionLookup.decided(original.transactionId(), original.status())),
                    wallet.lookup(original.transactionId()));
        }
    }

    /** Ids never used are not mistaken for decided ones: they are unknown, and then move money. */
    private static void assertNewIdsAreNew(EventSourcedWallet wallet, Random random) {
        for (int i = 0; i < 200; i++) {
            Transfer transfer = Ledger.transfer(random, ACCOUNTS);
            Transfer fresh = new Transfer(TransactionId.random(), transfer.source(), transfer.target(), Money.of(Ledger.USD, 1));
            assertEquals(Optional.empty(), wallet.lookup(fresh.transactionId()));
            assertEquals(Outcome.of(fresh.transactionId(), Status.SUCCESS), wallet.execute(fresh));
        }
    }

    private static MoneyCommand withAmount(MoneyCommand command, long minor) {
        Transfer transfer = (Transfer) command;
        return new Transfer(transfer.transactionId(), transfer.source(), transfer.target(), Money.of(Ledger.USD, minor));
    }

    private static double metric(EventSourcedWallet wallet, String name) {
        return wallet.metrics().stream().filter(m -> m.name().equals(name)).findFirst().map(WalletMetric::value).orElseThrow();
    }

    private static List<Path> generations(Path ids) throws IOException {
        try (Stream<Path> files = Files.list(ids)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".gen")).sorted().toList();
        }
    }
}
