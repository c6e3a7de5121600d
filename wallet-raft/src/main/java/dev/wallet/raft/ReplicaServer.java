package dev.wallet.raft;

import dev.wallet.eventsourcing.ReplicaLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One replica of a replicated wallet: an Apache Ratis server holding the wallet's state machine and
 * its Raft log in a directory of its own. The log is forced to disk before a replica acknowledges
 * an entry to the leader, and the leader counts itself only once its own copy is on disk, so a
 * committed batch is on the disks of a majority.
 *
 * <p>To run replicas as separate processes, start one per process with the same peer map (see
 * {@code ReplicaMain} in {@code wallet-examples}) and connect clients with
 * {@link ReplicatedWallet#connect}. Peer addresses are part of the replicated configuration: keep
 * each replica's address stable across restarts.
 *
 * <p>Thread-safe.
 */
public final class ReplicaServer implements AutoCloseable {

    /** The one Raft group a wallet cluster forms. */
    static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("dev.wallet.replicated".getBytes(StandardCharsets.US_ASCII)));

    static {
        // A port clash would otherwise end the whole JVM with System.exit.
        ExitUtils.disableSystemExit();
    }

    private final String id;
    private final RaftServer server;

    private ReplicaServer(String id, RaftServer server) {
        this.id = id;
        this.server = server;
    }

    /**
     * Starts replica {@code id} of the cluster {@code peers} (replica id to address), keeping its
     * log and snapshots in {@code directory}: a new directory joins the cluster as configured, an
     * existing one recovers from its own storage.
     *
     * @throws IllegalArgumentException when {@code id} is not one of {@code peers} or the peer map is not an odd size
     * @throws UncheckedIOException     when the server cannot start (a port in use, unreadable storage)
     */
    public static ReplicaServer start(String id, Path directory, Map<String, InetSocketAddress> peers) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(directory, "directory");
        ReplicaSettings.checkPeers(peers);
        InetSocketAddress own = peers.get(id);
        if (own == null) {
            throw new IllegalArgumentException("replica " + id + " is not among the peers " + peers.keySet());
        }
        RaftGroup group = RaftGroup.valueOf(GROUP_ID, ReplicaSettings.raftPeers(peers));
        return start(id, directory, own.getHostString(), own.getPort(), group, ReplicaSettings.defaults());
    }

    /**
     * Starts a replica. With a {@code group}, a new storage joins it and an existing one recovers
     * with the group's peers as its starting configuration (configuration entries in its log, if
     * any, take over): a replica whose group never elected a leader before it stopped has no such
     * entry, and without the peers it could never hold an election again. Without a group the
     * server starts empty and waits for {@link #join}, or recovers from its log alone.
     */
    static ReplicaServer start(String id, Path directory, String host, int port, RaftGroup group, ReplicaSettings settings) {
        try {
            Files.createDirectories(directory);
            boolean recovering = hasStorage(directory);
            RaftProperties properties = settings.serverProperties(directory, host, port);
            RaftServer.Builder builder = RaftServer.newBuilder()
                    .setServerId(RaftPeerId.valueOf(id))
                    .setProperties(properties)
                    .setStateMachineRegistry(groupId -> new WalletStateMachine(settings))
                    .setOption(recovering ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT);
            if (group != null) {
                builder.setGroup(group);
            }
            RaftServer server = builder.build();
            try {
                server.start();
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
            return new ReplicaServer(id, server);
        } catch (IOException e) {
            throw new UncheckedIOException("replica " + id + " could not start in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code directory} already holds the wallet group's storage. */
    static boolean hasStorage(Path directory) {
        return Files.isDirectory(directory.resolve(GROUP_ID.getUuid().toString()));
    }

    /** Makes an empty server a member of {@code group} (the first start of an embedded cluster). */
    void join(RaftGroup group) throws IOException {
        RaftClientReply reply = server.groupManagement(
                GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(), 0, group, true));
        if (!reply.isSuccess()) {
            throw new IOException("replica " + id + " could not join the group: " + reply.getException());
        }
    }

    /** The replica's id. */
    public String id() {
        return id;
    }

    /** The port it listens on (the one the OS chose when started with port 0). */
    public int port() {
        return server.getServerRpc().getInetSocketAddress().getPort();
    }

    /** Whether this replica is the group's leader right now. */
    public boolean isLeader() {
        try {
            return server.getDivision(GROUP_ID).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /** The first index still in this replica's log (entries before it were purged after a snapshot). */
    long logStartIndex() throws IOException {
        return server.getDivision(GROUP_ID).getRaftLog().getStartIndex();
    }

    WalletStateMachine stateMachine() throws IOException {
        return (WalletStateMachine) server.getDivision(GROUP_ID).getStateMachine();
    }

    /** Stops the server; its log and snapshots stay in its directory. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("replica " + id + " did not close cleanly", e);
        }
    }

    /** Raft settings shared by the servers and clients of one cluster. */
    record ReplicaSettings(long snapshotEveryEntries, int snapshotsRetained, long logSegmentBytes, int idWindow,
                           long idFilterBytes) {

        /** Ratis's own segment size bound; tests shrink it so that purging (whole segments only) shows. */
        static final long DEFAULT_LOG_SEGMENT_BYTES = 32L << 20;

        static ReplicaSettings defaults() {
            return new ReplicaSettings(4_096, 2, DEFAULT_LOG_SEGMENT_BYTES, ReplicaLedger.DEFAULT_WINDOW_IDS,
                    ReplicaLedger.DEFAULT_FILTER_BYTES);
        }

        RaftProperties serverProperties(Path directory, String host, int port) {
            RaftProperties properties = new RaftProperties();
            RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
            GrpcConfigKeys.Server.setHost(properties, host);
            GrpcConfigKeys.Server.setPort(properties, port);
            RaftServerConfigKeys.setStorageDir(properties, List.of(directory.toFile()));
            // Reads from the leader go through the read index: linearizable even across a leader change.
            RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
            // Durability: never acknowledge an append before it is forced (these are Ratis's defaults, set on purpose).
            RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, false);
            RaftServerConfigKeys.Log.setAsyncFlushEnabled(properties, false);
            // No commit-index entry after every entry: Raft relearns the commit index from the leader after a restart.
            RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
            // The leader sends a new entry to the followers at once: by default it waits up to 1 ms after
            // the previous send (a heartbeat counts), which a synchronous caller pays on every call.
            RaftServerConfigKeys.Log.Appender.setWaitTimeMin(properties, TimeDuration.ZERO);
            RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
            RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, snapshotEveryEntries);
            RaftServerConfigKeys.Snapshot.setCreationGap(properties, Math.min(1024, snapshotEveryEntries));
            // The state machine keeps its newest snapshots itself: Ratis's own clean-up counts only those with an MD5 file.
            RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, -1);
            // A replica behind the purged log catches up by snapshot (InstallSnapshot) instead of holding the log back.
            RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
            RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(1_024, snapshotEveryEntries));
            RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(logSegmentBytes));
            RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
            RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
            RaftServerConfigKeys.setCloseThreshold(properties, TimeDuration.valueOf(5, TimeUnit.SECONDS));
            return properties;
        }

        static void checkPeers(Map<String, InetSocketAddress> peers) {
            Objects.requireNonNull(peers, "peers");
            if (peers.isEmpty() || peers.size() % 2 == 0 || peers.size() > 9) {
                throw new IllegalArgumentException("a cluster has an odd number of replicas, 1 to 9: " + peers.keySet());
            }
            peers.forEach((id, address) -> {
                if (id == null || !id.matches("[A-Za-z0-9_-]{1,32}")) {
                    throw new IllegalArgumentException("a replica id is 1 to 32 letters, digits, '-' or '_': " + id);
                }
                Objects.requireNonNull(address, "address of replica " + id);
            });
        }

        static List<RaftPeer> raftPeers(Map<String, InetSocketAddress> peers) {
            return peers.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(peer -> RaftPeer.newBuilder().setId(peer.getKey())
                            .setAddress(peer.getValue().getHostString() + ":" + peer.getValue().getPort()).build())
                    .toList();
        }
    }
}
