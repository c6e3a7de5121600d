package dev.wallet.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
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
        IdTable table = new IdTable();
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
    }
}
