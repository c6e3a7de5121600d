package dev.wallet.api.spi;

import dev.wallet.api.AccountId;
import dev.wallet.api.TransactionId;
import java.util.Objects;

/** See {@link Partitioner#hashing(int)}. The hash is part of the storage layout: do not change it. */
final class HashingPartitioner implements Partitioner {

    static final int PARTITIONS_MAX = 1 << 16;

    private final int partitions;

    HashingPartitioner(int partitions) {
        if (partitions < 1 || partitions > PARTITIONS_MAX) {
            throw new IllegalArgumentException("partitions must be in [1, " + PARTITIONS_MAX + "]: " + partitions);
        }
        this.partitions = partitions;
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public int partitionOf(AccountId account) {
        String value = Objects.requireNonNull(account, "account").value();
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < value.length(); i++) {
            hash ^= value.charAt(i);
            hash *= 0x100000001b3L;
        }
        return jump(fmix64(hash), partitions);
    }

    @Override
    public int partitionOf(TransactionId transactionId) {
        var uuid = Objects.requireNonNull(transactionId, "transactionId").value();
        return jump(fmix64(uuid.getMostSignificantBits() ^ fmix64(uuid.getLeastSignificantBits())), partitions);
    }

    /** MurmurHash3's 64-bit finaliser: spreads every input bit over the whole word. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** Jump consistent hash: a bucket in [0, buckets) for a 64-bit key. */
    static int jump(long key, int buckets) {
        long bucket = -1;
        long next = 0;
        while (next < buckets) {
            bucket = next;
            key = key * 2862933555777941757L + 1;
            next = (long) ((bucket + 1) * ((double) (1L << 31) / (double) ((key >>> 33) + 1)));
        }
        return (int) bucket;
    }

    @Override
    public String toString() {
        return "Partitioner.hashing(" + partitions + ")";
    }
}
