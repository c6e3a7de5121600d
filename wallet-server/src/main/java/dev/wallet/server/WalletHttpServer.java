package dev.wallet.server;

import dev.wallet.api.Wallet;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The design's HTTP form of a {@link Wallet}, on Netty, with Jackson for JSON and Micrometer for
 * metrics:
 *
 * <pre>
 * POST /v1/wallet/balance_transfer   {"from_account","to_account","amount","currency","transaction_id"}
 * POST /v1/wallet/balance_transfers  [ up to 8,190 transfers, each as above ]
 * GET  /v1/wallet/transactions/{transaction_id}
 * POST /v1/wallet/accounts           {"account","currency"}
 * POST /v1/wallet/deposit            {"account","amount","currency","transaction_id"}
 * POST /v1/wallet/withdrawal         {"account","amount","currency","transaction_id"}
 * GET  /v1/wallet/accounts/{account}/balance[?at_sequence=N]
 * GET  /v1/wallet/accounts/{account}/history[?limit=N]
 * GET  /health, /health/live, /health/ready     GET /metrics     GET /openapi.json
 * </pre>
 *
 * <p>Every value in a request body is a JSON string (amounts too, so no floating point between
 * systems); a body is one JSON object with exactly the listed members, sent as
 * {@code application/json}. Answers are JSON: {@code {"status":"success","transaction_id":"…"}}
 * for a transfer that moved money, otherwise {@code status} {@code failed} (an outcome pinned to
 * the transaction id: 404 unknown account, 409 id reused with another payload, 422 insufficient
 * funds, currency mismatch, same account or limit exceeded), {@code rejected} (400 malformed input,
 * naming the field; nothing changes and nothing is recorded) or {@code unavailable} (503, retry
 * with the same id). A repeated request gets the original answer, marked by the header
 * {@code Idempotent-Replayed: true}. The document at {@code /openapi.json} describes every
 * endpoint and answer.
 *
 * <p>Push: a money command is answered the moment the wallet has made it durable; no thread waits
 * for it (the event-sourced strategies) or one of a bounded pool does (the others). Limits: see
 * {@link Builder}. {@link #close()} drains: it stops accepting, answers every request under way,
 * and only then returns; the caller closes the wallet afterwards.
 */
public final class WalletHttpServer implements AutoCloseable {

    static final String REPLAYED_HEADER = "Idempotent-Replayed";
    private static final Logger LOG = LoggerFactory.getLogger(WalletHttpServer.class);

    /** The limits of a running server, fixed at start. */
    record Limits(int requestsInFlightMax, int connectionsMax, int bodyBytesMax, int batchBodyBytesMax,
                  int requestLineBytesMax, int headerBytesMax, long requestReadTimeoutNanos, long idleTimeoutNanos,
                  long drainTimeoutNanos) {
    }

    private final Wallet wallet;
    private final Limits limits;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final ExecutorService blocking;
    private final ChannelGroup connections = new DefaultChannelGroup("wallet-http", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ServerMetrics metrics;
    private final Api api;
    private final byte[] openApi;
    private final Authenticator authenticator;
    private final Registry registry;
    private final ClientLimits clientLimits;
    private final SslContext tls;
    private static final long HEALTH_CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private final java.util.concurrent.atomic.AtomicReference<CachedHealth> health = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean closing;
    private volatile boolean closed;
    private Channel listener;

    private WalletHttpServer(Builder builder, Registry registry, SslContext tls) {
        this.wallet = builder.wallet;
        this.authenticator = builder.authenticator;
        this.registry = registry;
        this.tls = tls;
        this.clientLimits = new ClientLimits(builder.clientRate, builder.clientConcurrency);
        this.limits = new Limits(builder.requestsInFlightMax, builder.connectionsMax, builder.bodyBytesMax,
                builder.batchBodyBytesMax, builder.requestLineBytesMax, builder.headerBytesMax,
                builder.requestReadTimeout.toNanos(), builder.idleTimeout.toNanos(), builder.drainTimeout.toNanos());
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wallet-http-accept", true), io);
        this.loops = new MultiThreadIoEventLoopGroup(builder.eventLoopThreads,
                new DefaultThreadFactory("wallet-http-io", true), io);
        // Its queue holds wallet calls (bounded by the requests in flight) and at most one readiness check.
        this.blocking = new ThreadPoolExecutor(builder.blockingThreads, builder.blockingThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("wallet-http-call", true));
        this.metrics = new ServerMetrics(wallet, builder.strategyName, inFlight::get, connections::size);
        this.api = new Api(wallet, blocking, metrics, registry == null ? Access.open() : Access.secured(registry));
        this.openApi = resource("openapi.json");
    }

    /** A server for {@code wallet}, configured by the builder and started by {@link Builder#start()}. */
    public static Builder builder(Wallet wallet) {
        return new Builder(wallet);
    }

    /**
     * Options of a server, each with a default for one machine. The limits keep it standing under
     * slow, stalled or too many clients: a request must arrive whole within the read timeout, a
     * connection without a request closes after the idle timeout, at most so many requests are in
     * flight (beyond, 503 with {@code Retry-After} at once, never a queue), at most so many
     * connections are open, and bodies are bounded per endpoint.
     */
    public static final class Builder {
        public static final int DEFAULT_REQUESTS_IN_FLIGHT_MAX = 4_096;
        public static final int DEFAULT_CONNECTIONS_MAX = 10_000;
        public static final int DEFAULT_BODY_BYTES_MAX = 4 * 1024;
        public static final int DEFAULT_BATCH_BODY_BYTES_MAX = 4 * 1024 * 1024;
        public static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
        public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
        public static final int DEFAULT_CLIENT_RATE = 100_000;
        public static final int DEFAULT_CLIENT_CONCURRENCY = 1_024;

        private final Wallet wallet;
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 8080);
        private String strategyName = "unnamed";
        private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
        private int blockingThreads = 16;
        private int requestsInFlightMax = DEFAULT_REQUESTS_IN_FLIGHT_MAX;
        private int connectionsMax = DEFAULT_CONNECTIONS_MAX;
        private int bodyBytesMax = DEFAULT_BODY_BYTES_MAX;
        private int batchBodyBytesMax = DEFAULT_BATCH_BODY_BYTES_MAX;
        private final int requestLineBytesMax = 4_096;
        private final int headerBytesMax = 16 * 1024;
        private Duration requestReadTimeout = DEFAULT_REQUEST_READ_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Authenticator authenticator;
        private boolean withoutAuthentication;
        private Path registryDirectory;
        private Path tlsCertificate;
        private Path tlsKey;
        private int clientRate = DEFAULT_CLIENT_RATE;
        private int clientConcurrency = DEFAULT_CLIENT_CONCURRENCY;

        private Builder(Wallet wallet) {
            this.wallet = Objects.requireNonNull(wallet, "wallet");
        }

        /** Where to listen; port 0 lets the operating system choose. Default 127.0.0.1:8080. */
        public Builder address(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The strategy's name, a tag on every metric. */
        public Builder strategyName(String name) {
            this.strategyName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Threads that read, parse and answer requests (Netty's event loops). Default: one per core. */
        public Builder eventLoopThreads(int threads) {
            this.eventLoopThreads = atLeast("eventLoopThreads", threads, 1);
            return this;
        }

        /**
         * Threads for wallet calls that block: every call of a strategy without a non-blocking
         * {@code executeAsync} (memory, the database strategies), reads, account opening and
         * batches. Default 16.
         */
        public Builder blockingThreads(int threads) {
            this.blockingThreads = atLeast("blockingThreads", threads, 1);
            return this;
        }

        /** Wallet requests admitted and not yet answered, at most; beyond, 503 with Retry-After. Default 4,096. */
        public Builder requestsInFlightMax(int requests) {
            this.requestsInFlightMax = atLeast("requestsInFlightMax", requests, 1);
            return this;
        }

        /** Open connections, at most; one beyond is closed at once, before any TLS handshake. Default 10,000. */
        public Builder connectionsMax(int connections) {
            this.connectionsMax = atLeast("connectionsMax", connections, 1);
            return this;
        }

        /** The largest body of a single request (400 beyond, unread). Default 4 KiB. */
        public Builder bodyBytesMax(int bytes) {
            this.bodyBytesMax = atLeast("bodyBytesMax", bytes, 256);
            return this;
        }

        /** The largest body of a batch request. Default 4 MiB (8,190 transfers of up to 512 bytes each). */
        public Builder batchBodyBytesMax(int bytes) {
            this.batchBodyBytesMax = atLeast("batchBodyBytesMax", bytes, 256);
            return this;
        }

        /** How long a request may take to arrive whole, from its first byte (408 and closed beyond). Default 10 s. */
        public Builder requestReadTimeout(Duration timeout) {
            this.requestReadTimeout = positive("requestReadTimeout", timeout);
            return this;
        }

        /** How long a connection may stay open without a request. Default 60 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        /** How long {@link #close()} waits for requests under way. Default 30 s. */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = positive("drainTimeout", timeout);
            return this;
        }

        /**
         * Requires a credential on every request but {@code /health} and {@code /openapi.json} and
         * applies the rules of {@link Principal}. The owners of accounts and the principals' numbers
         * are kept, durably, in {@code registryDirectory} (beside the wallet's data).
         */
        public Builder authentication(Authenticator authenticator, Path registryDirectory) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            this.registryDirectory = Objects.requireNonNull(registryDirectory, "registryDirectory");
            return this;
        }

        /**
         * Serves without authentication: anyone who reaches the port may do anything. Only on a
         * loopback address (for tests and local tools); {@link #start()} refuses any other.
         */
        public Builder withoutAuthentication() {
            this.withoutAuthentication = true;
            return this;
        }

        /**
         * Serves HTTPS with a certificate chain and a PKCS#8 private key, both PEM files. Without
         * it the server speaks plain HTTP, which {@link #start()} allows on a loopback address only.
         */
        public Builder tls(Path certificateChain, Path privateKey) {
            this.tlsCertificate = Objects.requireNonNull(certificateChain, "certificateChain");
            this.tlsKey = Objects.requireNonNull(privateKey, "privateKey");
            return this;
        }

        /**
         * Per principal: at most {@code requestsPerSecond} requests a second (a token bucket holding
         * one second's worth) and {@code concurrent} requests under way; beyond, 429 with
         * {@code Retry-After}. Defaults 100,000/s and 1,024.
         */
        public Builder clientLimits(int requestsPerSecond, int concurrent) {
            this.clientRate = atLeast("requestsPerSecond", requestsPerSecond, 1);
            this.clientConcurrency = atLeast("concurrent", concurrent, 1);
            return this;
        }

        /**
         * Binds the address and starts serving.
         *
         * @throws IOException when the address cannot be bound
         */
        public WalletHttpServer start() throws IOException {
            boolean loopback = address.getAddress() != null && address.getAddress().isLoopbackAddress();
            if (authenticator == null && !withoutAuthentication) {
                throw new IllegalStateException("a server needs authentication(…), or withoutAuthentication() on a loopback address");
            }
            if (authenticator != null && withoutAuthentication) {
                throw new IllegalStateException("authentication(…) and withoutAuthentication() contradict each other");
            }
            if (withoutAuthentication && !loopback) {
                throw new IllegalStateException("a server without authentication listens on a loopback address only, not " + address);
            }
            if (tlsCertificate == null && !loopback) {
                throw new IllegalStateException("plain HTTP is served on a loopback address only; give tls(…) for " + address);
            }
            SslContext tls = null;
            if (tlsCertificate != null) {
                try {
                    tls = SslContextBuilder.forServer(tlsCertificate.toFile(), tlsKey.toFile())
                            .protocols("TLSv1.3", "TLSv1.2").build();
                } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
                    throw new IOException("cannot use the certificate " + tlsCertificate + " and key " + tlsKey + ": "
                            + e.getMessage(), e);
                }
            }
            Registry registry = authenticator == null ? null : Registry.open(registryDirectory);
            WalletHttpServer server;
            try {
                server = new WalletHttpServer(this, registry, tls);
            } catch (RuntimeException e) {
                if (registry != null) {
                    registry.close();
                }
                throw e;
            }
            try {
                server.bind(address);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ": " + value);
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }

    private void bind(InetSocketAddress address) throws IOException {
        Class<? extends ServerChannel> channel = Epoll.isAvailable() ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        int aggregated = Math.max(limits.bodyBytesMax(), limits.batchBodyBytesMax());
        HttpDecoderConfig decoding = new HttpDecoderConfig().setMaxInitialLineLength(limits.requestLineBytesMax())
                .setMaxHeaderSize(limits.headerBytesMax()).setMaxChunkSize(64 * 1024).setStrictLineParsing(true);
        ServerBootstrap bootstrap = new ServerBootstrap().group(acceptor, loops).channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4_096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        Connection connection = new Connection(WalletHttpServer.this,
                                connections.size() >= limits.connectionsMax());
                        connections.add(channel);
                        if (tls != null) {
                            channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast("bytes", connection.bytes)
                                .addLast("codec", new HttpServerCodec(decoding))
                                .addLast("body-limit", connection.bodyLimit)
                                .addLast("aggregator", new HttpObjectAggregator(aggregated))
                                .addLast("requests", connection.requests);
                    }
                });
        try {
            listener = bootstrap.bind(address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** The address the server listens on (with the port the operating system chose). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** {@code http://host:port}, for clients. */
    public URI uri() {
        InetSocketAddress address = address();
        try {
            return new URI(tls == null ? "http" : "https", null, address.getHostString(), address.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no URI for " + address, e);
        }
    }

    // For the connections.

    Limits limits() {
        return limits;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    Authenticator authenticator() {
        return authenticator;
    }

    ClientLimits clientLimits() {
        return clientLimits;
    }

    /** Whether a request to {@code endpoint} needs a credential: all but health and the API document, when secured. */
    boolean authenticates(Api.Endpoint endpoint) {
        return authenticator != null && endpoint != Api.Endpoint.HEALTH && endpoint != Api.Endpoint.OPENAPI;
    }

    boolean isClosing() {
        return closing;
    }

    /** Counts a wallet request in, unless the bound on requests in flight is reached. */
    boolean admit() {
        if (inFlight.incrementAndGet() > limits.requestsInFlightMax()) {
            release();
            return false;
        }
        return true;
    }

    void release() {
        if (inFlight.decrementAndGet() == 0 && closing) {
            synchronized (inFlight) {
                inFlight.notifyAll();
            }
        }
    }

    /** Answers a request that passed the HTTP checks; never completes exceptionally. */
    CompletableFuture<Response> handle(Api.Endpoint endpoint, Api.Call call, Principal principal) {
        boolean get = call.method().equals("GET") || call.method().equals("HEAD");
        switch (endpoint) {
            case HEALTH -> {
                if (!get) {
                    return CompletableFuture.completedFuture(Response.methodNotAllowed("GET"));
                }
                return switch (call.rawPath()) {
                    case "/health/live" -> CompletableFuture.completedFuture(Api.live());
                    case "/health", "/health/ready" -> readiness();
                    default -> CompletableFuture.completedFuture(Response.notFound("no such endpoint: " + call.rawPath()));
                };
            }
            case METRICS -> {
                if (principal != null && !principal.is(Principal.Role.OPERATOR) && !principal.is(Principal.Role.AUDITOR)) {
                    return CompletableFuture.completedFuture(Response.forbidden("metrics are for operators and auditors"));
                }
                return CompletableFuture.completedFuture(get ? Response.raw("text/plain; version=0.0.4; charset=utf-8",
                        metrics.scrape().getBytes(StandardCharsets.UTF_8)) : Response.methodNotAllowed("GET"));
            }
            case OPENAPI -> {
                return CompletableFuture.completedFuture(get ? Response.raw(Response.JSON, openApi)
                        : Response.methodNotAllowed("GET"));
            }
            default -> {
                return api.handle(endpoint, call, principal);
            }
        }
    }

    /**
     * The readiness check may block (a database, a Raft read), so it runs off the network threads,
     * one at a time, and its answer serves every health request for a second: health requests need
     * no credential, and must not become a way to occupy the wallet's threads.
     */
    private CompletableFuture<Response> readiness() {
        boolean detailed = authenticator == null;
        if (closing) {
            return CompletableFuture.completedFuture(api.health(true, detailed));
        }
        long now = System.nanoTime();
        CachedHealth cached = health.get();
        if (cached != null && (!cached.answer().isDone() || now - cached.checkedNanos() < HEALTH_CACHE_NANOS)) {
            return cached.answer();
        }
        CompletableFuture<Response> answer;
        try {
            answer = CompletableFuture.supplyAsync(() -> api.health(false, detailed), blocking);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.completedFuture(api.health(true, detailed));
        }
        return health.compareAndSet(cached, new CachedHealth(now, answer)) ? answer : health.get().answer();
    }

    private record CachedHealth(long checkedNanos, CompletableFuture<Response> answer) {
    }

    /**
     * Shuts down gracefully: stops accepting connections, answers a request arriving from now on
     * 503 with {@code Connection: close}, waits up to the drain timeout until every request under
     * way has been answered, then closes every connection and stops the threads. The wallet stays
     * open; close it after this. Idempotent.
     */
    @Override
    public synchronized void close() {
        // Synchronized as a whole: a second caller returns only once the first has drained and stopped.
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        long deadline = System.nanoTime() + limits.drainTimeoutNanos();
        synchronized (inFlight) {
            try {
                long left;
                while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(inFlight, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (inFlight.get() > 0) {
            LOG.warn("{} requests still unanswered after the drain timeout of {} ms", inFlight.get(),
                    TimeUnit.NANOSECONDS.toMillis(limits.drainTimeoutNanos()));
        }
        connections.close().awaitUninterruptibly();
        // Not shutdownNow(): interrupting a thread inside a wallet call can close a database's file channel.
        blocking.shutdown();
        try {
            if (!blocking.awaitTermination(limits.drainTimeoutNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("wallet call threads still busy after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        acceptor.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        metrics.close();
        if (registry != null) {
            registry.close();
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = WalletHttpServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
