package dev.wallet.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.TransactionId;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PartitionerTest {

    @Test
    void hashing_isStableAcrossReleases() {
        // Persistent strategies place data by this function: these values must never change.
        Partitioner sixteen = Partitioner.hashing(16);
        assertEquals(15, sixteen.partitionOf(AccountId.of("alice")));
        assertEquals(5, sixteen.partitionOf(AccountId.of("bob")));
        assertEquals(6, sixteen.partitionOf(AccountId.of("carol")));
        assertEquals(9, sixteen.partitionOf(TransactionId.parse("01589980-2664-11ec-9621-0242ac130002")));
    }

    @Test
    void hashing_spreadsAccountsAndIdsEvenly() {
        int partitions = 8;
        Partitioner partitioner = Partitioner.hashing(partitions);
        int[] accounts = new int[partitions];
        int[] ids = new int[partitions];
        int n = 80_000;
        for (int i = 0; i < n; i++) {
            accounts[partitioner.partitionOf(AccountId.of("user-" + i))]++;
            ids[partitioner.partitionOf(TransactionId.of(i * 31L + 7, i))]++;
        }
        for (int p = 0; p < partitions; p++) {
            assertTrue(Math.abs(accounts[p] - n / partitions) < n / partitions / 10, "accounts in " + p + ": " + accounts[p]);
            assertTrue(Math.abs(ids[p] - n / partitions) < n / partitions / 10, "ids in " + p + ": " + ids[p]);
        }
    }

    @Test
    void hashing_movesFewKeysWhenAPartitionIsAdded() {
        Partitioner four = Partitioner.hashing(4);
        Partitioner five = Partitioner.hashing(5);
        int moved = 0;
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            AccountId account = AccountId.of("acct-" + i);
            int before = four.partitionOf(account);
            int after = five.partitionOf(account);
            if (before != after) {
                moved++;
                assertEquals(4, after, "a key only ever moves to the new partition");
            }
        }
        assertTrue(moved < n / 4, "moved " + moved + " of " + n);
    }

    @Test
    void hashing_rejectsABadPartitionCount() {
        assertThrows(IllegalArgumentException.class, () -> Partitioner.hashing(0));
        assertEquals(0, Partitioner.hashing(1).partitionOf(new TransactionId(UUID.randomUUID())));
    }
}
