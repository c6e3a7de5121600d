package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.WalletCapacityException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link BatchApplier} decides every log entry exactly as the canonical path does (decode the
 * entry with {@link BatchCodec#decode}, then {@link LedgerState#open} or {@link LedgerState#process}
 * per item): the same outcome codes and the same state, entry after entry, on entries made of
 * valid and invalid fields alike, both as a client sends them and as the leader logs them after
 * {@link BatchApplier#resolve resolving} them against a state that is behind; an entry the
 * canonical decoding refuses is refused whole, by the leader and by every replica, with nothing
 * changed, and so is a resolved entry with any field out of range.
 */
class BatchApplierProperties {

    private static final Consumer<Event> NONE = event -> { };
    /** Account ids around the inline length of the account index (23, 24, 25 bytes) sharing prefixes, and short ones. */
    private static final List<String> IDS = List.of("a", "b", "alice", "bob", "carol.smith@example", "9_dan:o-k",
            "x".repeat(22) + "1", "x".repeat(23) + "1", "x".repeat(23) + "2", "x".repeat(24) + "1", "x".repeat(24) + "2",
            "x".repeat(40) + "tail-1", "x".repeat(40) + "tail-2", "y".repeat(64));
    /** Strings the canonical decoding refuses as account ids, and the funding form. */
    private static final List<String> BAD_IDS = List.of("", " ", "-dash-first", "_under", ".dot", "@at", "a/b", "a~", "a\u007f",
            "#funding:USD", "#funding:JPY", "a b",
            "z".repeat(65), "caf\u00e9", "alice\0", "a\0\0", "x".repeat(23) + "1\0");
    private static final List<String> CURRENCIES = List.of("USD", "JPY", "EUR");
    private static final List<String> BAD_CURRENCIES = List.of("XXX", "usd", "ZZZ", "US1");

    @Property(tries = 200)
    void decidesEveryEntryAsTheCanonicalPath(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int entries) throws IOException {
        Path snapshot = Files.createTempFile("batch-applier-", ".snap");
        try {
            decideAndCompare(new Random(seed), entries, snapshot);
        } finally {
            Files.deleteIfExists(snapshot);
        }
        Statistics.label("logged item").coverage(coverage -> {
            coverage.check("resolved").percentage(p -> p > 20);
            coverage.check("as sent").percentage(p -> p > 10);
        });
        Statistics.label("restored from a snapshot").coverage(coverage -> {
            coverage.check("replica").percentage(p -> p > 5);
            coverage.check("leader").percentage(p -> p > 5);
        });
    }

    /**
     * Makes {@code entries} entries and decides each on the canonical path, from its bytes as sent,
     * and as a leader behind the log resolved it; now and then the leader or the replica goes on
     * from a snapshot of its state, as one that fell behind and installed a snapshot would.
     */
    private static void decideAndCompare(Random random, int entries, Path snapshot) throws IOException {
        LedgerState canonical = new LedgerState();
        LedgerState fast = new LedgerState();
        LedgerState replica = new LedgerState();
        LedgerState leader = new LedgerState();
        BatchApplier applier = new BatchApplier();
        BatchApplier replicaApplier = new BatchApplier();
        BatchApplier leaderApplier = new BatchApplier();
        BatchApplier resolver = new BatchApplier();
        List<byte[]> earlier = new ArrayList<>();
        List<byte[]> logged = new ArrayList<>();
        int leaderApplied = 0;
        for (int e = 0; e < entries; e++) {
            ByteBuffer entry = entry(random, earlier, random.nextInt(8) == 0);
            // The leader has applied a random part of what is logged: it resolves against a state that is behind.
            int caughtUp = leaderApplied + random.nextInt(logged.size() - leaderApplied + 1);
            while (leaderApplied < caughtUp) {
                leaderApplier.apply(leader, ByteBuffer.wrap(logged.get(leaderApplied++)));
            }
            if (random.nextInt(8) == 0) {
                leader = restored(leader, snapshot);
                Statistics.label("restored from a snapshot").collect("leader");
            }
            List<BatchCodec.Item> items;
            try {
                items = BatchCodec.decode(entry.duplicate());
            } catch (RuntimeException refused) {
                LedgerState resolving = leader;
                byte[] leaderBefore = resolving.freeze().digest();
                assertThrows(IllegalArgumentException.class, () -> resolver.resolve(resolving, entry.duplicate()),
                        "the leader let through an entry the decoding refuses: " + refused);
                assertArrayEquals(leaderBefore, resolving.freeze().digest(), "resolving changed the leader's state");
                byte[] before = fast.freeze().digest();
                assertThrows(IllegalArgumentException.class, () -> applier.apply(fast, entry.duplicate()));
                assertArrayEquals(before, fast.freeze().digest(), "a refused entry changed the state");
                Statistics.label("entry").collect("refused");
                continue;
            }
            byte[] resolved = resolver.resolve(leader, entry.duplicate());
            logged.add(resolved);
            Statistics.label("entry").collect("applied");
            collectItemTypes(resolved);
            byte[] expected = canonical(canonical, items);
            assertArrayEquals(expected, applier.apply(fast, entry.duplicate()), "outcome codes of entry " + e);
            assertArrayEquals(expected, replicaApplier.apply(replica, ByteBuffer.wrap(resolved)),
                    "outcome codes of entry " + e + " as the leader logged it");
            for (byte code : expected) {
                Statistics.label("outcome").collect(code);
            }
            assertNull(fast.freeze().firstDifference(canonical.freeze()), "state after entry " + e);
            assertNull(replica.freeze().firstDifference(canonical.freeze()), "state after logged entry " + e);
            if (random.nextInt(8) == 0) {
                replica = restored(replica, snapshot);
                Statistics.label("restored from a snapshot").collect("replica");
            }
        }
        assertEquals(canonical.sequence(), fast.sequence());
        assertEquals(canonical.sequence(), replica.sequence());
    }

    /** {@code state} written as a snapshot to {@code file} and read back, as a replica installing it has it. */
    private static LedgerState restored(LedgerState state, Path file) throws IOException {
        SnapshotStore.writeAtomically(state.freeze(), file);
        return SnapshotStore.read(file);
    }

    /**
     * The leader accepts batches of at most {@link BatchCodec#ITEMS_MAX} items, but a replica
     * applies a logged entry of more (a leader of an earlier version accepted up to
     * {@link BatchCodec#ENTRY_ITEMS_MAX}): replaying its log, it must decide such an entry as the
     * replicas whose snapshots hold it did.
     */
    @Example
    void aLoggedEntryLargerThanTheLeaderAcceptsIsStillApplied() {
        LedgerState state = new LedgerState();
        Currency usd = Currency.getInstance("USD");
        state.open(AccountId.of("alice"), usd, NONE);
        int count = BatchCodec.ITEMS_MAX + 1;
        ByteBuffer out = ByteBuffer.allocate(5 + count * (BatchCodec.MONEY_HEAD + 5 + 1)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(BatchCodec.VERSION).putInt(count);
        for (int i = 0; i < count; i++) {
            out.put(BatchCodec.MONEY).put(CommandKind.DEPOSIT).putLong(i + 1).putLong(1).putLong(1)
                    .put("USD".getBytes(StandardCharsets.US_ASCII));
            putAscii(out, "alice");
            putAscii(out, "");
        }
        ByteBuffer entry = out.flip();
        assertThrows(IllegalArgumentException.class, () -> new BatchApplier().resolve(state, entry.duplicate()));
        byte[] codes = new BatchApplier().apply(state, entry.duplicate());
        assertEquals(count, codes.length);
        for (byte code : codes) {
            assertEquals(BatchCodec.outcomeCode(Status.SUCCESS, false), code);
        }
        assertEquals(Money.of(usd, count), state.balance(AccountId.of("alice")).orElseThrow());
    }

    /**
     * A resolved entry whose one item has a field out of range (a kind, the nil id, an amount, a
     * currency slot, a source or target that is not a customer account, a varint longer than it
     * needs), whose currency table names a currency the rules refuse or counts more currencies than it holds, or
     * whose framing is broken, is refused whole with nothing changed; the same entry without the
     * damage is applied. A client cannot send one: the leader refuses anything but format 1.
     */
    @Property(tries = 500)
    void aResolvedEntryWithAFieldOutOfRangeIsRefusedWhole(@ForAll long seed) {
        Random random = new Random(seed);
        LedgerState state = new LedgerState();
        state.open(AccountId.of("alice"), Currency.getInstance("USD"), NONE);
        state.open(AccountId.of("bob"), Currency.getInstance("USD"), NONE);
        state.open(AccountId.of("carol"), Currency.getInstance("JPY"), NONE);
        // Accounts 0 and 3 are the funding accounts of USD and JPY; 1, 2 and 4 are customers.
        int items = 1 + random.nextInt(5);
        int damaged = random.nextInt(items);
        List<String> damages = List.of("kind", "nil-id", "amount-zero", "amount-over", "currency-slot", "account-past-end",
                "funding-account", "target-past-end", "target-funding", "long-varint", "long-account-varint", "table-code",
                "table-count", "cut-short", "byte-after", "client-sends-it");
        String damage = damages.get(random.nextInt(damages.size()));
        Statistics.label("damage").collect(damage);
        long entrySeed = random.nextLong();
        byte[] good = resolvedEntry(new Random(entrySeed), items, -1, damage);
        byte[] bad = resolvedEntry(new Random(entrySeed), items, damaged, damage);
        byte[] before = state.freeze().digest();
        BatchApplier applier = new BatchApplier();
        if (damage.equals("client-sends-it")) {
            assertThrows(IllegalArgumentException.class, () -> new BatchApplier().resolve(state, ByteBuffer.wrap(good)));
            return;
        }
        assertThrows(IllegalArgumentException.class, () -> applier.apply(state, ByteBuffer.wrap(bad)), damage);
        assertArrayEquals(before, state.freeze().digest(), "a refused entry changed the state");
        assertEquals(items, applier.apply(state, ByteBuffer.wrap(good)).length, "the undamaged entry is applied");
    }

    /**
     * A resolved entry of {@code items} deposits, withdrawals and transfers between the customer
     * accounts 1, 2 (USD) and 4 (JPY), with {@code damage} done to item {@code damaged} (none when
     * -1); the same {@code random} seed gives the same entry but for the damage.
     */
    private static byte[] resolvedEntry(Random random, int items, int damaged, String damage) {
        ByteBuffer out = ByteBuffer.allocate(16 + items * 64).order(ByteOrder.LITTLE_ENDIAN);
        boolean tableDamaged = damaged >= 0 && damage.startsWith("table-");
        String table = tableDamaged && damage.equals("table-code") ? "USD" + List.of("XXX", "jpy", "ZZZ", "J1Y").get(random.nextInt(4))
                : "USDJPY";
        int tableSize = tableDamaged && damage.equals("table-count") ? 3 + random.nextInt(253) : 2;
        out.put(BatchCodec.VERSION_RESOLVED).putInt(items).put((byte) tableSize).put(table.getBytes(StandardCharsets.US_ASCII));
        int[] customers = {1, 2, 4};
        for (int i = 0; i < items; i++) {
            byte kind = (byte) (1 + random.nextInt(3));
            long msb = random.nextLong();
            long lsb = random.nextLong() | 1;
            long amount = 1 + random.nextInt(1_000);
            int slot = random.nextInt(2);
            long first = customers[random.nextInt(3)];
            long second = customers[random.nextInt(3)];
            int wrong = random.nextInt(1 << 20);
            if (i == damaged) {
                switch (damage) {
                    case "kind" -> kind = (byte) (wrong % 2 == 0 ? 0 : 4);
                    case "nil-id" -> {
                        msb = 0;
                        lsb = 0;
                    }
                    case "amount-zero" -> amount = 0;
                    case "amount-over" -> amount = Money.MAX_AMOUNT_MINOR + 1 + wrong;
                    case "currency-slot" -> slot = 2 + wrong % 250;
                    case "account-past-end" -> first = 5 + wrong;
                    case "funding-account" -> first = wrong % 2 == 0 ? 0 : 3;
                    case "target-past-end" -> {
                        kind = CommandKind.TRANSFER;
                        second = 5 + wrong;
                    }
                    case "target-funding" -> {
                        kind = CommandKind.TRANSFER;
                        second = wrong % 2 == 0 ? 0 : 3;
                    }
                    default -> { }
                }
            }
            out.put(BatchCodec.RESOLVED).put(kind).putLong(msb).putLong(lsb);
            BatchCodec.putVarint(out, amount);
            if (i == damaged && damage.equals("long-varint")) {
                // The amount with a needless zero byte after it: the shortest form is the only one.
                out.put(out.position() - 1, (byte) (out.get(out.position() - 1) | 0x80)).put((byte) 0);
            }
            out.put((byte) slot);
            BatchCodec.putVarint(out, first);
            if (i == damaged && damage.equals("long-account-varint")) {
                out.put(out.position() - 1, (byte) (out.get(out.position() - 1) | 0x80)).put((byte) 0);
            }
            if (kind == CommandKind.TRANSFER || i == damaged && damage.equals("kind")) {
                BatchCodec.putVarint(out, second);
            }
        }
        if (damaged >= 0 && damage.equals("byte-after")) {
            out.put((byte) 0);
        }
        out.flip();
        if (damaged >= 0 && damage.equals("cut-short")) {
            out.limit(out.limit() - 1 - random.nextInt(8));
        }
        return Arrays.copyOf(out.array(), out.limit());
    }

    /** Counts the items of a logged entry by type: how many the leader resolved, how many it kept as sent. */
    private static void collectItemTypes(byte[] logged) {
        ByteBuffer in = ByteBuffer.wrap(logged).order(ByteOrder.LITTLE_ENDIAN);
        int at = 6 + 3 * (in.get(5) & 0xff);
        for (int i = 0; i < in.getInt(1); i++) {
            byte type = in.get(at);
            Statistics.label("logged item").collect(type == BatchCodec.RESOLVED ? "resolved" : type == BatchCodec.OPEN ? "open" : "as sent");
            if (type == BatchCodec.RESOLVED) {
                int p = at + BatchCodec.RESOLVED_HEAD;
                p += BatchCodec.varintBytes(BatchCodec.getVarint(in, p)) + 1;
                p += BatchCodec.varintBytes(BatchCodec.getVarint(in, p));
                at = in.get(at + 1) == CommandKind.TRANSFER ? p + BatchCodec.varintBytes(BatchCodec.getVarint(in, p)) : p;
            } else if (type == BatchCodec.OPEN) {
                at += 1 + 1 + (in.get(at + 1) & 0xff) + 3;
            } else {
                int second = at + BatchCodec.MONEY_HEAD + (in.get(at + BatchCodec.MONEY_HEAD - 1) & 0xff) + 1;
                at = second + (in.get(second - 1) & 0xff);
            }
        }
        assertEquals(logged.length, at, "the logged entry's items end where it does");
    }

    /** The canonical path: the decoded items, decided one by one. */
    private static byte[] canonical(LedgerState state, List<BatchCodec.Item> items) {
        byte[] reply = new byte[items.size()];
        for (int i = 0; i < reply.length; i++) {
            if (items.get(i) instanceof BatchCodec.Command command) {
                try {
                    Outcome outcome = state.process(command.command(), NONE);
                    reply[i] = BatchCodec.outcomeCode(outcome.status(), outcome.replay());
                } catch (WalletCapacityException full) {
                    reply[i] = BatchCodec.CAPACITY_EXCEEDED;
                }
            } else {
                BatchCodec.Open open = (BatchCodec.Open) items.get(i);
                reply[i] = (byte) state.open(open.account(), open.currency(), NONE).ordinal();
            }
        }
        return reply;
    }

    /**
     * An entry of 1 to 40 items: opens, deposits, withdrawals and transfers over a small pool of
     * accounts and currencies (so that repeats, unknown accounts, currency mismatches, same-account
     * transfers and insufficient funds all occur), repeats of earlier commands, byte for byte or
     * with one field changed; with {@code invalid}, fields drawn from outside the rules as well.
     */
    private static ByteBuffer entry(Random random, List<byte[]> earlier, boolean invalid) {
        int count = 1 + random.nextInt(40);
        ByteBuffer out = ByteBuffer.allocate(8 + count * 200).order(ByteOrder.LITTLE_ENDIAN);
        out.put(BatchCodec.VERSION).putInt(count);
        for (int i = 0; i < count; i++) {
            int choice = random.nextInt(10);
            if (choice <= 1) {
                out.put(BatchCodec.OPEN);
                putAscii(out, pick(random, IDS, BAD_IDS, invalid));
                out.put(pick(random, CURRENCIES, BAD_CURRENCIES, invalid).getBytes(StandardCharsets.ISO_8859_1));
            } else if (choice <= 3 && !earlier.isEmpty()) {
                byte[] repeated = earlier.get(random.nextInt(earlier.size())).clone();
                if (random.nextBoolean()) {
                    // The same id with another amount: a conflict.
                    ByteBuffer.wrap(repeated).order(ByteOrder.LITTLE_ENDIAN).putLong(18, 1 + random.nextInt(50));
                }
                out.put(repeated);
            } else {
                int start = out.position();
                out.put(BatchCodec.MONEY);
                byte kind = (byte) (invalid && random.nextInt(10) == 0 ? random.nextInt(6)
                        : random.nextInt(3) == 0 ? CommandKind.DEPOSIT : random.nextBoolean() ? CommandKind.TRANSFER : CommandKind.WITHDRAWAL);
                out.put(kind);
                long msb = invalid && random.nextInt(10) == 0 ? 0 : random.nextInt(4) == 0 ? random.nextInt(3) : random.nextLong();
                // The nil id (both halves zero) only in an invalid entry.
                long lsb = msb == 0 && invalid && random.nextBoolean() ? 0 : random.nextLong() | 1;
                out.putLong(msb).putLong(lsb);
                out.putLong(amount(random, invalid));
                out.put(pick(random, CURRENCIES, BAD_CURRENCIES, invalid).getBytes(StandardCharsets.ISO_8859_1));
                putAscii(out, pick(random, IDS, BAD_IDS, invalid));
                // A deposit's or withdrawal's second id is not read; sometimes it is there anyway.
                putAscii(out, kind == CommandKind.TRANSFER || random.nextInt(5) == 0 ? pick(random, IDS, BAD_IDS, invalid) : "");
                byte[] item = Arrays.copyOfRange(out.array(), start, out.position());
                earlier.add(item);
            }
        }
        if (invalid && random.nextInt(4) == 0) {
            // Damage the framing: a byte flipped, the entry cut short or a byte added.
            int damage = random.nextInt(3);
            if (damage == 0) {
                int at = random.nextInt(out.position());
                out.put(at, (byte) (out.get(at) ^ (1 << random.nextInt(8))));
            } else if (damage == 1) {
                out.position(Math.max(1, out.position() - 1 - random.nextInt(10)));
            } else {
                out.put((byte) random.nextInt(256));
            }
        }
        return out.flip();
    }

    private static long amount(Random random, boolean invalid) {
        if (invalid && random.nextInt(8) == 0) {
            long[] bad = {0, -1, Long.MIN_VALUE, Money.MAX_AMOUNT_MINOR + 1};
            return bad[random.nextInt(bad.length)];
        }
        return switch (random.nextInt(6)) {
            case 0 -> Money.MAX_AMOUNT_MINOR;
            case 1 -> 1 + random.nextInt(1_000_000);
            default -> 1 + random.nextInt(500);
        };
    }

    private static String pick(Random random, List<String> good, List<String> bad, boolean invalid) {
        return invalid && random.nextInt(6) == 0 ? bad.get(random.nextInt(bad.size())) : good.get(random.nextInt(good.size()));
    }

    private static void putAscii(ByteBuffer out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        out.put((byte) bytes.length).put(bytes);
    }
}
