package dev.wallet.twopc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Where the shard databases and the coordinator's log live, and how they are pooled. Immutable;
 * every {@code with...} method returns a copy and validates its value.
 *
 * <p>Three layouts:
 * <ul>
 *   <li>{@link #h2Files} (the default): embedded H2 files {@code shard-<i>.mv.db} and
 *       {@code coordinator.mv.db} in a directory, with {@code WRITE_DELAY=0} so that every commit
 *       is on disk before it is acknowledged (H2's default write delay of 500 ms loses
 *       acknowledged commits on {@code kill -9});</li>
 *   <li>{@link #h2InMemory}: the same in memory, for fast tests; nothing survives the JVM;</li>
 *   <li>{@link #postgres}: shards and coordinator as databases of one or several PostgreSQL
 *       servers, given by JDBC URLs (the servers need {@code max_prepared_transactions > 0}).</li>
 * </ul>
 */
public final class ShardConfig {

    /** Shards unless told otherwise. */
    public static final int DEFAULT_SHARDS = 4;

    private final List<String> shardUrls;
    private final String coordinatorUrl;
    private final String user;
    private final String password;
    private final int poolSize;
    private final long lockTimeoutMillis;
    private final long connectionTimeoutMillis;
    private final boolean forcedCommits;

    private ShardConfig(List<String> shardUrls, String coordinatorUrl, String user, String password, int poolSize,
                        long lockTimeoutMillis, long connectionTimeoutMillis, boolean forcedCommits) {
        if (shardUrls.isEmpty() || shardUrls.size() > 1024) {
            throw new IllegalArgumentException("between 1 and 1024 shards are supported: " + shardUrls.size());
        }
        this.shardUrls = List.copyOf(shardUrls);
        this.coordinatorUrl = Objects.requireNonNull(coordinatorUrl, "coordinatorUrl");
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        this.poolSize = poolSize;
        this.lockTimeoutMillis = lockTimeoutMillis;
        this.connectionTimeoutMillis = connectionTimeoutMillis;
        this.forcedCommits = forcedCommits;
        shardUrls.forEach(Dialect::forUrl);
        Dialect.forUrl(coordinatorUrl);
    }

    /** {@code shards} embedded H2 file databases and the coordinator's, in {@code directory}. */
    public static ShardConfig h2Files(Path directory, int shards) {
        Objects.requireNonNull(directory, "directory");
        Path absolute = directory.toAbsolutePath();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            urls.add("jdbc:h2:file:" + absolute.resolve("shard-" + i));
        }
        return new ShardConfig(urls, "jdbc:h2:file:" + absolute.resolve("coordinator"), "sa", "", 8, 2_000, 5_000, true);
    }

    /** {@code shards} in-memory H2 databases named after {@code name} (a fresh name gives fresh databases). */
    public static ShardConfig h2InMemory(String name, int shards) {
        Objects.requireNonNull(name, "name");
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            urls.add("jdbc:h2:mem:" + name + "-shard-" + i);
        }
        return new ShardConfig(urls, "jdbc:h2:mem:" + name + "-coordinator", "sa", "", 8, 2_000, 5_000, true);
    }

    /** In-memory H2 databases under a random name. */
    public static ShardConfig h2InMemory(int shards) {
        return h2InMemory("wallet-" + UUID.randomUUID(), shards);
    }

    /** PostgreSQL databases: one per shard, and one for the coordinator's log. */
    public static ShardConfig postgres(List<String> shardUrls, String coordinatorUrl, String user, String password) {
        for (String url : shardUrls) {
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + url);
            }
        }
        return new ShardConfig(shardUrls, coordinatorUrl, user, password, 8, 2_000, 5_000, true);
    }

    /** Connections per shard pool (1 to 256). A transfer holds one connection on each shard it touches. */
    public ShardConfig withPoolSize(int connections) {
        if (connections < 1 || connections > 256) {
            throw new IllegalArgumentException("poolSize must be between 1 and 256: " + connections);
        }
        return new ShardConfig(shardUrls, coordinatorUrl, user, password, connections, lockTimeoutMillis, connectionTimeoutMillis,
                forcedCommits);
    }

    /**
     * How long a statement waits for a row lock before the transfer fails with a retryable
     * {@link dev.wallet.api.WalletUnavailableException} (10 ms to 10 min). This bounds how long a
     * transfer can be blocked by a prepared transaction whose coordinator is down.
     */
    public ShardConfig withLockTimeout(Duration timeout) {
        long millis = Objects.requireNonNull(timeout, "timeout").toMillis();
        if (millis < 10 || millis > 600_000) {
            throw new IllegalArgumentException("lockTimeout must be between 10 ms and 10 minutes: " + timeout);
        }
        return new ShardConfig(shardUrls, coordinatorUrl, user, password, poolSize, millis, connectionTimeoutMillis, forcedCommits);
    }

    /** How long a caller waits for a pooled connection (250 ms to 10 min). */
    public ShardConfig withConnectionTimeout(Duration timeout) {
        long millis = Objects.requireNonNull(timeout, "timeout").toMillis();
        if (millis < 250 || millis > 600_000) {
            throw new IllegalArgumentException("connectionTimeout must be between 250 ms and 10 minutes: " + timeout);
        }
        return new ShardConfig(shardUrls, coordinatorUrl, user, password, poolSize, lockTimeoutMillis, millis, forcedCommits);
    }

    /**
     * Whether every commit the protocols depend on is forced to disk before they go on (the
     * default). H2 writes commits to the operating system but does not fsync them, so without
     * this an acknowledged transfer survives the process being killed but not a power cut; the
     * library then forces with {@code CHECKPOINT SYNC}, group-committed per database. Turning it
     * off trades that for speed (and matches what an XA manager gets from H2's XA path).
     */
    public ShardConfig withForcedCommits(boolean forced) {
        return new ShardConfig(shardUrls, coordinatorUrl, user, password, poolSize, lockTimeoutMillis, connectionTimeoutMillis,
                forced);
    }

    public boolean forcedCommits() {
        return forcedCommits;
    }

    public List<String> shardUrls() {
        return shardUrls;
    }

    public String coordinatorUrl() {
        return coordinatorUrl;
    }

    public int shards() {
        return shardUrls.size();
    }

    public int poolSize() {
        return poolSize;
    }

    public long lockTimeoutMillis() {
        return lockTimeoutMillis;
    }

    public long connectionTimeoutMillis() {
        return connectionTimeoutMillis;
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    /**
     * The URL a pool connects to: H2 URLs get the options the protocol depends on. None closes
     * itself from H2's own shutdown hook ({@code DB_CLOSE_ON_EXIT=FALSE}): the wallet closes its
     * databases when it is closed, so that a server stopping on SIGTERM can still answer the
     * requests under way before that.
     */
    String effectiveUrl(String url) {
        if (url.startsWith("jdbc:h2:mem:")) {
            return url + ";DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=" + lockTimeoutMillis + ";QUERY_CACHE_SIZE=0";
        }
        if (url.startsWith("jdbc:h2:")) {
            return url + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=" + lockTimeoutMillis + ";QUERY_CACHE_SIZE=0";
        }
        return url;
    }

    @Override
    public String toString() {
        return "ShardConfig[" + shardUrls.size() + " shards " + shardUrls + ", coordinator " + coordinatorUrl
                + ", pool " + poolSize + ", lock timeout " + lockTimeoutMillis + " ms, "
                + (forcedCommits ? "forced" : "unforced") + " commits]";
    }
}
