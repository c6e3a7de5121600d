package dev.wallet.raft;

import dev.wallet.api.spi.FaultInjector;
import dev.wallet.eventsourcing.BatchCodec;
import dev.wallet.eventsourcing.ReplicaLedger;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftGroup;

/**
 * Replicas of a {@link ReplicatedWallet} in this JVM, each a Ratis server on 127.0.0.1 with a port
 * the OS chose at first start and a directory of its own under the cluster's directory. The ports
 * are recorded in {@code cluster.properties} and reused on every restart, because peer addresses
 * are part of the replicated configuration.
 *
 * <p>Stopping and starting single replicas is how tests (and curious users) watch a leader change,
 * a lost majority and a replica catching up. Closing the cluster, or its wallet, stops every replica.
 *
 * <p>Thread-safe.
 */
public final class EmbeddedCluster implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final String PROPERTIES = "cluster.properties";

    private final Path directory;
    private final ReplicaServer.ReplicaSettings settings;
    private final Map<String, Integer> ports;
    private final Map<String, ReplicaServer> running = new LinkedHashMap<>();
    /** Set once the wallet closed and stopped every replica; guarded by {@code running}. */
    private boolean stopped;
    private final RaftWallet wallet;

    private EmbeddedCluster(Builder builder) {
        this.directory = builder.directory;
        this.settings = new ReplicaServer.ReplicaSettings(builder.snapshotEveryEntries, 2, builder.logSegmentBytes, builder.idWindow,
                builder.idFilterBytes);
        try {
            Files.createDirectories(directory);
            Path recorded = directory.resolve(PROPERTIES);
            if (Files.exists(recorded)) {
                ports = readPorts(recorded);
                if (ports.size() != builder.replicas) {
                    throw new IllegalStateException(directory + " holds a cluster of " + ports.size() + " replicas, not "
                            + builder.replicas);
                }
                startAll(id -> ReplicaServer.start(id, directory.resolve(id), HOST, ports.get(id), group(), settings));
            } else {
                ports = new LinkedHashMap<>();
                formNew(builder.replicas, recorded);
            }
        } catch (IOException e) {
            closeReplicas();
            throw new UncheckedIOException("could not start the cluster in " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeReplicas();
            throw e;
        }
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        ports.forEach((id, port) -> peers.put(id, new InetSocketAddress(HOST, port)));
        this.wallet = new RaftWallet(peers, builder.client.copyFor(peers), this::closeReplicas);
    }

    /** First start: empty servers on OS-chosen ports, then the group with those addresses, then the record of them. */
    private void formNew(int replicas, Path recorded) throws IOException {
        for (int i = 0; i < replicas; i++) {
            if (ReplicaServer.hasStorage(directory.resolve("r" + i))) {
                throw new IllegalStateException(directory + " holds replica storage but no " + PROPERTIES
                        + ": a first start was interrupted before it finished; remove the directory");
            }
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            ids.add("r" + i);
        }
        startAll(ids, id -> ReplicaServer.start(id, directory.resolve(id), HOST, 0, null, settings));
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        synchronized (running) {
            running.forEach((id, server) -> {
                ports.put(id, server.port());
                peers.put(id, new InetSocketAddress(HOST, server.port()));
            });
        }
        RaftGroup group = RaftGroup.valueOf(ReplicaServer.GROUP_ID, ReplicaServer.ReplicaSettings.raftPeers(peers));
        for (ReplicaServer server : List.copyOf(running.values())) {
            server.join(group);
        }
        Properties properties = new Properties();
        ports.forEach((id, port) -> properties.setProperty(id, Integer.toString(port)));
        Path temporary = directory.resolve(PROPERTIES + ".tmp");
        try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(out, "replica id = port on " + HOST + "; peer addresses must not change");
        }
        Files.move(temporary, recorded, StandardCopyOption.ATOMIC_MOVE);
        ReplicaLedger.forceDirectory(directory);
    }

    /** The group at the recorded addresses: a restarted replica's starting configuration. */
    private RaftGroup group() {
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        ports.forEach((id, port) -> peers.put(id, new InetSocketAddress(HOST, port)));
        return RaftGroup.valueOf(ReplicaServer.GROUP_ID, ReplicaServer.ReplicaSettings.raftPeers(peers));
    }

    private static Map<String, Integer> readPorts(Path recorded) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(recorded, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(id -> ports.put(id, Integer.parseInt(properties.getProperty(id))));
        return ports;
    }

    private interface Starter {
        ReplicaServer start(String id);
    }

    private void startAll(Starter starter) {
        startAll(List.copyOf(ports.keySet()), starter);
    }

    /** Starts replicas in parallel: a recovering replica waits for its peers, and a sequential start would wait on each. */
    private void startAll(List<String> ids, Starter starter) {
        List<CompletableFuture<ReplicaServer>> starting = new ArrayList<>();
        for (String id : ids) {
            starting.add(CompletableFuture.supplyAsync(() -> starter.start(id)));
        }
        RuntimeException failure = null;
        for (int i = 0; i < ids.size(); i++) {
            try {
                ReplicaServer server = starting.get(i).join();
                synchronized (running) {
                    running.put(ids.get(i), server);
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure.getCause() instanceof RuntimeException cause ? cause : failure;
        }
    }

    /** The wallet of this cluster; closing it stops the cluster. */
    public ReplicatedWallet wallet() {
        return wallet;
    }

    /** The replica ids, sorted. */
    public List<String> replicaIds() {
        return List.copyOf(ports.keySet());
    }

    /** The replicas running now. */
    public List<String> runningReplicas() {
        synchronized (running) {
            return List.copyOf(running.keySet());
        }
    }

    /** The replica that is leader right now, if any of the running ones is. */
    public Optional<String> leader() {
        synchronized (running) {
            return running.values().stream().filter(ReplicaServer::isLeader).map(ReplicaServer::id).findFirst();
        }
    }

    /** Stops one replica as a crash of its process would (its storage stays); does nothing if it is stopped. */
    public void stop(String replicaId) {
        ReplicaServer server;
        synchronized (running) {
            server = running.remove(checkId(replicaId));
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * Starts a stopped replica from its own storage on its recorded port; it catches up from the
     * leader's log or a snapshot.
     *
     * @throws IllegalStateException once the cluster's wallet closed (and stopped every replica)
     */
    public void start(String replicaId) {
        synchronized (running) {
            if (running.containsKey(checkId(replicaId))) {
                return;
            }
            if (stopped) {
                throw new IllegalStateException("the cluster in " + directory + " was closed with its wallet; "
                        + "start a new one to run replica " + replicaId);
            }
            running.put(replicaId, ReplicaServer.start(replicaId, directory.resolve(replicaId), HOST, ports.get(replicaId),
                    group(), settings));
        }
    }

    /** The state of a running replica, read in this JVM (no network, no leader needed). */
    public ReplicaState state(String replicaId) {
        return ReplicaState.of(replicaId, BatchCodec.decodeState(stateMachine(replicaId).report()));
    }

    /** A running replica's state machine, for tests that read one replica's own state. */
    WalletStateMachine stateMachine(String replicaId) {
        try {
            return running(replicaId).stateMachine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first index still in a running replica's log; entries before it were purged after a snapshot. */
    long logStartIndex(String replicaId) {
        try {
            return running(replicaId).logStartIndex();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ReplicaServer running(String replicaId) {
        ReplicaServer server;
        synchronized (running) {
            server = running.get(checkId(replicaId));
        }
        if (server == null) {
            throw new IllegalStateException("replica " + replicaId + " is stopped");
        }
        return server;
    }

    /** The directory of one replica's log and snapshots. */
    public Path replicaDirectory(String replicaId) {
        return directory.resolve(checkId(replicaId));
    }

    private String checkId(String replicaId) {
        Objects.requireNonNull(replicaId, "replicaId");
        if (!ports.containsKey(replicaId)) {
            throw new IllegalArgumentException("no replica " + replicaId + " in " + ports.keySet());
        }
        return replicaId;
    }

    /** Closes the wallet and stops every replica. */
    @Override
    public void close() {
        wallet.close();
    }

    private void closeReplicas() {
        List<ReplicaServer> servers;
        synchronized (running) {
            stopped = true;
            servers = List.copyOf(running.values());
            running.clear();
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (ReplicaServer server : servers) {
            closing.add(CompletableFuture.runAsync(server::close));
        }
        closing.forEach(future -> {
            try {
                future.join();
            } catch (RuntimeException e) {
                // Stopping the others matters more; the storage is consistent either way.
            }
        });
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("cluster in ").append(directory).append(": ");
        for (String id : ports.keySet()) {
            ReplicaServer server;
            synchronized (running) {
                server = running.get(id);
            }
            out.append(id).append(':').append(ports.get(id));
            if (server == null) {
                out.append(" stopped; ");
            } else {
                try {
                    out.append(server.isLeader() ? " leader " : " follower ").append(state(id)).append("; ");
                } catch (RuntimeException e) {
                    out.append(" (state unreadable: ").append(e.getMessage()).append("); ");
                }
            }
        }
        return out.toString();
    }

    /** Settings of an embedded cluster and its wallet. Not thread-safe; validates each value when it is set. */
    public static final class Builder {

        final Path directory;
        int replicas = 3;
        long snapshotEveryEntries = 4_096;
        long logSegmentBytes = ReplicaServer.ReplicaSettings.DEFAULT_LOG_SEGMENT_BYTES;
        int idWindow = ReplicaLedger.DEFAULT_WINDOW_IDS;
        long idFilterBytes = ReplicaLedger.DEFAULT_FILTER_BYTES;
        final ReplicatedWallet.Builder client = new ReplicatedWallet.Builder(Map.of());

        Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** The number of replicas: odd, 1 to 9 (3 by default). */
        public Builder replicas(int count) {
            if (count < 1 || count > 9 || count % 2 == 0) {
                throw new IllegalArgumentException("replicas must be odd and between 1 and 9: " + count);
            }
            this.replicas = count;
            return this;
        }

        /** Each replica writes a snapshot and purges its log after this many log entries (16 or more). */
        public Builder snapshotEveryEntries(long entries) {
            if (entries < 16) {
                throw new IllegalArgumentException("snapshotEveryEntries must be at least 16: " + entries);
            }
            this.snapshotEveryEntries = entries;
            return this;
        }

        /**
         * Transaction ids each replica holds in memory (4,194,304 by default, about 200 MB of heap
         * per replica); older ones move to its on-disk id archive and keep their outcome forever.
         * Every replica of a cluster must use the same value (their digests compare windows).
         */
        public Builder idWindow(int ids) {
            this.idWindow = ReplicaLedger.checkWindowIds(ids);
            return this;
        }

        /** The id archive's filter per replica (256 MiB by default; see {@code EventSourcedWallet.Builder#idFilterBytes}). */
        public Builder idFilterBytes(long bytes) {
            this.idFilterBytes = ReplicaLedger.checkFilterBytes(bytes);
            return this;
        }

        /** Log segments roll at this size; the log is purged a whole segment at a time (tests make it small). */
        Builder logSegmentBytes(long bytes) {
            this.logSegmentBytes = bytes;
            return this;
        }

        /** See {@link ReplicatedWallet.Builder#batchCommandsMax}. */
        public Builder batchCommandsMax(int commands) {
            client.batchCommandsMax(commands);
            return this;
        }

        /** See {@link ReplicatedWallet.Builder#entriesInFlightMax}. */
        public Builder entriesInFlightMax(int entries) {
            client.entriesInFlightMax(entries);
            return this;
        }

        /** See {@link ReplicatedWallet.Builder#writeTimeout}. */
        public Builder writeTimeout(Duration timeout) {
            client.writeTimeout(timeout);
            return this;
        }

        /** See {@link ReplicatedWallet.Builder#faultInjector}. */
        public Builder faultInjector(FaultInjector faults) {
            client.faultInjector(faults);
            return this;
        }

        /** Starts the replicas (recovering each from its storage when the directory holds a cluster) and connects the wallet. */
        public EmbeddedCluster start() {
            return new EmbeddedCluster(this);
        }

        /**
         * These settings as a {@link dev.wallet.api.spi.WalletStrategy}, for deployments and the
         * shared contract; its deployments use their own directories, not this builder's.
         */
        public dev.wallet.api.spi.WalletStrategy strategy() {
            return new ReplicatedStrategy(this);
        }

        Builder copy(Path newDirectory, FaultInjector newFaults) {
            Builder copy = new Builder(newDirectory);
            copy.replicas = replicas;
            copy.snapshotEveryEntries = snapshotEveryEntries;
            copy.logSegmentBytes = logSegmentBytes;
            copy.idWindow = idWindow;
            copy.idFilterBytes = idFilterBytes;
            copy.client.batchCommandsMax = client.batchCommandsMax;
            copy.client.entriesInFlightMax = client.entriesInFlightMax;
            copy.client.queueCapacity = client.queueCapacity;
            copy.client.writeTimeout = client.writeTimeout;
            copy.client.faults = newFaults;
            return copy;
        }
    }
}
