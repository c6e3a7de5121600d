package dev.wallet.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Transfer;
import dev.wallet.api.WalletUnavailableException;
import dev.wallet.api.spi.FaultInjector;
import dev.wallet.eventsourcing.BatchCodec;
import dev.wallet.eventsourcing.ReplicaLedger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failover, quorum loss, rejoin and snapshot catch-up of a three-replica cluster in this JVM. */
class ReplicatedClusterTest {

    private static final int ACCOUNTS = 10;

    @Test
    void leaderLossWhileStreaming_newLeaderTakesOver_nothingAcknowledgedIsLost(@TempDir Path directory) throws Exception {
        ClusterHarness.run(directory, settings -> settings.batchCommandsMax(64), (cluster, wallet) -> {
            Ledger.fund(wallet, ACCOUNTS);
            String oldLeader = ClusterHarness.awaitLeader(cluster);
            Map<Transfer, Outcome> acknowledged = new java.util.concurrent.ConcurrentHashMap<>();
            AtomicBoolean streaming = new AtomicBoolean(true);
            AtomicInteger retried = new AtomicInteger();
            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
                Random random = new Random(61);
                try {
                    while (streaming.get()) {
                        List<Transfer> window = new ArrayList<>();
                        List<CompletableFuture<Outcome>> answers = new ArrayList<>();
                        for (int i = 0; i < 100; i++) {
                            Transfer transfer = Ledger.transfer(random, ACCOUNTS);
                            window.add(transfer);
                            answers.add(wallet.transferAsync(transfer));
                        }
                        for (int i = 0; i < window.size(); i++) {
                            Outcome outcome;
                            try {
                                outcome = answers.get(i).join();
                            } catch (CompletionException e) {
                                if (!(e.getCause() instanceof WalletUnavailableException)) {
                                    throw e;
                                }
                                retried.incrementAndGet();
                                outcome = ClusterHarness.executeRetrying(wallet, window.get(i));
                            }
                            acknowledged.put(window.get(i), outcome);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            ClusterHarness.await("2,000 acknowledgements", () -> acknowledged.size() >= 2_000 || stream.isDone());
            cluster.stop(oldLeader);
            int atLoss = acknowledged.size();
            String newLeader = ClusterHarness.awaitLeader(cluster);
            ClusterHarness.await("2,000 more acknowledgements under the new leader",
                    () -> acknowledged.size() >= atLoss + 2_000 || stream.isDone());
            streaming.set(false);
            stream.join();
            assertNotEquals(oldLeader, newLeader);

            cluster.start(oldLeader);
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
            List<Transfer> sent = List.copyOf(acknowledged.keySet());
            List<Outcome> again = wallet.executeBatch(sent);
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(Outcome.replayOf(sent.get(i).transactionId(), acknowledged.get(sent.get(i)).status()), again.get(i),
                        "an acknowledged transfer is in the replicated idempotency index");
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS), "money is conserved");
            System.out.printf("leader %s stopped after %d acknowledgements; %s took over; %d acknowledged in all, "
                    + "%d calls retried during the change%n", oldLeader, atLoss, newLeader, acknowledged.size(), retried.get());
        });
    }

    @Test
    void minorityLossKeepsWriting_majorityLossFailsTyped_nothingHalfAppliedWhenQuorumReturns(@TempDir Path directory)
            throws Exception {
        ClusterHarness.run(directory, settings -> settings.writeTimeout(Duration.ofSeconds(2)), (cluster, wallet) -> {
            Ledger.fund(wallet, ACCOUNTS);
            Map<AccountId, Long> expected = new HashMap<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                expected.put(Ledger.account(i), 1_000_000L);
            }
            Random random = new Random(67);
            String leader = ClusterHarness.awaitLeader(cluster);
            List<String> followers = cluster.replicaIds().stream().filter(id -> !id.equals(leader)).toList();

            cluster.stop(followers.get(0));
            for (int i = 0; i < 50; i++) {
                Transfer transfer = Ledger.transfer(random, ACCOUNTS);
                record(expected, wallet.execute(transfer), transfer);
            }
            List<Transfer> stepOne = Stream.generate(() -> Ledger.transfer(random, ACCOUNTS)).limit(50).toList();
            wallet.executeBatch(stepOne).forEach(outcome -> assertEquals(Status.SUCCESS, outcome.status()));
            stepOne.forEach(transfer -> record(expected, Outcome.of(transfer.transactionId(), Status.SUCCESS), transfer));

            cluster.stop(followers.get(1));
            List<Transfer> unconfirmed = Stream.generate(() -> Ledger.transfer(random, ACCOUNTS)).limit(200).toList();
            long started = System.nanoTime();
            List<CompletableFuture<Outcome>> answers = unconfirmed.stream().map(wallet::transferAsync).toList();
            for (CompletableFuture<Outcome> answer : answers) {
                CompletionException failure = assertThrows(CompletionException.class, answer::join, "no write without a majority");
                assertTrue(failure.getCause() instanceof NoQuorumException, () -> "typed error: " + failure.getCause());
            }
            long failedAfterMillis = (System.nanoTime() - started) / 1_000_000;
            assertThrows(NoQuorumException.class, () -> wallet.execute(unconfirmed.get(0)));
            assertThrows(WalletUnavailableException.class, () -> wallet.balance(Ledger.account(0)),
                    "a linearizable read needs a majority too");

            cluster.start(followers.get(0));
            cluster.start(followers.get(1));
            ClusterHarness.awaitLeader(cluster);
            for (Transfer transfer : unconfirmed) {
                Outcome outcome = ClusterHarness.executeRetrying(wallet, transfer);
                record(expected, outcome, transfer);
            }
            for (Map.Entry<AccountId, Long> account : expected.entrySet()) {
                assertEquals(Optional.of(Money.of(Ledger.USD, account.getValue())), wallet.balance(account.getKey()),
                        "each unconfirmed transfer moved both legs or neither: " + account.getKey());
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
            System.out.printf("without a majority, 200 writes failed with NoQuorumException after %d ms (write timeout 2 s)%n",
                    failedAfterMillis);
        });
    }

    private static void record(Map<AccountId, Long> expected, Outcome outcome, Transfer transfer) {
        if (outcome.status() == Status.SUCCESS) {
            expected.merge(transfer.source(), -transfer.amount().minor(), Long::sum);
            expected.merge(transfer.target(), transfer.amount().minor(), Long::sum);
        }
    }

    /**
     * Group commit on the client: while an entry is on its way, commands that would not fill an
     * entry wait, and go together in one entry as soon as it is answered. The two followers are
     * stopped so that the first entry stays in flight as long as the test needs.
     */
    @Test
    void commandsArrivingWhileAnEntryIsInFlight_shareTheNextEntry(@TempDir Path directory) throws Exception {
        ClusterHarness.run(directory, settings -> settings.writeTimeout(Duration.ofSeconds(60)), (cluster, replicated) -> {
            RaftWallet wallet = (RaftWallet) replicated;
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(97);
            String leader = ClusterHarness.awaitLeader(cluster);
            List<String> followers = cluster.replicaIds().stream().filter(id -> !id.equals(leader)).toList();
            followers.forEach(cluster::stop);
            long entriesBefore = counter(wallet, "wallet.raft.entries");
            long commandsBefore = counter(wallet, "wallet.raft.commands");

            List<CompletableFuture<Outcome>> answers = new ArrayList<>();
            answers.add(wallet.executeAsync(Ledger.transfer(random, ACCOUNTS)));
            ClusterHarness.await("an entry in flight", () -> wallet.entriesInFlight() == 1);
            for (int i = 0; i < 9; i++) {
                answers.add(wallet.executeAsync(Ledger.transfer(random, ACCOUNTS)));
            }
            ClusterHarness.await("9 commands waiting", () -> wallet.queuedCommands() == 9);
            assertEquals(1, wallet.entriesInFlight(), "the waiting commands were not sent one by one");

            followers.forEach(cluster::start);
            for (CompletableFuture<Outcome> answer : answers) {
                assertEquals(Status.SUCCESS, answer.join().status());
            }
            assertEquals(2, counter(wallet, "wallet.raft.entries") - entriesBefore, "one entry, then one for the nine");
            assertEquals(10, counter(wallet, "wallet.raft.commands") - commandsBefore);
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
        });
    }

    /**
     * A window of 50 ids per replica: older ids move to each replica's id archive and keep their
     * outcome, through a restart of the whole cluster and on a replica that catches up by
     * installing a snapshot (which brings the generations it relies on); every replica seals at
     * the same entries, so their digests agree.
     */
    @Test
    void idsBeyondTheWindow_liveInTheArchive_throughRestartAndSnapshotInstall(@TempDir Path directory) throws Exception {
        List<Transfer> early = new ArrayList<>();
        Consumer<EmbeddedCluster.Builder> settings = builder -> builder.idWindow(50).idFilterBytes(1024).batchCommandsMax(4)
                .snapshotEveryEntries(16).logSegmentBytes(16 << 10);
        ClusterHarness.run(directory, settings, (cluster, wallet) -> {
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(101);
            early.addAll(Ledger.transfers(wallet, random, ACCOUNTS, 300));
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
            for (String replica : cluster.replicaIds()) {
                long inMemory = cluster.state(replica).idsInMemory();
                assertTrue(inMemory < 200, replica + " holds " + inMemory + " ids in memory");
                assertFalse(generations(cluster, replica).isEmpty(), replica + " archived no window");
            }
            assertRepeatsAnswerAsBefore(wallet, early);

            String leader = ClusterHarness.awaitLeader(cluster);
            String lagging = cluster.replicaIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
            long indexWhenStopped = cluster.state(lagging).appliedIndex();
            cluster.stop(lagging);
            Ledger.transfers(wallet, random, ACCOUNTS, 300);
            String current = ClusterHarness.awaitLeader(cluster);
            ClusterHarness.await("the leader purging its log past the stopped replica",
                    () -> cluster.logStartIndex(current) > indexWhenStopped + 1);
            cluster.start(lagging);
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
            assertTrue(generations(cluster, lagging).containsAll(generations(cluster, current).subList(0, 3)),
                    "the installed snapshot brought the leader's oldest generations");
            // The lagging replica's own state answers the first transfers, from the generations it installed.
            for (Transfer transfer : early.subList(0, 20)) {
                ByteBuffer answer = cluster.stateMachine(lagging)
                        .query(Message.valueOf(UnsafeByteOperations.unsafeWrap(BatchCodec.lookupQuery(transfer.transactionId()))))
                        .get().getContent().asReadOnlyByteBuffer();
                assertEquals(Optional.of(Status.SUCCESS), BatchCodec.decodeLookup(answer), transfer.toString());
            }
        });
        // A restart of the whole cluster: each replica opens its newest snapshot and its archive.
        ClusterHarness.run(directory, settings, (cluster, wallet) -> {
            assertRepeatsAnswerAsBefore(wallet, early);
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
        });
    }

    /** Every transfer repeats as a replay of its success; with another amount it is a conflict that moves nothing. */
    private static void assertRepeatsAnswerAsBefore(ReplicatedWallet wallet, List<Transfer> transfers) {
        List<Outcome> repeated = wallet.executeBatch(transfers);
        for (int i = 0; i < transfers.size(); i++) {
            assertEquals(Status.SUCCESS, repeated.get(i).status(), transfers.get(i).toString());
            assertTrue(repeated.get(i).replay(), transfers.get(i).toString());
        }
        Transfer first = transfers.get(0);
        Transfer changed = new Transfer(first.transactionId(), first.source(), first.target(),
                Money.of(Ledger.USD, first.amount().minor() + 1));
        assertEquals(Status.CONFLICT, wallet.execute(changed).status());
        assertEquals(Optional.of(Status.SUCCESS), wallet.lookup(first.transactionId()).flatMap(TransactionLookup::status));
        assertEquals(0, Ledger.total(wallet, ACCOUNTS));
    }

    private static List<String> generations(EmbeddedCluster cluster, String replica) throws java.io.IOException {
        Path ids = cluster.replicaDirectory(replica).resolve(ReplicaServer.GROUP_ID.getUuid().toString()).resolve("sm")
                .resolve(ReplicaLedger.ARCHIVE_DIRECTORY);
        if (!Files.isDirectory(ids)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(ids)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".gen")).sorted().toList();
        }
    }

    private static long counter(ReplicatedWallet wallet, String name) {
        return (long) wallet.metrics().stream().filter(metric -> metric.name().equals(name)).findFirst().orElseThrow()
                .value();
    }

    @Test
    void replicaRestartedFromItsStorageRejoins_andOneWhoseLogWasPurgedCatchesUpBySnapshot(@TempDir Path directory)
            throws Exception {
        ClusterHarness.run(directory, settings -> settings.batchCommandsMax(4).snapshotEveryEntries(16).logSegmentBytes(16 << 10), (cluster, wallet) -> {
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(71);
            String leader = ClusterHarness.awaitLeader(cluster);
            String lagging = cluster.replicaIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();

            cluster.stop(lagging);
            cluster.start(lagging);
            Ledger.transfers(wallet, random, ACCOUNTS, 20);
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());

            long indexWhenStopped = cluster.state(lagging).appliedIndex();
            cluster.stop(lagging);
            for (int round = 0; round < 40; round++) {
                wallet.executeBatch(Stream.generate(() -> Ledger.transfer(random, ACCOUNTS)).limit(16).toList());
            }
            String current = ClusterHarness.awaitLeader(cluster);
            ClusterHarness.await("the leader purging its log past the stopped replica",
                    () -> cluster.logStartIndex(current) > indexWhenStopped + 1);
            cluster.start(lagging);
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
            try (Stream<Path> files = Files.list(cluster.replicaDirectory(lagging).resolve(ReplicaServer.GROUP_ID.getUuid().toString())
                    .resolve("sm"))) {
                assertFalse(files.filter(file -> file.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList().isEmpty(),
                        "the lagging replica holds an installed snapshot");
            }
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
        });
    }

    /**
     * Snapshots follow the state's growth, not a fixed count: a new one once the commands decided
     * since the last number half its events (every command here is a new transfer, one event
     * each, so each snapshot holds at least half again the events of the one before); each
     * replica keeps its newest two (and, for a moment, a third whose write finished after the last
     * entry was applied), with no MD5 file beside them; and no replica's log is purged past its
     * newest snapshot. A follower that fell behind the purged log (a slow machine) installs the
     * leader's snapshot instead: Ratis replaces its snapshot directory with that one and an MD5
     * file, so it may hold a single snapshot; at most one replica may have done so.
     */
    @Test
    void snapshotsFollowTheStatesGrowth_theNewestTwoAreKept_theLogCoversTheRest(@TempDir Path directory) throws Exception {
        ClusterHarness.run(directory, settings -> settings.batchCommandsMax(4).snapshotEveryEntries(16).logSegmentBytes(16 << 10),
                (cluster, wallet) -> {
                    Ledger.fund(wallet, ACCOUNTS);
                    Random random = new Random(73);
                    for (int round = 0; round < 120; round++) {
                        wallet.executeBatch(Stream.generate(() -> Ledger.transfer(random, ACCOUNTS)).limit(16).toList());
                    }
                    ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
                    int installed = 0;
                    for (String replica : cluster.replicaIds()) {
                        Path machine = cluster.replicaDirectory(replica).resolve(ReplicaServer.GROUP_ID.getUuid().toString())
                                .resolve("sm");
                        List<Path> snapshots;
                        try (Stream<Path> files = Files.list(machine)) {
                            snapshots = files.filter(file -> file.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
                                    .sorted(java.util.Comparator.comparingLong(ReplicatedClusterTest::indexOf)).toList();
                        }
                        boolean installedOne = snapshots.stream().anyMatch(snapshot -> Files.exists(Path.of(snapshot + ".md5")));
                        installed += installedOne ? 1 : 0;
                        assertTrue(snapshots.size() >= (installedOne ? 1 : 2) && snapshots.size() <= 3,
                                replica + " keeps its newest two snapshots: " + snapshots);
                        for (int i = 0; i < snapshots.size(); i++) {
                            if (i > 0) {
                                long older = ReplicaLedger.sequenceOf(snapshots.get(i - 1));
                                long newer = ReplicaLedger.sequenceOf(snapshots.get(i));
                                assertTrue(newer - older >= older / 2, replica + ": a snapshot once the state grew by half, not at "
                                        + older + " -> " + newer + " events");
                            }
                        }
                        long newest = indexOf(snapshots.get(snapshots.size() - 1));
                        assertTrue(cluster.logStartIndex(replica) <= newest + 1, replica + "'s log starts at "
                                + cluster.logStartIndex(replica) + ", past its newest snapshot at " + newest);
                    }
                    assertTrue(installed <= 1, installed + " replicas installed a snapshot instead of writing their own");
                    assertEquals(0, Ledger.total(wallet, ACCOUNTS));
                });
    }

    private static long indexOf(Path snapshot) {
        String name = snapshot.getFileName().toString();
        return Long.parseLong(name.substring(name.indexOf('_') + 1));
    }

    /**
     * Callers' batches that do not fit an entry go on in the next one, and entries are filled from
     * several callers' batches: with the sender held at its first entry while three callers queue
     * 15 transfers each (batches of 10 and 5), the 45 go out in 5 entries of at most 10, not 6, and
     * every caller gets its own outcomes in its own order. Each caller's transfers have outcomes
     * that do not depend on how the callers interleave (successes, too large, from an unknown
     * account, repeats and conflicts of its own earlier ones), drawn per caller, so outcomes handed
     * to the wrong caller or out of order do not match.
     */
    /**
     * The pull of a replicated command's status: in flight while this client holds it (here, held
     * before it is sent), decided once committed, and empty for an id no batch carried.
     */
    @Test
    void lookup_ofACommandHeldBeforeItIsSent_isInFlightThenDecided(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        ClusterHarness.run(directory, settings -> settings.faultInjector(faults), (cluster, wallet) -> {
            Ledger.fund(wallet, ACCOUNTS);
            ClusterHarness.Hold hold = ClusterHarness.hold(faults, RaftWallet.BEFORE_SUBMIT);
            Transfer transfer = Ledger.transfer(new Random(83), ACCOUNTS);
            CompletableFuture<Outcome> pending = wallet.transferAsync(transfer);
            try {
                hold.awaitReached();
                assertEquals(java.util.Optional.of(dev.wallet.api.TransactionLookup.inFlight(transfer.transactionId())),
                        wallet.lookup(transfer.transactionId()), "held before it was sent");
                assertEquals(java.util.Optional.empty(), wallet.lookup(dev.wallet.api.TransactionId.random()),
                        "an id no batch carried");
            } finally {
                hold.release();
            }
            Outcome outcome = pending.get(ClusterHarness.PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(java.util.Optional.of(dev.wallet.api.TransactionLookup.decided(transfer.transactionId(),
                    outcome.status())), wallet.lookup(transfer.transactionId()), "once committed");
        });
    }

    @Test
    void batchesSplitAcrossEntries_eachCallerGetsItsOwnOutcomesInOrder(@TempDir Path directory) throws Exception {
        FaultInjector faults = FaultInjector.create();
        ClusterHarness.run(directory, settings -> settings.batchCommandsMax(10).faultInjector(faults), (cluster, wallet) -> {
            Ledger.fund(wallet, ACCOUNTS);
            Random random = new Random(79);
            ClusterHarness.Hold hold = ClusterHarness.hold(faults, RaftWallet.BEFORE_SUBMIT);
            long before = wallet.lastWriteIndex();
            CompletableFuture<Outcome> first = wallet.transferAsync(Ledger.transfer(random, ACCOUNTS));
            hold.awaitReached();
            List<List<Transfer>> batches = new ArrayList<>();
            List<List<Outcome>> expected = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                List<Transfer> batch = new ArrayList<>();
                List<Outcome> outcomes = new ArrayList<>();
                List<Transfer> succeeded = new ArrayList<>();
                while (batch.size() < 15) {
                    Transfer transfer = Ledger.transfer(random, ACCOUNTS);
                    int kind = random.nextInt(10);
                    Outcome outcome;
                    if (kind == 6) {
                        // More than the whole ledger holds.
                        transfer = new Transfer(transfer.transactionId(), transfer.source(), transfer.target(),
                                Money.of(Ledger.USD, 100_000_000));
                        outcome = Outcome.of(transfer.transactionId(), Status.INSUFFICIENT_FUNDS);
                    } else if (kind == 7) {
                        transfer = new Transfer(transfer.transactionId(), Ledger.account(ACCOUNTS + random.nextInt(5)),
                                transfer.target(), transfer.amount());
                        outcome = Outcome.of(transfer.transactionId(), Status.UNKNOWN_ACCOUNT);
                    } else if (kind >= 8 && !succeeded.isEmpty()) {
                        Transfer earlier = succeeded.get(random.nextInt(succeeded.size()));
                        if (kind == 8) {
                            transfer = earlier;
                            outcome = Outcome.replayOf(earlier.transactionId(), Status.SUCCESS);
                        } else {
                            transfer = new Transfer(earlier.transactionId(), earlier.source(), earlier.target(),
                                    Money.of(Ledger.USD, earlier.amount().minor() + 1));
                            outcome = Outcome.of(earlier.transactionId(), Status.CONFLICT);
                        }
                    } else {
                        outcome = Outcome.of(transfer.transactionId(), Status.SUCCESS);
                        succeeded.add(transfer);
                    }
                    batch.add(transfer);
                    outcomes.add(outcome);
                }
                batches.add(batch);
                expected.add(outcomes);
            }
            assertNotEquals(expected.get(0).stream().map(Outcome::status).toList(),
                    expected.get(1).stream().map(Outcome::status).toList(), "the callers' outcome patterns differ");
            List<Thread> callers = new ArrayList<>();
            Map<Integer, List<Outcome>> answers = new java.util.concurrent.ConcurrentHashMap<>();
            for (int c = 0; c < batches.size(); c++) {
                int caller = c;
                Thread thread = new Thread(() -> answers.put(caller, wallet.executeBatch(batches.get(caller))), "caller-" + c);
                callers.add(thread);
                thread.start();
            }
            // Every caller has queued its batches once it waits for their answers.
            ClusterHarness.await("three callers waiting for answers", () -> callers.stream()
                    .allMatch(thread -> thread.getState() == Thread.State.WAITING));
            hold.release();
            for (Thread thread : callers) {
                thread.join(ClusterHarness.PATIENCE.toMillis());
            }
            assertEquals(Status.SUCCESS, first.join().status());
            for (int c = 0; c < batches.size(); c++) {
                List<Outcome> outcomes = answers.get(c);
                assertEquals(15, outcomes.size(), "caller " + c);
                assertEquals(expected.get(c), outcomes, "caller " + c);
            }
            assertEquals(before + 1 + 5, wallet.lastWriteIndex(), "45 commands after the held one in 5 full entries");
            assertEquals(0, Ledger.total(wallet, ACCOUNTS));
            ClusterHarness.awaitIdenticalReplicas(cluster, wallet.lastWriteIndex());
        });
    }
}
