package dev.wallet.server;

import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Serves a wallet over HTTP ({@link WalletHttpServer}) until the process is told to stop (Ctrl-C or
 * SIGTERM), then shuts down gracefully: no new connections, every request under way answered, and
 * only then the wallet closed (journal forced, pools and databases closed).
 *
 * <pre>
 * java -jar wallet-server/target/wallet-server.jar --dev --port 8080
 * </pre>
 *
 * Options: {@code --strategy NAME} (default {@code event-sourcing}), {@code --data DIR} (default
 * {@code wallet-data/<strategy>}; strategies without files ignore it), {@code --host} (default
 * {@code 127.0.0.1}), {@code --port} (default 8080; 0 lets the operating system choose),
 * {@code --threads} (threads for blocking wallet calls, default 16), {@code --io-threads} (default:
 * one per core), {@code --requests-in-flight-max}, {@code --connections-max},
 * {@code --request-read-timeout-ms}, {@code --idle-timeout-ms}, {@code --drain-timeout-ms}; security:
 * {@code --tls-cert PEM --tls-key PEM} (or {@code --plain-http}, loopback only), {@code --api-keys FILE}, {@code --jwks FILE --jwt-issuer ISS
 * --jwt-audience AUD}, {@code --client-rate N --client-concurrency N}, or {@code --dev} (loopback,
 * plain HTTP, a generated token printed at start).
 */
public final class WalletServer {

    private static final List<String> OPTIONS = List.of("strategy", "data", "host", "port", "threads", "io-threads",
            "requests-in-flight-max", "connections-max", "request-read-timeout-ms", "idle-timeout-ms", "drain-timeout-ms",
            "tls-cert", "tls-key", "api-keys", "jwks", "jwt-issuer", "jwt-audience", "client-rate", "client-concurrency");
    /** Options without a value. */
    private static final List<String> SWITCHES = List.of("dev", "plain-http");

    private WalletServer() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> options = options(argv);
        WalletStrategy strategy = WalletStrategies.named(options.getOrDefault("strategy", "event-sourcing"));
        Path data = Path.of(options.getOrDefault("data", "wallet-data/" + strategy.name()));
        InetSocketAddress address = new InetSocketAddress(options.getOrDefault("host", "127.0.0.1"),
                number(options, "port", 8080));
        Files.createDirectories(data);
        Deployment deployment = strategy.deploy(data);
        Wallet wallet;
        WalletHttpServer running;
        try {
            wallet = deployment.open();
            try {
                WalletHttpServer.Builder builder = WalletHttpServer.builder(wallet).address(address)
                        .strategyName(strategy.name())
                        .blockingThreads(number(options, "threads", 16))
                        .eventLoopThreads(number(options, "io-threads", Runtime.getRuntime().availableProcessors()))
                        .requestsInFlightMax(number(options, "requests-in-flight-max",
                                WalletHttpServer.Builder.DEFAULT_REQUESTS_IN_FLIGHT_MAX))
                        .connectionsMax(number(options, "connections-max", WalletHttpServer.Builder.DEFAULT_CONNECTIONS_MAX));
                if (options.containsKey("request-read-timeout-ms")) {
                    builder.requestReadTimeout(Duration.ofMillis(number(options, "request-read-timeout-ms", 0)));
                }
                if (options.containsKey("idle-timeout-ms")) {
                    builder.idleTimeout(Duration.ofMillis(number(options, "idle-timeout-ms", 0)));
                }
                if (options.containsKey("drain-timeout-ms")) {
                    builder.drainTimeout(Duration.ofMillis(number(options, "drain-timeout-ms", 0)));
                }
                security(options, builder, data);
                running = builder.start();
            } catch (Exception | Error e) {
                wallet.close();
                throw e;
            }
        } catch (Exception | Error e) {
            deployment.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping: answering requests under way, then closing the wallet.");
            try {
                running.close();
            } finally {
                try {
                    wallet.close();
                } finally {
                    deployment.close();
                    stopped.countDown();
                }
            }
        }, "wallet-server-shutdown"));
        System.out.println("Strategy " + strategy.name() + " on " + data.toAbsolutePath() + " - " + strategy.summary());
        System.out.println("Listening on " + running.uri() + "/v1/wallet/ (metrics at /metrics, health at /health, "
                + "API at /openapi.json; Ctrl-C stops)");
        stopped.await();
    }

    /**
     * TLS, credentials and per-client limits from the flags. {@code --dev}: plain HTTP on a loopback
     * address and a generated API key (operator and auditor) printed once, for the demo, the
     * comparison and the benchmarks. Otherwise {@code --api-keys} and/or {@code --jwks} (with
     * {@code --jwt-issuer} and {@code --jwt-audience}) are required, and TLS unless on loopback.
     */
    private static void security(Map<String, String> options, WalletHttpServer.Builder builder, Path data)
            throws java.io.IOException {
        if (options.containsKey("tls-cert") != options.containsKey("tls-key")) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (options.containsKey("tls-cert")) {
            builder.tls(Path.of(options.get("tls-cert")), Path.of(options.get("tls-key")));
        } else if (!options.containsKey("dev") && !options.containsKey("plain-http")) {
            throw new IllegalArgumentException("no TLS: give --tls-cert FILE --tls-key FILE, or ask for plain HTTP "
                    + "with --plain-http (on a loopback address only)");
        }
        Authenticator.Builder credentials = Authenticator.builder();
        boolean any = false;
        if (options.containsKey("api-keys")) {
            credentials.apiKeys(Path.of(options.get("api-keys")));
            any = true;
        }
        if (options.containsKey("jwks")) {
            if (!options.containsKey("jwt-issuer") || !options.containsKey("jwt-audience")) {
                throw new IllegalArgumentException("--jwks needs --jwt-issuer and --jwt-audience");
            }
            credentials.jwts(Path.of(options.get("jwks")), options.get("jwt-issuer"), options.get("jwt-audience"));
            any = true;
        }
        if (options.containsKey("dev")) {
            String key = Authenticator.newApiKey();
            credentials.apiKey(key, new Principal("dev", java.util.EnumSet.allOf(Principal.Role.class)));
            any = true;
            System.out.println("Development mode: plain HTTP on loopback only. Token (principal dev, operator and auditor):");
            System.out.println("Authorization: Bearer " + key);
        }
        if (!any) {
            throw new IllegalArgumentException("no credentials: give --api-keys FILE and/or --jwks FILE --jwt-issuer ISS "
                    + "--jwt-audience AUD, or --dev for a loopback development server with a generated token");
        }
        builder.authentication(credentials.build(), data.resolve("server"));
        builder.clientLimits(number(options, "client-rate", WalletHttpServer.Builder.DEFAULT_CLIENT_RATE),
                number(options, "client-concurrency", WalletHttpServer.Builder.DEFAULT_CLIENT_CONCURRENCY));
    }

    /** {@code --name value} or {@code --name=value}, each name one of {@link #OPTIONS}, or a switch of {@link #SWITCHES}. */
    static Map<String, String> options(String[] argv) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("expected an option like --name value, got: " + argv[i]);
            }
            String name = argv[i].substring(2);
            if (SWITCHES.contains(name)) {
                values.put(name, "true");
                continue;
            }
            String value;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < argv.length) {
                value = argv[++i];
            } else {
                throw new IllegalArgumentException("option --" + name + " needs a value");
            }
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; accepted: --" + String.join(", --", OPTIONS));
            }
            values.put(name, value);
        }
        return values;
    }

    private static int number(Map<String, String> options, String name, int fallback) {
        String value = options.get(name);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number: " + value, e);
        }
    }
}
