package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.Outcome;
import dev.wallet.api.Transfer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Torn tails and corruption on real journal files. */
class JournalRecoveryTest {

    private static final int ACCOUNTS = 5;

    private List<Transfer> writeSome(Path directory, int transfers) {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            return Ledger.transfers(wallet, new Random(3), ACCOUNTS, transfers);
        }
    }

    private static void assertAllPresent(EventSourcedWallet wallet, List<Transfer> transfers) {
        for (Transfer transfer : transfers) {
            Outcome outcome = wallet.execute(transfer);
            assertTrue(outcome.replay(), () -> transfer + " is missing");
        }
        assertEquals(0, Ledger.total(wallet, ACCOUNTS));
    }

    @Test
    void tornTail_partialRecordIsTruncatedAndReported(@TempDir Path directory) throws Exception {
        List<Transfer> done = writeSome(directory, 50);
        Path segment = Ledger.lastSegment(directory);
        long size = Files.size(segment);
        // A record header announcing 33 bytes of payload, then only half of them: a write cut short.
        byte[] partial = new byte[30];
        partial[0] = 33;
        partial[4] = EventCodec.MONEY_MOVED;
        Ledger.append(segment, partial);
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertTrue(wallet.recovery().tornTail().orElseThrow().contains("offset " + size), wallet.recovery().toString());
            assertEquals(size, Files.size(segment), "the torn bytes are gone");
            assertAllPresent(wallet, done);
            Ledger.transfers(wallet, new Random(4), ACCOUNTS, 10);
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertTrue(wallet.recovery().tornTail().isEmpty(), "the second open finds a clean journal");
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
        }
    }

    @Test
    void tornTail_badChecksumOfTheLastRecordIsTruncated(@TempDir Path directory) throws Exception {
        List<Transfer> done = writeSome(directory, 20);
        Path segment = Ledger.lastSegment(directory);
        List<Long> offsets = Ledger.recordOffsets(segment);
        long last = offsets.get(offsets.size() - 1);
        Ledger.flipByte(segment, Files.size(segment) - 6);
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            String torn = wallet.recovery().tornTail().orElseThrow();
            assertTrue(torn.contains("offset " + last) && torn.contains("checksum"), torn);
            assertAllPresent(wallet, done.subList(0, done.size() - 1));
        }
    }

    @Test
    void tornTail_zerosAfterTheLastRecordAreTruncated(@TempDir Path directory) throws Exception {
        List<Transfer> done = writeSome(directory, 20);
        Path segment = Ledger.lastSegment(directory);
        long size = Files.size(segment);
        Ledger.append(segment, new byte[4096]);
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertTrue(wallet.recovery().tornTail().isPresent());
            assertEquals(size, Files.size(segment));
            assertAllPresent(wallet, done);
        }
    }

    @Test
    void corruption_beforeTheTailStopsTheOpenNamingFileAndOffset(@TempDir Path directory) throws Exception {
        writeSome(directory, 20);
        Path segment = Ledger.lastSegment(directory);
        List<Long> offsets = Ledger.recordOffsets(segment);
        long victim = offsets.get(3);
        Ledger.flipByte(segment, victim + Journal.RECORD_HEADER_BYTES + 2);
        JournalCorruptedException e = assertThrows(JournalCorruptedException.class, () -> Ledger.builder(directory).build());
        assertEquals(segment, e.file());
        assertEquals(victim, e.offset());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        // The directory is not left locked by the failed open.
        Ledger.flipByte(segment, victim + Journal.RECORD_HEADER_BYTES + 2);
        Ledger.builder(directory).build().close();
    }

    @Test
    void corruption_aLengthThatDoesNotFitItsTypeIsNeverTakenForATornTail(@TempDir Path directory) throws Exception {
        writeSome(directory, 20);
        Path segment = Ledger.lastSegment(directory);
        List<Long> offsets = Ledger.recordOffsets(segment);
        long last = offsets.get(offsets.size() - 1);
        // The last record's length now reaches past the end of the file, which a torn write
        // cannot cause (it keeps the header intact): a damaged length, not a cut-short record.
        byte[] bytes = java.nio.file.Files.readAllBytes(segment);
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) last, 40);
        java.nio.file.Files.write(segment, bytes);
        JournalCorruptedException e = assertThrows(JournalCorruptedException.class, () -> Ledger.builder(directory).build());
        assertEquals(last, e.offset());
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void corruption_atTheEndOfAnEarlierSegmentIsNotMistakenForATornTail(@TempDir Path directory) throws Exception {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(9);
            while (Journal.segments(directory).size() < 3) {
                List<dev.wallet.api.MoneyCommand> batch = new java.util.ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    batch.add(Ledger.transfer(random, ACCOUNTS));
                }
                wallet.executeBatch(batch);
            }
        }
        Path first = Journal.segments(directory).get(0);
        List<Long> offsets = Ledger.recordOffsets(first);
        long last = offsets.get(offsets.size() - 1);
        Ledger.flipByte(first, Files.size(first) - 6);
        JournalCorruptedException e = assertThrows(JournalCorruptedException.class, () -> Ledger.builder(directory).build());
        assertEquals(first, e.file());
        assertEquals(last, e.offset());
    }

    @Test
    void corruption_aMissingSegmentStopsTheOpen(@TempDir Path directory) throws Exception {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(10);
            while (Journal.segments(directory).size() < 3) {
                List<dev.wallet.api.MoneyCommand> batch = new java.util.ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    batch.add(Ledger.transfer(random, ACCOUNTS));
                }
                wallet.executeBatch(batch);
            }
        }
        Files.delete(Journal.segments(directory).get(1));
        JournalCorruptedException e = assertThrows(JournalCorruptedException.class, () -> Ledger.builder(directory).build());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void segments_rollAtTheirBoundAndReplayAcrossThem(@TempDir Path directory) throws Exception {
        List<Transfer> done;
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            done = Ledger.transfers(wallet, new Random(11), ACCOUNTS, 100);
            Random random = new Random(12);
            while (Journal.segments(directory).size() < 3) {
                List<dev.wallet.api.MoneyCommand> batch = new java.util.ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    batch.add(Ledger.transfer(random, ACCOUNTS));
                }
                wallet.executeBatch(batch);
            }
        }
        for (Path segment : Journal.segments(directory).subList(0, 2)) {
            long size = Files.size(segment);
            assertTrue(size >= (1 << 20) && size < (1 << 20) + (8 << 20), segment + " holds " + size + " bytes");
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertAllPresent(wallet, done);
            assertTrue(wallet.audit().passed());
        }
    }

    @Test
    void directory_isLockedWhileAWalletHasItOpen(@TempDir Path directory) {
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Ledger.builder(directory).build());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            assertEquals(0, wallet.lastSequence());
        }
        Ledger.builder(directory).build().close();
    }
}
