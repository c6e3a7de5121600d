package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wallet.api.AccountId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lookups by id and by an id's bytes agree, around the inline length and across growth. */
class AccountIndexTest {

    @Test
    void findsEveryIdByStringAndByBytesAndNothingElse() {
        AccountIndex index = new AccountIndex();
        List<AccountId> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            // Lengths 1 to 64, many sharing their first 24 bytes.
            String text = (i % 3 == 0 ? "p".repeat(24) : "") + Integer.toString(i, 36) + "-".repeat(i % 40);
            ids.add(AccountId.of(text.substring(0, Math.min(64, text.length()))));
        }
        ids.add(AccountId.funding(Currency.getInstance("USD")));
        for (int i = 0; i < ids.size(); i++) {
            index.put(ids.get(i), i);
        }
        for (int i = 0; i < ids.size(); i++) {
            AccountId id = ids.get(i);
            boolean funding = id.isFunding();
            assertEquals(i, index.get(id), id.value());
            assertEquals(funding ? -1 : i, findCustomer(index, id.value(), 0, 0), id.value());
            // The id at the very end of its buffer, where a word cannot be read whole.
            assertEquals(funding ? -1 : i, findCustomer(index, id.value(), 7, 0), id.value());
            assertEquals(funding ? -1 : i, findCustomer(index, id.value(), 3, 9), id.value());
        }
        for (String absent : List.of("p".repeat(24), "p".repeat(25), "p".repeat(24) + "0-", "zz", "0-x", "#funding:JPY",
                "p".repeat(23))) {
            assertEquals(-1, index.get(new AccountId(absent)), absent);
            assertEquals(-1, findCustomer(index, absent, 1, 0), absent);
        }
        // Bytes no id holds: a stored id followed by zero bytes has the same inline words.
        for (AccountId id : ids.subList(0, 200)) {
            for (String suffix : List.of("\0", "\0\0", "\0".repeat(30))) {
                assertEquals(-1, findCustomer(index, id.value() + suffix, 2, 0), id.value() + " with zero bytes");
            }
        }
    }

    private static int findCustomer(AccountIndex index, String id, int before, int after) {
        byte[] bytes = id.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocate(before + bytes.length + after).order(ByteOrder.LITTLE_ENDIAN);
        buffer.position(before);
        buffer.put(bytes);
        long w0 = AccountIndex.word(buffer, before, bytes.length, 0);
        long w1 = AccountIndex.word(buffer, before, bytes.length, 8);
        long w2 = AccountIndex.word(buffer, before, bytes.length, 16);
        long hash = AccountIndex.hash(buffer, before, bytes.length, w0, w1, w2);
        return index.findCustomer(hash, w0, w1, w2, buffer, before, bytes.length);
    }
}
