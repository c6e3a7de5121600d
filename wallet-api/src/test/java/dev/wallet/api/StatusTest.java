package dev.wallet.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatusTest {

    @Test
    void codes_areStableBecauseJournalsAndSnapshotsStoreThem() {
        // Changing any of these breaks every journal and snapshot written before.
        assertEquals(1, Status.SUCCESS.code());
        assertEquals(2, Status.INSUFFICIENT_FUNDS.code());
        assertEquals(3, Status.UNKNOWN_ACCOUNT.code());
        assertEquals(4, Status.CURRENCY_MISMATCH.code());
        assertEquals(5, Status.SAME_ACCOUNT.code());
        assertEquals(6, Status.LIMIT_EXCEEDED.code());
        assertEquals(7, Status.CONFLICT.code());
        assertEquals(8, Status.IN_DOUBT.code());
        for (Status status : Status.values()) {
            assertEquals(status, Status.fromCode(status.code()));
        }
        assertThrows(IllegalArgumentException.class, () -> Status.fromCode((byte) 0));
        assertThrows(IllegalArgumentException.class, () -> Status.fromCode((byte) 9));
    }
}
