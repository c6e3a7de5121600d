package dev.wallet.raft;

import dev.wallet.api.AccountId;
import dev.wallet.api.BalanceSnapshot;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Readiness;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.WalletCapacityException;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletMetric;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.CrashPoint;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.api.spi.LedgerRules;
import dev.wallet.api.spi.SimulatedCrashException;
import dev.wallet.eventsourcing.BatchCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the replicated wallet: each caller's commands are encoded on the caller's
 * thread into one {@link ClientBatch} (a large {@code executeBatch} into several of at most
 * {@code batchCommandsMax}), which waits in a queue bounded in commands; one sender thread copies
 * up to {@code batchCommandsMax} commands from the batches in order into one Raft log entry and
 * sends it to the leader asynchronously, keeping up to {@code entriesInFlightMax} entries on their
 * way; an entry that would not be full waits while another such entry is on its way (group commit:
 * synchronous callers share Raft rounds). A batch is answered when every entry that carried its commands is committed and applied,
 * with the outcomes the state machine decided. Ratis finds the leader and retries on leader
 * changes; a write that no majority commits within the write timeout fails with
 * {@link NoQuorumException}, and the Ratis client is replaced so later entries are not held behind it.
 */
final class RaftWallet implements ReplicatedWallet {

    private static final Logger LOG = LoggerFactory.getLogger(RaftWallet.class);

    static final CrashPoint BEFORE_SUBMIT = new CrashPoint("raft.before-submit",
            "the client batched the command but sent nothing to the replicas");
    static final CrashPoint AFTER_COMMIT = new CrashPoint("raft.after-commit-before-reply",
            "a majority committed and applied the batch; the caller heard nothing");
    static final List<CrashPoint> CRASH_POINTS = List.of(BEFORE_SUBMIT, AFTER_COMMIT);

    private enum State { OPEN, CLOSED, CRASHED }

    /** Commands {@code from .. to-1} of a caller's batch, carried by one log entry. */
    private record Segment(ClientBatch batch, int from, int to) {
    }

    private final RaftGroup group;
    private final List<String> replicaIds;
    private final ReplicatedWallet.Builder settings;
    private final FaultInjector faults;
    private final Runnable onClose;
    private final RaftProperties clientProperties = new RaftProperties();
    private final LinkedBlockingQueue<ClientBatch> queue = new LinkedBlockingQueue<>();
    /** Batches submitted and not yet answered (queued or on their way), for lookups of ids in flight. */
    private final Set<ClientBatch> unanswered = ConcurrentHashMap.newKeySet();
    /** Room in the queue, in commands: a caller takes its batch's count, the sender gives it back as it takes them. */
    private final Semaphore room;
    private final Semaphore window;
    /** Entries on their way that were not full when sent (group commit lets one at a time go). */
    private final AtomicInteger partialEntriesInFlight = new AtomicInteger();
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock();
    private final AtomicReference<RaftClient> client = new AtomicReference<>();
    /** The id a readiness check looks up: any id works, the answer is not read. */
    private static final TransactionId READINESS_PROBE = TransactionId.of(0, 1);
    private final AtomicLong lastWriteIndex = new AtomicLong();
    /** The replica that answered the last committed entry (the leader then), and how often it changed. */
    private final AtomicReference<RaftPeerId> lastLeader = new AtomicReference<>();
    private final AtomicLong leaderChanges = new AtomicLong();
    private final AtomicLong entriesCommitted = new AtomicLong();
    private final AtomicLong commandsCommitted = new AtomicLong();
    private final AtomicLong entriesFailed = new AtomicLong();
    private final Thread sender;
    private volatile State state = State.OPEN;
    private volatile SimulatedCrashException crash;

