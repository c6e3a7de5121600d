package dev.wallet.examples;

import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import dev.wallet.examples.http.WalletHttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Serves a wallet over HTTP ({@link WalletHttpServer}) until the process is told to stop (Ctrl-C or
 * SIGTERM), then shuts down gracefully: no new connections, requests under way answered, the
 * wallet closed (journal forced, pools closed).
 *
 * <pre>
 * mvn -q -pl wallet-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.wallet.examples.WalletServer -Dexec.args="--port 8080"
 * </pre>
 *
 * Options: {@code --strategy NAME} (default {@code event-sourcing}), {@code --data DIR} (default
 * {@code wallet-data/<strategy>}; strategies without files ignore it), {@code --host} (default
 * {@code 127.0.0.1}), {@code --port} (default 8080; 0 lets the operating system choose),
 * {@code --threads} (request threads, default 16).
 */
public final class WalletServer {

    private WalletServer() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("strategy", "data", "host", "port", "threads"));
        WalletStrategy strategy = WalletStrategies.named(args.get("strategy", "event-sourcing"));
        Path data = Path.of(args.get("data", "wallet-data/" + strategy.name()));
        InetSocketAddress address = new InetSocketAddress(args.get("host", "127.0.0.1"), args.intValue("port", 8080));
        int threads = args.intValue("threads", 16);
        Files.createDirectories(data);
        Deployment deployment = strategy.deploy(data);
        Wallet wallet;
        WalletHttpServer server;
        try {
            wallet = deployment.open();
            try {
                server = WalletHttpServer.start(wallet, address, threads);
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
                server.close();
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
        System.out.println("Listening on " + server.uri() + "/v1/wallet/ (Ctrl-C stops)");
        stopped.await();
    }
}
