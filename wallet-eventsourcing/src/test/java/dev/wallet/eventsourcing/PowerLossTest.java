package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.FaultInjector;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.SimulatedCrashException;
import dev.wallet.api.Transfer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash after the append but before the fsync, followed by the loss of what the operating system
 * had not yet written (a power cut): the unsynced bytes vanish, or survive only in part. Whatever
 * survives, every acknowledged transfer is there and money is conserved.
 */
class PowerLossTest {

    private static final int ACCOUNTS = 4;

    @Test
    void unsyncedBytesLost_acknowledgedTransfersSurvive(@TempDir Path directory) throws Exception {
        for (int keep : new int[] {0, 7, 29, 1000}) {
            Path run = Files.createDirectories(directory.resolve("keep-" + keep));
            crashAfterAppendThenLose(run, keep);
        }
    }

    private void crashAfterAppendThenLose(Path directory, int keptUnsyncedBytes) throws Exception {
        FaultInjector faults = FaultInjector.create();
        List<Transfer> acknowledged;
        Journal.DurableMark durable;
        try (EventSourcedWallet wallet = Ledger.builder(directory).faultInjector(faults).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            acknowledged = Ledger.transfers(wallet, new Random(keptUnsyncedBytes), ACCOUNTS, 50);
            durable = ((JournaledWallet) wallet).durableMark();
            faults.arm(JournaledWallet.AFTER_APPEND);
            List<MoneyCommand> batch = new ArrayList<>();
            Random random = new Random(99);
            for (int i = 0; i < 20; i++) {
                batch.add(Ledger.transfer(random, ACCOUNTS));
            }
            assertThrows(SimulatedCrashException.class, () -> wallet.executeBatch(batch));
        }
        Path segment = durable.segment();
        long written = Files.size(segment);
        assertTrue(written > durable.endOffset(), "the crashed batch reached the file");
        try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            file.truncate(Math.min(written, durable.endOffset() + keptUnsyncedBytes));
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            for (Transfer transfer : acknowledged) {
                Outcome outcome = wallet.execute(transfer);
                assertTrue(outcome.replay(), () -> transfer + " was acknowledged and must survive");
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            assertTrue(wallet.audit().passed());
        }
    }
}
