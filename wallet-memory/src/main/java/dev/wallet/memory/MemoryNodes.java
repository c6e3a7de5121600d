package dev.wallet.memory;

import dev.wallet.api.AccountId;
import dev.wallet.api.TransactionId;
import dev.wallet.api.spi.Partitioner;

/**
 * The partitions and the partition map: the part of the in-memory deployment that outlives any one
 * {@link TransferService} (in the design, a cluster of key-value nodes and a coordination service).
 */
final class MemoryNodes {

    private final Partition[] partitions;
    private final Partitioner partitioner;

    MemoryNodes(Partitioner partitioner) {
        this.partitioner = partitioner;
        this.partitions = new Partition[partitioner.partitions()];
        for (int i = 0; i < partitions.length; i++) {
            partitions[i] = new Partition();
        }
    }

    Partition partitionOf(AccountId account) {
        return partitions[partitioner.partitionOf(account)];
    }

    Partition partitionOf(TransactionId id) {
        return partitions[partitioner.partitionOf(id)];
    }
}
