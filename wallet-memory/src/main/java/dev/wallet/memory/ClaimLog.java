package dev.wallet.memory;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.api.Withdrawal;
import dev.wallet.api.internal.IdTable;
import java.util.Arrays;

/**
 * The idempotency records of one partition: for each transaction id, the command that first used
 * it (kept field by field in flat, chunked columns, not as an object per id: its references point
 * to the currency and to the partitions' own account ids), the service executing it while it runs,
 * and, once known, its status. About 60 bytes per id.
 *
 * <p>Not thread-safe: guarded by the owning {@link Partition}'s monitor.
 */
final class ClaimLog {

    private static final int CHUNK_BITS = 14;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    private static final byte PENDING = 0;
    private static final Status[] STATUSES = Status.values();

    private final IdTable ids = new IdTable();
    private byte[][] kinds = new byte[1][];
    private byte[][] statuses = new byte[1][];
    private long[][] amounts = new long[1][];
    private Object[][] references = new Object[1][];

    /**
     * Records a new claim; returns its entry, or {@code -(entry of the earlier claim) - 1}.
     * {@code first} is the transfer's source or the deposit's/withdrawal's account,
     * {@code second} the transfer's target or {@code null}: the partitions' own id objects where
     * the accounts exist.
     */
    int claim(MoneyCommand command, AccountId first, AccountId second, TransferService owner) {
        int entry = ids.add(command.transactionId().value().getMostSignificantBits(),
                command.transactionId().value().getLeastSignificantBits());
        if (entry < 0) {
            return entry;
        }
        int chunk = entry >>> CHUNK_BITS;
        if (chunk == kinds.length || kinds[chunk] == null) {
            addChunk(chunk);
        }
        int at = entry & CHUNK_MASK;
        kinds[chunk][at] = kindOf(command);
        amounts[chunk][at] = command.amount().minor();
        Object[] refs = references[chunk];
        int base = at * 4;
        refs[base] = command.amount().currency();
        refs[base + 1] = first;
        refs[base + 2] = second;
        refs[base + 3] = owner;
        return entry;
    }

    /** The entry of a claimed id, or -1. */
    int find(TransactionId id) {
        return ids.find(id.value().getMostSignificantBits(), id.value().getLeastSignificantBits());
    }

    /** Whether {@code command} is exactly the command of the claim at {@code entry}. */
    boolean samePayload(int entry, MoneyCommand command) {
        int chunk = entry >>> CHUNK_BITS;
        int at = entry & CHUNK_MASK;
        Object[] refs = references[chunk];
        int base = at * 4;
        AccountId first = firstAccount(command);
        AccountId second = command instanceof Transfer t ? t.target() : null;
        return kinds[chunk][at] == kindOf(command)
                && amounts[chunk][at] == command.amount().minor()
                && refs[base].equals(command.amount().currency())
                && refs[base + 1].equals(first)
                && (second == null ? refs[base + 2] == null : second.equals(refs[base + 2]));
    }

    /** The recorded status, or {@code null} while pending. */
    Status status(int entry) {
        byte status = statuses[entry >>> CHUNK_BITS][entry & CHUNK_MASK];
        return status == PENDING ? null : STATUSES[status - 1];
    }

    void complete(int entry, Status status) {
        statuses[entry >>> CHUNK_BITS][entry & CHUNK_MASK] = (byte) (status.ordinal() + 1);
    }

    TransferService owner(int entry) {
        return (TransferService) references[entry >>> CHUNK_BITS][(entry & CHUNK_MASK) * 4 + 3];
    }

    /** Drops the owner reference once a claim is complete, so finished services can be collected. */
    void release(int entry) {
        references[entry >>> CHUNK_BITS][(entry & CHUNK_MASK) * 4 + 3] = null;
    }

    int size() {
        return ids.size();
    }

    /** The source of a transfer, the customer account of a deposit or withdrawal. */
    private static AccountId firstAccount(MoneyCommand command) {
        if (command instanceof Transfer t) {
            return t.source();
        }
        return command instanceof Deposit d ? d.account() : ((Withdrawal) command).account();
    }

    private static byte kindOf(MoneyCommand command) {
        if (command instanceof Transfer) {
            return 1;
        }
        if (command instanceof Deposit) {
            return 2;
        }
        if (command instanceof Withdrawal) {
            return 3;
        }
        throw new IllegalArgumentException("unknown command type: " + command.getClass());
    }

    private void addChunk(int chunk) {
        if (chunk == kinds.length) {
            int length = kinds.length * 2;
            kinds = Arrays.copyOf(kinds, length);
            statuses = Arrays.copyOf(statuses, length);
            amounts = Arrays.copyOf(amounts, length);
            references = Arrays.copyOf(references, length);
        }
        kinds[chunk] = new byte[CHUNK_SIZE];
        statuses[chunk] = new byte[CHUNK_SIZE];
        amounts[chunk] = new long[CHUNK_SIZE];
        references[chunk] = new Object[CHUNK_SIZE * 4];
    }
}
