package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read side: per-account history, fed from the journal after commit and rebuilt by replay. */
class HistoryProjectionTest {

    private static final AccountId ALICE = AccountId.of("alice");
    private static final AccountId BOB = AccountId.of("bob");
    private static final AccountId FUNDING = AccountId.funding(Ledger.USD);

    @Test
    void history_listsEveryMovementOfAnAccountInOrder(@TempDir Path directory) {
        TransactionId deposit = TransactionId.random();
        TransactionId toBob = TransactionId.random();
        TransactionId overdraft = TransactionId.random();
        TransactionId withdrawal = TransactionId.random();
        List<HistoryEntry> expected;
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            wallet.openAccount(ALICE, Ledger.USD);
            wallet.openAccount(BOB, Ledger.USD);
            wallet.deposit(new Deposit(deposit, ALICE, usd(1_000)));
            long depositAt = wallet.lastSequence();
            wallet.transfer(new Transfer(toBob, ALICE, BOB, usd(300)));
            long transferAt = wallet.lastSequence();
            assertEquals(Status.INSUFFICIENT_FUNDS, wallet.transfer(new Transfer(overdraft, ALICE, BOB, usd(5_000))).status());
            wallet.withdraw(new Withdrawal(withdrawal, ALICE, usd(200)));
            long withdrawalAt = wallet.lastSequence();
            expected = List.of(
                    new HistoryEntry(depositAt, deposit, "deposit", FUNDING, usd(1_000)),
                    new HistoryEntry(transferAt, toBob, "transfer", BOB, usd(-300)),
                    new HistoryEntry(withdrawalAt, withdrawal, "withdrawal", FUNDING, usd(-200)));
            assertEquals(expected, wallet.history(ALICE));
            assertEquals(List.of(new HistoryEntry(transferAt, toBob, "transfer", ALICE, usd(300))), wallet.history(BOB));
            assertEquals(List.of(), wallet.history(AccountId.of("nobody")));
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertEquals(expected, wallet.history(ALICE), "rebuilt by replaying the journal after a restart");
        }
    }

    @Test
    void history_resumesFromItsCheckpoint_andIsRebuiltWhenTheCheckpointIsLost(@TempDir Path directory) throws Exception {
        List<HistoryEntry> expected;
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            Ledger.fund(wallet, 4);
            Ledger.transfers(wallet, new java.util.Random(3), 4, 300);
            expected = wallet.history(Ledger.account(1));
            assertTrue(expected.size() > 100, "movements of account 1: " + expected.size());
        }
        Path history = directory.resolve(HistoryProjection.DIRECTORY);
        long bytes = java.nio.file.Files.size(history.resolve("movements.bin"));
        // Records written after the checkpoint by a process that then died: cut back at open.
        Ledger.append(history.resolve("movements.bin"), new byte[3 * HistoryProjection.RECORD_BYTES + 5]);
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertEquals(expected, wallet.history(Ledger.account(1)));
            assertEquals(bytes, java.nio.file.Files.size(history.resolve("movements.bin")), "nothing replayed twice");
        }
        java.nio.file.Files.delete(history.resolve("checkpoint.bin"));
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            assertEquals(expected, wallet.history(Ledger.account(1)), "rebuilt by replaying the journal");
        }
    }

    @Test
    void history_canBeTurnedOff(@TempDir Path directory) {
        try (EventSourcedWallet wallet = Ledger.builder(directory).history(false).build()) {
            assertThrows(IllegalStateException.class, () -> wallet.history(ALICE));
        }
    }

    private static Money usd(long minor) {
        return Money.of(Ledger.USD, minor);
    }
}
