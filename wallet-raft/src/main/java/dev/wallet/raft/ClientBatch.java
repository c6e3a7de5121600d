package dev.wallet.raft;

import dev.wallet.api.AccountId;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.TransactionId;
import dev.wallet.eventsourcing.BatchCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Currency;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One caller's commands (or account to open) on their way to the replicas: encoded once, on the
 * caller's thread, as the items of a format-1 batch ({@link BatchCodec}), and answered as a whole.
 * The sender copies its items into log entries, possibly across several; each entry's reply fills
 * in the answers of the items it carried, and the batch completes when every item is answered, or
 * fails as a whole when an entry that carried any of its items fails.
 *
 * <p>Encoding and answers are thread-safe; which items were taken is the sender's alone.
 */
final class ClientBatch {

    private final byte[] bytes;
    /** Where each item ends in {@code bytes}. */
    private final int[] ends;
    private final byte[] codes;
    private final CompletableFuture<byte[]> answers = new CompletableFuture<>();
    /** Guarded by {@code this}. */
    private int answered;
    /** Items the sender has put into entries so far; only the sender thread reads or changes it. */
    int taken;

    /**
     * The commands' transaction ids, most and least significant bits in turn, for lookups while the
     * batch is unanswered; empty for an open. Copied, so that the caller may reuse its list.
     */
    private final long[] ids;

    private ClientBatch(byte[] bytes, int[] ends, long[] ids) {
        this.bytes = bytes;
        this.ends = ends;
        this.codes = new byte[ends.length];
        this.ids = ids;
    }

    /** Commands {@code from .. to-1} of {@code commands}, encoded. */
    static ClientBatch of(List<? extends MoneyCommand> commands, int from, int to) {
        int[] ends = new int[to - from];
        int size = 0;
        for (int i = from; i < to; i++) {
            size += BatchCodec.moneyItemBytes(commands.get(i));
            ends[i - from] = size;
        }
        ByteBuffer out = ByteBuffer.wrap(new byte[size]).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) {
            BatchCodec.putMoneyItem(commands.get(i), out);
        }
        long[] ids = new long[2 * (to - from)];
        for (int i = from; i < to; i++) {
            UUID id = commands.get(i).transactionId().value();
            ids[2 * (i - from)] = id.getMostSignificantBits();
            ids[2 * (i - from) + 1] = id.getLeastSignificantBits();
        }
        return new ClientBatch(out.array(), ends, ids);
    }

    /** One account to open, encoded. */
    static ClientBatch open(AccountId account, Currency currency) {
        ByteBuffer out = ByteBuffer.wrap(new byte[BatchCodec.openItemBytes(account)]);
        BatchCodec.putOpenItem(account, currency, out);
        return new ClientBatch(out.array(), new int[] {out.capacity()}, new long[0]);
    }

    /** Whether one of this batch's commands has the id (a linear scan: lookups are rare). */
    boolean carries(TransactionId id) {
        long msb = id.value().getMostSignificantBits();
        long lsb = id.value().getLeastSignificantBits();
        for (int i = 0; i < ids.length; i += 2) {
            if (ids[i] == msb && ids[i + 1] == lsb) {
                return true;
            }
        }
        return false;
    }

    int count() {
        return ends.length;
    }

    /** The bytes of items {@code from .. to-1}. */
    int bytes(int from, int to) {
        return ends[to - 1] - (from == 0 ? 0 : ends[from - 1]);
    }

    /** Copies items {@code from .. to-1} into {@code entry} at its position. */
    void copyItems(int from, int to, ByteBuffer entry) {
        int start = from == 0 ? 0 : ends[from - 1];
        entry.put(bytes, start, ends[to - 1] - start);
    }

    /** Takes the answers of items {@code from .. from+count-1} from {@code reply} at its position; completes when all are in. */
    void answer(int from, ByteBuffer reply, int count) {
        boolean complete;
        synchronized (this) {
            reply.get(codes, from, count);
            answered += count;
            complete = answered == codes.length;
        }
        if (complete) {
            answers.complete(codes);
        }
    }

    /** Fails the batch as a whole (later answers are ignored). */
    void fail(RuntimeException error) {
        answers.completeExceptionally(error);
    }

    /** One outcome code per item ({@link BatchCodec}'s reply), once every item is answered. */
    CompletableFuture<byte[]> answers() {
        return answers;
    }
}
