package dev.wallet.api.spi;

import dev.wallet.api.AccountId;
import dev.wallet.api.TransactionId;

/**
 * Maps accounts and transaction ids to one of {@link #partitions()} partitions (shards). The design
 * keeps this map in a coordination service; here it is an object, and every sharded strategy uses
 * the same one, so an account lives in the same partition number whichever strategy holds it.
 *
 * <p>The idempotency record of a transaction lives in the partition of its id, not of its
 * accounts: a repeat of the id with another source account must still find it.
 *
 * <p>Implementations are immutable and thread-safe. A persistent strategy stores data by the
 * partition this function chooses, so changing the function (or the partition count) of existing
 * data needs a migration.
 */
public interface Partitioner {

    /** The number of partitions, at least 1. */
    int partitions();

    /** The partition of an account, in {@code [0, partitions())}. */
    int partitionOf(AccountId account);

    /** The partition of a transaction's idempotency record, in {@code [0, partitions())}. */
    int partitionOf(TransactionId transactionId);

    /**
     * The default: a 64-bit hash of the id (FNV-1a over its characters, then the MurmurHash3
     * finaliser) placed with jump consistent hashing (Lamping and Veach, 2014), so that growing
     * from n to n+1 partitions moves only about 1/(n+1) of the keys.
     */
    static Partitioner hashing(int partitions) {
        return new HashingPartitioner(partitions);
    }
}
