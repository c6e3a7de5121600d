package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.Transfer;
import dev.wallet.api.WalletStorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A full disk, injected under the journal: the commands that could not be made durable get a
 * typed error and leave nothing behind, nothing acknowledged is lost, and the wallet takes
 * commands again as soon as the disk has room, without being reopened.
 */
class StorageFailureTest {

    private static final int ACCOUNTS = 4;

    /** Which call the full disk refuses. */
    enum Refused {
        /** The write itself. */
        WRITE,
        /** The force after a write that went through (the bytes are in the file, not durable). */
        FORCE
    }

    @ParameterizedTest
    @EnumSource(Refused.class)
    void aFullDisk_refusesOnlyWhatItCouldNotStore_andTheWalletGoesOn(Refused refused, @TempDir Path directory) {
        FullDisk disk = new FullDisk(refused);
        EventSourcedWallet.Builder builder = Ledger.builder(directory);
        builder.channelOpener = disk;
        List<Transfer> acknowledged;
        List<MoneyCommand> refusedBatch = batch(new Random(2));
        Transfer single = Ledger.transfer(new Random(3), ACCOUNTS);
        try (EventSourcedWallet wallet = builder.build()) {
            Ledger.fund(wallet, ACCOUNTS);
            acknowledged = Ledger.transfers(wallet, new Random(1), ACCOUNTS, 100);
            long[] before = balances(wallet);
            long sequence = wallet.lastSequence();

            disk.full = true;
            assertThrows(WalletStorageException.class, () -> wallet.executeBatch(refusedBatch));
            WalletStorageException error = assertThrows(WalletStorageException.class, () -> wallet.execute(single));
            assertTrue(error.isRetryable() && error.getMessage().contains("No space left on device"), error.getMessage());
            assertEquals(sequence, wallet.lastSequence());
            for (MoneyCommand command : refusedBatch) {
                assertEquals(Optional.empty(), wallet.lookup(command.transactionId()), "nothing of a refused batch is kept");
            }
            assertArrayEquals(before, balances(wallet));

            disk.full = false;
            for (Outcome outcome : wallet.executeBatch(refusedBatch)) {
                assertEquals(Status.SUCCESS, outcome.status());
                assertFalse(outcome.replay(), "executed once, now");
            }
            assertEquals(Outcome.of(single.transactionId(), Status.SUCCESS), wallet.execute(single));
        }
        try (EventSourcedWallet wallet = Ledger.builder(directory).build()) {
            for (MoneyCommand command : concat(acknowledged, refusedBatch, single)) {
                assertTrue(wallet.execute(command).replay(), () -> command + " was acknowledged and must survive");
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            AuditReport audit = wallet.audit();
            assertTrue(audit.passed(), audit.toString());
        }
    }

    private static List<MoneyCommand> batch(Random random) {
        List<MoneyCommand> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(Ledger.transfer(random, ACCOUNTS));
        }
        return batch;
    }

    private static List<MoneyCommand> concat(List<Transfer> first, List<MoneyCommand> second, MoneyCommand last) {
        List<MoneyCommand> all = new ArrayList<>(first);
        all.addAll(second);
        all.add(last);
        return all;
    }

    private static long[] balances(EventSourcedWallet wallet) {
        long[] balances = new long[ACCOUNTS];
        for (int i = 0; i < ACCOUNTS; i++) {
            balances[i] = wallet.balance(Ledger.account(i)).orElseThrow().minor();
        }
        return balances;
    }

    /**
     * Journal channels that refuse writes (or the force of what was written) with "No space left
     * on device" while {@link #full}, as a full file system does: cutting a file back frees
     * blocks, and forcing that cut succeeds.
     */
    private static final class FullDisk implements Journal.ChannelOpener {
        private final Refused refused;
        volatile boolean full;

        FullDisk(Refused refused) {
            this.refused = refused;
        }

        @Override
        public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
            return new DelegatingFileChannel(FileChannel.open(path, options)) {
                /** Whether bytes were written since the last force or cut. */
                private boolean written;

                @Override
                public FileChannel truncate(long size) throws IOException {
                    delegate.truncate(size);
                    written = false;
                    return this;
                }

                @Override
                public int write(ByteBuffer src, long position) throws IOException {
                    written = true;
                    if (full && refused == Refused.WRITE) {
                        // A disk that takes part of a write and then has no room left.
                        ByteBuffer part = src.duplicate();
                        part.limit(part.position() + part.remaining() / 2);
                        delegate.write(part, position);
                        throw new IOException("No space left on device");
                    }
                    return delegate.write(src, position);
                }

                @Override
                public void force(boolean metaData) throws IOException {
                    if (full && written) {
                        throw new IOException("No space left on device");
                    }
                    delegate.force(metaData);
                    written = false;
                }
            };
        }
    }
}
