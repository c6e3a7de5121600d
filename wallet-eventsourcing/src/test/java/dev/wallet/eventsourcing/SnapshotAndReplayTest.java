package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.Transfer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots, restart from snapshot plus tail, past balances and the audit. */
class SnapshotAndReplayTest {

    private static final int ACCOUNTS = 6;

    @Test
    void restart_loadsTheSnapshotAndReplaysOnlyTheTail(@TempDir Path directory) {
        long snapshotAt;
        long last;
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Ledger.transfers(wallet, new Random(1), ACCOUNTS, 300);
            snapshotAt = wallet.snapshot();
            Ledger.transfers(wallet, new Random(2), ACCOUNTS, 40);
            last = wallet.lastSequence();
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            RecoveryReport recovery = wallet.recovery();
            assertEquals(snapshotAt, recovery.snapshotSequence());
            assertEquals(40, recovery.eventsReplayed());
            assertEquals(last, recovery.lastSequence());
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            assertTrue(wallet.audit().passed());
        }
    }

    @Test
    void snapshots_areTakenEveryNEventsAndRetainedToTheBound(@TempDir Path directory) throws Exception {
        try (EventSourcedWallet wallet = Ledger.builder(directory).snapshotEvery(1_000).snapshotsRetained(2).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Ledger.transfers(wallet, new Random(3), ACCOUNTS, 4_500);
        }
        List<Path> snapshots = new SnapshotStore(directory, 2).list();
        assertEquals(2, snapshots.size(), snapshots.toString());
        assertTrue(SnapshotStore.sequenceOf(snapshots.get(1)) >= 4_000);
    }

    @Test
    void damagedSnapshot_isPassedOverAndReported(@TempDir Path directory) throws Exception {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Ledger.transfers(wallet, new Random(4), ACCOUNTS, 100);
            wallet.snapshot();
            Ledger.transfers(wallet, new Random(5), ACCOUNTS, 100);
            wallet.snapshot();
        }
        List<Path> snapshots = new SnapshotStore(directory, 2).list();
        Ledger.flipByte(snapshots.get(1), 30);
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertEquals(SnapshotStore.sequenceOf(snapshots.get(0)), wallet.recovery().snapshotSequence());
            assertEquals(1, wallet.recovery().problems().size(), wallet.recovery().toString());
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
        }
    }

    @Test
    void leftoverTemporarySnapshot_isRemovedAtOpen(@TempDir Path directory) throws Exception {
        Ledger.builder(directory).build().close();
        Path leftover = directory.resolve("snapshot-00000000000000000099.snap.tmp");
        Files.write(leftover, new byte[] {1, 2, 3});
        Ledger.builder(directory).build().close();
        assertFalse(Files.exists(leftover));
    }

    @Test
    void balanceAt_rebuildsEveryPastBalanceWithAndWithoutSnapshots(@TempDir Path directory) {
        AccountId watched = Ledger.account(0);
        List<long[]> seen = new ArrayList<>();
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            long beforeOpen = wallet.lastSequence();
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(6);
            for (int i = 0; i < 200; i++) {
                Transfer transfer = Ledger.transfer(random, ACCOUNTS);
                wallet.execute(transfer);
                seen.add(new long[] {wallet.lastSequence(), wallet.balance(watched).orElseThrow().minor()});
                if (i % 70 == 69) {
                    wallet.snapshot();
                }
            }
            assertEquals(Optional.empty(), wallet.balanceAt(watched, beforeOpen));
            for (long[] point : seen) {
                assertEquals(Optional.of(Money.of(Ledger.USD, point[1])), wallet.balanceAt(watched, point[0]),
                        "balance at sequence " + point[0]);
            }
            long last = wallet.lastSequence();
            assertThrows(IllegalArgumentException.class, () -> wallet.balanceAt(watched, last + 1));
        }
    }

    @Test
    void audit_passesAndChecksEveryRetainedSnapshot(@TempDir Path directory) {
        try (EventSourcedWallet wallet = Ledger.builder(directory).snapshotsRetained(3).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            for (int i = 0; i < 3; i++) {
                Ledger.transfers(wallet, new Random(7 + i), ACCOUNTS, 100);
                wallet.snapshot();
            }
            AuditReport report = wallet.audit();
            assertTrue(report.passed(), report.toString());
            assertEquals(3, report.snapshotsVerified().size());
            assertEquals(wallet.lastSequence(), report.eventsReplayed());
            assertEquals(0L, report.sumsByCurrency().get("USD"));
        }
    }

    @Test
    void audit_reportsASnapshotThatDisagreesWithTheReplay(@TempDir Path directory) throws Exception {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Ledger.transfers(wallet, new Random(8), ACCOUNTS, 50);
            wallet.snapshot();
            Path snapshot = new SnapshotStore(directory, 2).list().get(0);
            rewriteFirstCustomerBalance(snapshot, 123);
            AuditReport report = wallet.audit();
            assertFalse(report.passed());
            String divergence = report.firstDivergence().orElseThrow();
            assertTrue(divergence.contains(snapshot.getFileName().toString()) && divergence.contains("balance of acct-0"),
                    divergence);
        }
    }

    @Test
    void audit_reportsAJournalThatDisagreesWithTheLiveState(@TempDir Path directory) throws Exception {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Ledger.transfers(wallet, new Random(9), ACCOUNTS, 50);
            // Rewrite one transfer's amount on disk with a valid checksum, as a tampering or a
            // nondeterministic replay would produce: only comparing the replay with the state finds it.
            Path segment = Ledger.lastSegment(directory);
            List<Long> offsets = Ledger.recordOffsets(segment);
            rewriteAmount(segment, offsets.get(offsets.size() - 5), 1);
            AuditReport report = wallet.audit();
            assertFalse(report.passed());
            assertTrue(report.firstDivergence().orElseThrow().startsWith("live state differs from the replay"),
                    report.toString());
        }
    }

    /** Changes the balance of the first customer account in a snapshot and fixes the file's checksum. */
    private static void rewriteFirstCustomerBalance(Path snapshot, long delta) throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(snapshot)).order(ByteOrder.LITTLE_ENDIAN);
        int position = 24; // magic, version, sequence, window start
        int currencies = bytes.getInt(position);
        position += 4 + 3 * currencies + 4;
        // Account 0 is the funding account; account 1 the first customer.
        position += (bytes.get(position) & 0xff) + 1 + 2 + 8;
        int idLength = bytes.get(position) & 0xff;
        int balanceAt = position + 1 + idLength + 2;
        bytes.putLong(balanceAt, bytes.getLong(balanceAt) + delta);
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), 0, bytes.capacity() - 4);
        bytes.putInt(bytes.capacity() - 4, (int) crc.getValue());
        Files.write(snapshot, bytes.array());
    }

    /** Changes the amount of a MONEY_MOVED record in place and recomputes its checksum. */
    private static void rewriteAmount(Path segment, long recordOffset, long delta) throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
        int at = (int) recordOffset;
        int length = bytes.getInt(at);
        assertEquals(EventCodec.MONEY_MOVED, bytes.get(at + 4));
        int amountAt = at + Journal.RECORD_HEADER_BYTES + 1 + 8 + 8 + 4 + 4;
        bytes.putLong(amountAt, bytes.getLong(amountAt) + delta);
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), at, Journal.RECORD_HEADER_BYTES + length);
        bytes.putInt(at + Journal.RECORD_HEADER_BYTES + length, (int) crc.getValue());
        Files.write(segment, bytes.array());
    }
}
