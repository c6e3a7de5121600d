package dev.wallet.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class IdTableProperties {

    /** Behaves like a map from id to insertion index, through growth and collisions of small key ranges. */
    @Property(tries = 200)
    void agreesWithAMapOfInsertionOrder(@ForAll @Size(max = 3000) List<@LongRange(min = 0, max = 2000) Long> keys) {
        agreesWithAMap(new IdTable(), keys);
    }

    /**
     * The same with a hash of only 8 bits (256 values for up to 2,001 ids), so that most probes meet
     * slots whose hash matches a different id and only the comparison with the stored id tells them
     * apart, and growing moves long runs of equal homes.
     */
    @Property(tries = 100)
    void confirmsEveryMatchAgainstTheStoredId(@ForAll @Size(max = 3000) List<@LongRange(min = 0, max = 2000) Long> keys) {
        agreesWithAMap(new IdTable(1, 0xFF00_0000_0000_0000L), keys);
    }

    /** A frozen view keeps the ids of its moment while the table goes on adding and growing. */
    @Property(tries = 50)
    void aFrozenViewIsUnchangedByLaterAdds(@ForAll @Size(max = 40_000) List<Long> keys) {
        IdTable table = new IdTable();
        int half = keys.size() / 2;
        List<Long> distinct = new ArrayList<>(new LinkedHashSet<>(keys.subList(0, half)));
        distinct.forEach(key -> table.add(key, ~key));
        IdTable.Ids frozen = table.freeze();
        keys.subList(half, keys.size()).forEach(key -> table.add(key, ~key));
        assertEquals(distinct.size(), frozen.size());
        long[] copied = new long[distinct.size()];
        frozen.copyMsbs(0, copied, copied.length);
        for (int entry = 0; entry < distinct.size(); entry++) {
            assertEquals(distinct.get(entry), frozen.msb(entry));
            assertEquals(~distinct.get(entry), frozen.lsb(entry));
            assertEquals(distinct.get(entry), copied[entry]);
            assertEquals(entry, table.find(distinct.get(entry), ~distinct.get(entry)));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> frozen.msb(distinct.size()));
        assertThrows(IndexOutOfBoundsException.class, () -> frozen.copyLsbs(1, new long[distinct.size()], distinct.size()));
    }

    private static void agreesWithAMap(IdTable table, List<Long> keys) {
        Map<Long, Integer> model = new HashMap<>();
        for (long key : keys) {
            long msb = key % 7;
            long lsb = key;
            Integer existing = model.get(key);
            int result = table.add(msb, lsb);
            if (existing == null) {
                assertEquals(model.size(), result);
                model.put(key, result);
            } else {
                assertEquals(-existing - 1, result);
            }
            assertEquals(model.size(), table.size());
        }
        for (long key = 0; key <= 2000; key++) {
            assertEquals(model.getOrDefault(key, -1), table.find(key % 7, key));
        }
        model.forEach((key, entry) -> {
            assertEquals(key % 7, table.msb(entry));
            assertEquals(key, table.lsb(entry));
        });
    }
}
