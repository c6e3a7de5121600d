package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The state machine is pure: replaying the events it emitted rebuilds exactly the same state, each
 * event survives the binary codec unchanged, and a snapshot reads back as the state it froze.
 */
class LedgerStateProperties {

    private static final List<Currency> CURRENCIES = List.of(Currency.getInstance("USD"), Currency.getInstance("JPY"));

    @Property(tries = 100)
    void replayingEmittedEventsRebuildsTheSameState(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int commands)
            throws Exception {
        Random random = new Random(seed);
        LedgerState live = new LedgerState();
        List<Event> events = new ArrayList<>();
        List<MoneyCommand> history = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            int kind = random.nextInt(10);
            if (kind == 0) {
                live.open(account(random), CURRENCIES.get(random.nextInt(2)), events::add);
                continue;
            }
            MoneyCommand command = kind == 1 && !history.isEmpty() ? history.get(random.nextInt(history.size()))
                    : command(random);
            live.process(command, events::add);
            history.add(command);
        }
        LedgerState replayed = new LedgerState();
        ByteBuffer buffer = ByteBuffer.allocate(EventCodec.PAYLOAD_MAX).order(ByteOrder.LITTLE_ENDIAN);
        for (Event event : events) {
            buffer.clear();
            EventCodec.encode(event, buffer);
            Event decoded = EventCodec.decode(EventCodec.typeOf(event), buffer.flip());
            assertEquals(event, decoded, "codec round trip");
            replayed.apply(decoded);
            Statistics.label("event").collect(event.getClass().getSimpleName());
        }
        assertNull(live.freeze().firstDifference(replayed.freeze()));
        Path file = Files.createTempFile("ledger-state-", ".snap");
        try {
            try (BlockIo.Writer out = BlockIo.Writer.create(file)) {
                live.freeze().writeTo(out);
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                assertNull(LedgerState.readFrom(new BlockIo.Reader(channel)).freeze().firstDifference(live.freeze()));
            }
        } finally {
            Files.delete(file);
        }
        Statistics.label("event").coverage(coverage -> {
            coverage.check("MoneyMoved").percentage(p -> p > 10);
            coverage.check("CommandRejected").percentage(p -> p > 10);
        });
    }

    private static AccountId account(Random random) {
        return AccountId.of("s" + random.nextInt(6));
    }

    private static MoneyCommand command(Random random) {
        TransactionId id = TransactionId.of(random.nextLong(), random.nextLong() | 1);
        Money amount = Money.of(CURRENCIES.get(random.nextInt(10) == 0 ? 1 : 0), 1 + random.nextInt(2_000));
        return switch (random.nextInt(3)) {
            case 0 -> new Deposit(id, account(random), amount);
            case 1 -> new Withdrawal(id, account(random), amount);
            default -> new Transfer(id, account(random), account(random), amount);
        };
    }
}
