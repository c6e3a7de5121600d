package dev.wallet.eventsourcing;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Wallet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Currency;
import java.util.List;
import java.util.Random;

/** Small helpers for the event-sourcing tests. */
final class Ledger {

    static final Currency USD = Currency.getInstance("USD");

    private Ledger() {
    }

    static AccountId account(int index) {
        return AccountId.of("acct-" + index);
    }

    static EventSourcedWallet.Builder builder(Path directory) {
        return EventSourcedWallet.builder(directory).segmentBytes(1 << 20);
    }

    /** Opens {@code accounts} accounts with 1,000,000 minor units each. */
    static void fund(Wallet wallet, int accounts) {
        for (int i = 0; i < accounts; i++) {
            wallet.openAccount(account(i), USD);
            Outcome outcome = wallet.execute(new Deposit(TransactionId.random(), account(i), Money.of(USD, 1_000_000)));
            if (outcome.status() != Status.SUCCESS) {
                throw new IllegalStateException(outcome.toString());
            }
        }
    }

    /** A seeded transfer between two of the first {@code accounts} accounts. */
    static Transfer transfer(Random random, int accounts) {
        int source = random.nextInt(accounts);
        int target = (source + 1 + random.nextInt(accounts - 1)) % accounts;
        return new Transfer(TransactionId.of(random.nextLong(), random.nextLong() | 1), account(source), account(target),
                Money.of(USD, 1 + random.nextInt(500)));
    }

    /** Runs {@code count} transfers, checking each succeeds. */
    static List<Transfer> transfers(Wallet wallet, Random random, int accounts, int count) {
        List<Transfer> done = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Transfer transfer = transfer(random, accounts);
            Outcome outcome = wallet.execute(transfer);
            if (outcome.status() != Status.SUCCESS) {
                throw new IllegalStateException(outcome.toString());
            }
            done.add(transfer);
        }
        return done;
    }

    static long total(Wallet wallet, int accounts) {
        long sum = wallet.balance(AccountId.funding(USD)).orElseThrow().minor();
        for (int i = 0; i < accounts; i++) {
            sum += wallet.balance(account(i)).orElseThrow().minor();
        }
        return sum;
    }

    static Path lastSegment(Path directory) throws IOException {
        List<Path> segments = Journal.segments(directory);
        return segments.get(segments.size() - 1);
    }

    static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, java.nio.file.StandardOpenOption.APPEND);
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, offset);
        }
    }

    /** Offsets of every record of a segment, in order. */
    static List<Long> recordOffsets(Path segment) throws IOException {
        List<Long> offsets = new java.util.ArrayList<>();
        try (SegmentReader reader = new SegmentReader(segment)) {
            long first = reader.readHeader();
            long[] start = {Journal.SEGMENT_HEADER_BYTES};
            reader.readRecords(first, reader.size(), Long.MAX_VALUE, (sequence, event, end) -> {
                offsets.add(start[0]);
                start[0] = end;
            });
        }
        return offsets;
    }
}
