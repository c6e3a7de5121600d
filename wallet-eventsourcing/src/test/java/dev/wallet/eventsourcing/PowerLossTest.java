package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Transfer;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.SimulatedCrashException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts, simulated from outside the journal: a {@link ForceRecorder} notes every file's size
 * at each fsync, and "losing power" cuts every file back to it. Whatever the wallet acknowledged
 * must survive; a missing fsync anywhere makes these tests fail.
 */
class PowerLossTest {

    private static final int ACCOUNTS = 4;

    private static EventSourcedWallet.Builder builder(Path directory, ForceRecorder recorder) {
        EventSourcedWallet.Builder builder = Ledger.builder(directory);
        builder.channelOpener = recorder;
        return builder;
    }

    private static List<MoneyCommand> batch(Random random) {
        List<MoneyCommand> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(Ledger.transfer(random, ACCOUNTS));
        }
        return batch;
    }

    @Test
    void crashAfterAppendThenPowerCut_acknowledgedTransfersSurvive(@TempDir Path directory) throws Exception {
        ForceRecorder recorder = new ForceRecorder();
        FaultInjector faults = FaultInjector.create();
        List<Transfer> acknowledged;
        try (EventSourcedWallet wallet = builder(directory, recorder).faultInjector(faults).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            acknowledged = Ledger.transfers(wallet, new Random(1), ACCOUNTS, 50);
            faults.arm(JournaledWallet.AFTER_APPEND);
            List<MoneyCommand> interrupted = batch(new Random(2));
            assertThrows(SimulatedCrashException.class, () -> wallet.executeBatch(interrupted));
        }
        recorder.losePower(directory);
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            for (Transfer transfer : acknowledged) {
                assertTrue(wallet.execute(transfer).replay(), () -> transfer + " was acknowledged and must survive");
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            assertTrue(wallet.audit().passed());
        }
    }

    @Test
    void answersGivenAfterRecoveryRestOnForcedBytes(@TempDir Path directory) throws Exception {
        ForceRecorder recorder = new ForceRecorder();
        FaultInjector faults = FaultInjector.create();
        List<MoneyCommand> interrupted = batch(new Random(3));
        try (EventSourcedWallet wallet = builder(directory, recorder).faultInjector(faults).build()) {
            Ledger.fund(wallet, ACCOUNTS);
            faults.arm(JournaledWallet.AFTER_APPEND);
            assertThrows(SimulatedCrashException.class, () -> wallet.executeBatch(interrupted));
        }
        // The process died after writing and before forcing; a new process finds the bytes in the
        // operating system's cache and answers the retries as replays. Those answers are
        // acknowledgements: a power cut right after them must not take them back.
        List<Outcome> answers;
        try (EventSourcedWallet wallet = builder(directory, recorder).build()) {
            answers = wallet.executeBatch(interrupted);
            assertTrue(answers.stream().allMatch(Outcome::replay), "the written batch was recovered: " + answers);
            // The power is cut while this wallet still runs.
            recorder.losePower(directory);
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            for (MoneyCommand command : interrupted) {
                assertTrue(wallet.execute(command).replay(), () -> command + " was answered and must survive");
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
        }
    }

    @Test
    void tornUnsyncedBytes_areTruncatedAndNothingAcknowledgedIsLost(@TempDir Path directory) throws Exception {
        for (int keep : new int[] {7, 29, 1000}) {
            Path run = Files.createDirectories(directory.resolve("keep-" + keep));
            ForceRecorder recorder = new ForceRecorder();
            FaultInjector faults = FaultInjector.create();
            List<Transfer> acknowledged;
            Journal.DurableMark durable;
            try (EventSourcedWallet wallet = builder(run, recorder).faultInjector(faults).build()) {
                Ledger.fund(wallet, ACCOUNTS);
                acknowledged = Ledger.transfers(wallet, new Random(keep), ACCOUNTS, 50);
                durable = ((JournaledWallet) wallet).durableMark();
                faults.arm(JournaledWallet.AFTER_APPEND);
                List<MoneyCommand> interrupted = batch(new Random(99));
                assertThrows(SimulatedCrashException.class, () -> wallet.executeBatch(interrupted));
            }
            // Only part of the unsynced bytes reached the disk: a torn record at the end.
            Path segment = durable.segment();
            byte[] written = Files.readAllBytes(segment);
            recorder.losePower(run);
            int forced = (int) Files.size(segment);
            assertTrue(written.length > forced, "the crashed batch was written but not forced");
            Ledger.append(segment, java.util.Arrays.copyOfRange(written, forced, Math.min(written.length, forced + keep)));
            try (EventSourcedWallet wallet = Ledger.builder(run).build()) {
                for (Transfer transfer : acknowledged) {
                    assertTrue(wallet.execute(transfer).replay(), () -> transfer + " was acknowledged and must survive");
                }
                assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            }
        }
    }
}