    RaftWallet(Map<String, InetSocketAddress> peers, ReplicatedWallet.Builder settings, Runnable onClose) {
        this.group = RaftGroup.valueOf(ReplicaServer.GROUP_ID, ReplicaServer.ReplicaSettings.raftPeers(peers));
        this.replicaIds = peers.keySet().stream().sorted().toList();
        this.settings = settings;
        this.faults = settings.faults;
        this.onClose = onClose;
        this.room = new Semaphore(settings.queueCapacity, true);
        this.window = new Semaphore(settings.entriesInFlightMax);
        RaftConfigKeys.Rpc.setType(clientProperties, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(clientProperties, Math.max(100, 2 * settings.entriesInFlightMax));
        this.sender = new Thread(this::sendLoop, "raft-wallet-sender");
        sender.setDaemon(true);
        sender.start();
    }

    // The Wallet API.

    @Override
    public OpenResult openAccount(AccountId account, Currency currency) {
        LedgerRules.checkOpenable(account, currency);
        return OpenResult.values()[await(submit(ClientBatch.open(account, currency)))[0]];
    }

    @Override
    public Outcome execute(MoneyCommand command) {
        return await(executeAsync(command));
    }

    @Override
    public CompletableFuture<Outcome> executeAsync(MoneyCommand command) {
        Objects.requireNonNull(command, "command");
        try {
            return submit(ClientBatch.of(List.of(command), 0, 1)).thenApply(codes -> outcome(command, codes[0]));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Encodes and queues the commands in batches of at most {@code batchCommandsMax}, then waits for every answer. */
    @Override
    public List<Outcome> executeBatch(List<? extends MoneyCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        commands.forEach(command -> Objects.requireNonNull(command, "a command of the batch"));
        // An empty batch submits nothing, and a closed wallet refuses it all the same.
        checkOpen();
        int size = fullEntry();
        List<CompletableFuture<byte[]>> answers = new ArrayList<>(commands.size() / size + 1);
        for (int from = 0; from < commands.size(); from += size) {
            answers.add(submit(ClientBatch.of(commands, from, Math.min(commands.size(), from + size))));
        }
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        for (CompletableFuture<byte[]> answer : answers) {
            for (byte code : await(answer)) {
                outcomes.add(outcome(commands.get(outcomes.size()), code));
            }
        }
        return outcomes;
    }

    /** A money command's outcome from its code in an entry's reply. */
    private static Outcome outcome(MoneyCommand command, byte code) {
        if (code == BatchCodec.CAPACITY_EXCEEDED) {
            throw new WalletCapacityException("the replicated idempotency index is full; the wallet cannot take new "
                    + "transaction ids");
        }
        Status status = Status.fromCode((byte) (code & ~BatchCodec.REPLAY_BIT));
        return (code & BatchCodec.REPLAY_BIT) != 0 ? Outcome.replayOf(command.transactionId(), status)
                : Outcome.of(command.transactionId(), status);
    }

    @Override
    public Optional<Money> balance(AccountId account) {
        Objects.requireNonNull(account, "account");
        checkOpen();
        RaftClientReply reply = read(raft -> raft.async().sendReadOnly(message(BatchCodec.balanceQuery(account))), "the leader");
        return BatchCodec.decodeBalance(reply.getMessage().getContent().asReadOnlyByteBuffer());
    }

    @Override
    public BalanceSnapshot balances(Collection<AccountId> accounts) {
        List<AccountId> read = BalanceSnapshot.requested(accounts);
        checkOpen();
        // A linearizable query that the leader's state machine answers under the lock its applying
        // thread holds for a whole entry: every account as of one applied index.
        RaftClientReply reply = read(raft -> raft.async().sendReadOnly(message(BatchCodec.balancesQuery(read))), "the leader");
        List<Optional<Money>> balances = BatchCodec.decodeBalances(reply.getMessage().getContent().asReadOnlyByteBuffer(),
                read.size());
        Map<AccountId, Money> snapshot = new LinkedHashMap<>();
        for (int i = 0; i < read.size(); i++) {
            AccountId account = read.get(i);
            balances.get(i).ifPresent(money -> snapshot.put(account, money));
        }
        return BalanceSnapshot.of(snapshot);
    }

    /**
     * Decided when the replicated state holds the id's outcome (a linearizable read on the leader);
     * in flight when it does not and a batch of this client that carries the id is still unanswered
     * (queued, or in a log entry not yet committed and applied); empty otherwise. A batch that
     * failed with {@link NoQuorumException} is no longer this client's: its commands may still be
     * committed later, so an id looked up empty after such a failure may be decided afterwards.
     */
    @Override
    public Optional<TransactionLookup> lookup(TransactionId transactionId) {
        Objects.requireNonNull(transactionId, "transactionId");
        checkOpen();
        // Looked at before the read: a batch still unanswered then and undecided after is in flight.
        boolean carried = unanswered.stream().anyMatch(batch -> batch.carries(transactionId));
        RaftClientReply reply = read(raft -> raft.async().sendReadOnly(message(BatchCodec.lookupQuery(transactionId))),
                "the leader");
        Optional<Status> decided = BatchCodec.decodeLookup(reply.getMessage().getContent().asReadOnlyByteBuffer());
        if (decided.isPresent()) {
            return Optional.of(TransactionLookup.decided(transactionId, decided.get()));
        }
        return carried ? Optional.of(TransactionLookup.inFlight(transactionId)) : Optional.empty();
    }

    /**
     * Ready when a linearizable read succeeds within a second: a leader is known and holds a
     * majority's lease or read index. Executes nothing.
     */
    @Override
    public Readiness readiness() {
        if (state != State.OPEN) {
            return Readiness.notReady(closedError().getMessage());
        }
        RaftClient raft = raftClient();
        try {
            RaftClientReply reply = raft.async().sendReadOnly(message(BatchCodec.lookupQuery(READINESS_PROBE)))
                    .get(1, TimeUnit.SECONDS);
            if (!reply.isSuccess()) {
                return Readiness.notReady("no Raft leader answers: " + reply.getException());
            }
            return Readiness.ready("Raft leader " + reply.getServerId() + " answers for replicas " + replicaIds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Readiness.notReady("interrupted while asking the Raft leader");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return Readiness.notReady("no Raft leader answers within 1 s: " + (e.getCause() == null ? e : e.getCause()));
        }
    }

    @Override
    public List<WalletMetric> metrics() {
        return List.of(
                WalletMetric.counter("wallet.raft.entries", "Raft log entries committed for this client", "entries",
                        entriesCommitted::get),
                WalletMetric.counter("wallet.raft.commands", "Commands in those entries; divided by entries, the batch size",
                        "commands", commandsCommitted::get),
                WalletMetric.counter("wallet.raft.entries.failed", "Entries not committed (no quorum, timeout); "
                        + "their commands were answered unavailable", "entries", entriesFailed::get),
                WalletMetric.counter("wallet.raft.leader.changes", "Times the replica answering committed entries changed",
                        "changes", leaderChanges::get),
                WalletMetric.gauge("wallet.raft.queue", "Batches of callers waiting to be sent to the leader", "batches", queue::size));
    }

    @Override
    public Optional<Money> staleBalance(AccountId account, String replicaId, long minIndex) {
        Objects.requireNonNull(account, "account");
        RaftPeerId peer = peer(replicaId);
        if (minIndex < 0) {
            throw new IllegalArgumentException("minIndex must not be negative: " + minIndex);
        }
        checkOpen();
        RaftClientReply reply = read(raft -> raft.async().sendStaleRead(message(BatchCodec.balanceQuery(account)), minIndex, peer),
                "replica " + replicaId);
        return BatchCodec.decodeBalance(reply.getMessage().getContent().asReadOnlyByteBuffer());
    }

    @Override
    public ReplicaState replicaState(String replicaId) {
        RaftPeerId peer = peer(replicaId);
        checkOpen();
        RaftClientReply reply = read(raft -> raft.async().sendStaleRead(message(BatchCodec.stateQuery()), 0, peer),
                "replica " + replicaId);
        return ReplicaState.of(replicaId, BatchCodec.decodeState(reply.getMessage().getContent().asReadOnlyByteBuffer()));
    }

    @Override
    public long lastWriteIndex() {
        return lastWriteIndex.get();
    }

    @Override
    public List<String> replicaIds() {
        return replicaIds;
    }

    /** Sends what is queued, waits for the entries on their way, then releases the client (and an embedded cluster). */
    @Override
    public void close() {
        stateLock.writeLock().lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            if (state == State.OPEN) {
                state = State.CLOSED;
            }
        } finally {
            stateLock.writeLock().unlock();
        }
        try {
            sender.join();
            if (!window.tryAcquire(settings.entriesInFlightMax, settings.writeTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("closing with replicated entries still unanswered");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failQueued(closedError());
            RaftClient last = client.getAndSet(null);
            closeQuietly(last);
            state = State.CLOSED;
            onClose.run();
        }
    }

    // Sending.

    private CompletableFuture<byte[]> submit(ClientBatch batch) {
        stateLock.readLock().lock();
        try {
            checkOpen();
            if (!room.tryAcquire(batch.count(), settings.writeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new WalletUnavailableException("the replicated wallet's queue stayed full for " + settings.writeTimeout
                        + "; the cluster is not keeping up (or has no quorum)");
            }
            unanswered.add(batch);
            batch.answers().whenComplete((codes, error) -> unanswered.remove(batch));
            queue.add(batch);
            if (queuedCommands() >= settings.batchCommandsMax) {
                LockSupport.unpark(sender);
            }
            if (state == State.CRASHED) {
                // The crash may have emptied the queue before this batch was in it, and the sender may be gone.
                failQueued(closedError());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletUnavailableException("interrupted while waiting for room in the queue", e);
        } finally {
            stateLock.readLock().unlock();
        }
        return batch.answers();
    }

    /**
     * Takes commands from the queued batches in order, up to {@code batchCommandsMax} per entry (a
     * batch that does not fit whole goes on in the next entry), and sends each entry; after close,
     * goes on until the queue is empty. Only close ends it: an interrupt while the wallet is open
     * is ignored (callers would otherwise wait for batches no thread sends), and an entry that
     * cannot be sent fails its own batches only.
     */
    private void sendLoop() {
        ClientBatch current = null;
        List<Segment> entry = new ArrayList<>();
        while (true) {
            try {
                if (current == null) {
                    current = queue.poll(20, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                if (state == State.OPEN) {
                    continue;
                }
                return;
            }
            if (current == null) {
                if (state != State.OPEN) {
                    return;
                }
                continue;
            }
            if (!fillsAnEntry() && partialEntriesInFlight.get() > 0 && state == State.OPEN) {
                // Group commit: an entry that would not be full waits while another such entry is on
                // its way, so that callers arriving meanwhile share the next entry (and its Raft
                // round) instead of each paying for one. Full entries go at once, up to the window.
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
                continue;
            }
            int commands = 0;
            int bytes = 5;
            while (current != null && commands < settings.batchCommandsMax) {
                int from = current.taken;
                int to = Math.min(current.count(), from + settings.batchCommandsMax - commands);
                entry.add(new Segment(current, from, to));
                current.taken = to;
                commands += to - from;
                bytes += current.bytes(from, to);
                room.release(to - from);
                current = to == current.count() ? queue.poll() : current;
            }
            List<Segment> sending = List.copyOf(entry);
            entry.clear();
            if (state == State.CRASHED) {
                fail(sending, closedError());
                continue;
            }
            // Bounded: every entry in flight is answered or times out within the write timeout.
            window.acquireUninterruptibly();
            boolean partial = commands < fullEntry();
            if (partial) {
                partialEntriesInFlight.incrementAndGet();
            }
            try {
                faults.reach(BEFORE_SUBMIT);
                send(sending, commands, bytes, partial);
            } catch (SimulatedCrashException simulated) {
                answered(partial);
                crashed(simulated, sending);
            } catch (RuntimeException e) {
                answered(partial);
                fail(sending, unavailable(e, "could not send the batch"));
            } catch (OutOfMemoryError e) {
                answered(partial);
                fail(sending, new WalletUnavailableException("no memory for a log entry of " + bytes + " bytes", e));
            }
        }
    }

    /** Commands callers have queued that no entry carries yet, the ones the sender holds included. */
    int queuedCommands() {
        return settings.queueCapacity - room.availablePermits();
    }

    /** Whether the commands queued fill a whole entry. */
    private boolean fillsAnEntry() {
        return queuedCommands() >= fullEntry();
    }

    /** The commands of a full entry: {@code batchCommandsMax}, or the whole queue when it holds fewer. */
    private int fullEntry() {
        return Math.min(settings.batchCommandsMax, settings.queueCapacity);
    }

    /** Log entries sent and not yet answered. */
    int entriesInFlight() {
        return settings.entriesInFlightMax - window.availablePermits();
    }

    /** An entry is no longer on its way: its slot in the window is free, and the sender may go on. */
    private void answered(boolean partial) {
        if (partial) {
            partialEntriesInFlight.decrementAndGet();
        }
        window.release();
        LockSupport.unpark(sender);
    }

    private void send(List<Segment> segments, int commands, int bytes, boolean partial) {
        ByteBuffer entry = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        entry.put(BatchCodec.VERSION).putInt(commands);
        for (Segment segment : segments) {
            segment.batch.copyItems(segment.from, segment.to, entry);
        }
        RaftClient raft = raftClient();
        raft.async().send(message(entry.flip()))
                .orTimeout(settings.writeTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((reply, error) -> {
                    answered(partial);
                    try {
                        if (error == null && reply.isSuccess()) {
                            faults.reach(AFTER_COMMIT);
                            deliver(segments, commands, reply);
                        } else {
                            replace(raft);
                            entriesFailed.incrementAndGet();
                            fail(segments, error != null ? unavailable(error, "the batch was not committed")
                                    : failureOf(reply));
                        }
                    } catch (SimulatedCrashException simulated) {
                        crashed(simulated, segments);
                    } catch (RuntimeException e) {
                        fail(segments, e);
                    }
                });
    }

    private void deliver(List<Segment> segments, int commands, RaftClientReply reply) {
        ByteBuffer codes = reply.getMessage().getContent().asReadOnlyByteBuffer();
        if (codes.remaining() != commands) {
            fail(segments, new IllegalStateException("the replicas answered " + codes.remaining() + " outcomes for a batch of "
                    + commands + " (a replica of another version, or a refused entry)"));
            return;
        }
        lastWriteIndex.accumulateAndGet(reply.getLogIndex(), Math::max);
        entriesCommitted.incrementAndGet();
        commandsCommitted.addAndGet(commands);
        RaftPeerId leader = reply.getServerId();
        RaftPeerId before = lastLeader.getAndSet(leader);
        if (before != null && !before.equals(leader)) {
            leaderChanges.incrementAndGet();
        }
        for (Segment segment : segments) {
            segment.batch.answer(segment.from, codes, segment.to - segment.from);
        }
    }

    private static RuntimeException failureOf(RaftClientReply reply) {
        if (reply.getException() instanceof StateMachineException refused) {
            return new IllegalStateException("the replicas refused the batch: " + refused.getMessage(), refused);
        }
        return unavailable(reply.getException(), "the batch was not committed");
    }

    private static RuntimeException unavailable(Throwable error, String what) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RuntimeException runtime && cause instanceof dev.wallet.api.WalletException) {
            return runtime;
        }
        String reason = cause instanceof TimeoutException ? "no majority answered in time" : String.valueOf(cause);
        return new NoQuorumException(what + ": " + reason + "; retry with the same transaction id", cause);
    }

    private static void fail(List<Segment> segments, RuntimeException error) {
        segments.forEach(segment -> segment.batch.fail(error));
    }

    /** A simulated crash: this client dies like a killed process; the batches in hand fail with the crash. */
    private void crashed(SimulatedCrashException simulated, List<Segment> segments) {
        crash = simulated;
        state = State.CRASHED;
        fail(segments, simulated);
        failQueued(closedError());
    }

    private void failQueued(RuntimeException error) {
        List<ClientBatch> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(batch -> batch.fail(error));
    }

    // Reading.

    private interface ReadCall {
        CompletableFuture<RaftClientReply> send(RaftClient raft);
    }

    /**
     * Sends a read, retrying while the replicas have no leader yet (just started, or electing one),
     * up to the write timeout.
     */
    private RaftClientReply read(ReadCall call, String from) {
        long deadline = System.nanoTime() + settings.writeTimeout.toNanos();
        while (true) {
            RaftClient raft = raftClient();
            try {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                RaftClientReply reply = call.send(raft).get(left, TimeUnit.MILLISECONDS);
                if (reply.isSuccess()) {
                    return reply;
                }
                if (!electing(reply.getException()) || System.nanoTime() > deadline) {
                    throw new WalletUnavailableException("read from " + from + " failed: " + reply.getException(),
                            reply.getException());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WalletUnavailableException("interrupted while reading from " + from, e);
            } catch (ExecutionException | TimeoutException e) {
                replace(raft);
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (!electing(cause) || System.nanoTime() > deadline) {
                    throw new WalletUnavailableException("read from " + from + " failed: " + cause, cause);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WalletUnavailableException("interrupted while reading from " + from, e);
            }
        }
    }

    /** Whether a read failed only because the replicas have no leader yet (a start, an election). */
    private static boolean electing(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ReadIndexException || cause instanceof LeaderNotReadyException
                    || cause instanceof NotLeaderException) {
                return true;
            }
        }
        return false;
    }

    // The Ratis client.

    private RaftClient raftClient() {
        RaftClient current = client.get();
        if (current != null) {
            return current;
        }
        synchronized (client) {
            current = client.get();
            if (current == null) {
                long attempts = Math.max(3, settings.writeTimeout.toMillis() / 100);
                current = RaftClient.newBuilder()
                        .setClientId(ClientId.randomId())
                        .setProperties(clientProperties)
                        .setRaftGroup(group)
                        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) Math.min(attempts, 6_000),
                                TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                        .build();
                client.set(current);
            }
            return current;
        }
    }

    /** After a failure the ordered Ratis client fails everything behind it; later batches use a new one. */
    private void replace(RaftClient failed) {
        if (client.compareAndSet(failed, null)) {
            closeQuietly(failed);
        }
    }

    private static void closeQuietly(RaftClient raft) {
        if (raft != null) {
            try {
                raft.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing a Ratis client", e);
            }
        }
    }

    // Helpers.

    private RaftPeerId peer(String replicaId) {
        Objects.requireNonNull(replicaId, "replicaId");
        if (!replicaIds.contains(replicaId)) {
            throw new IllegalArgumentException("no replica " + replicaId + " in " + replicaIds);
        }
        return RaftPeerId.valueOf(replicaId);
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw closedError();
        }
    }

    private WalletClosedException closedError() {
        return state == State.CRASHED
                ? new WalletClosedException("this replicated wallet crashed (simulated); open it again", crash)
                : new WalletClosedException("this replicated wallet is closed");
    }

    private static Message message(ByteBuffer bytes) {
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }
}
