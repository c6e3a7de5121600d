package dev.wallet.server;

import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The same endpoints on Vert.x instead of Netty directly, for the comparison that chose the
 * server's library: the same {@link Api} (parsing, validation, {@code executeAsync}), only the
 * HTTP layer differs. Not a test and not shipped; run it and point {@code bench/transfers.lua} at it:
 *
 * <pre>
 * mvn -q -pl wallet-server exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.wallet.server.VertxComparison -Dexec.args="18081 /tmp/vertx-data"
 * </pre>
 */
public final class VertxComparison {

    private VertxComparison() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path data = Files.createDirectories(Path.of(args[1]));
        Deployment deployment = WalletStrategies.named("event-sourcing").deploy(data);
        Wallet wallet = deployment.open();
        ExecutorService blocking = Executors.newFixedThreadPool(16);
        ServerMetrics metrics = new ServerMetrics(wallet, "event-sourcing", () -> 0, () -> 0);
        Api api = new Api(wallet, blocking, metrics, Access.open());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setPort(port)
                .setHost("127.0.0.1"));
        server.requestHandler(request -> request.body().onSuccess(body -> {
            String path = request.path();
            api.handle(Api.endpointOf(path), new Api.Call(request.method().name(), path,
                            request.query(), request.getHeader("Content-Type"), body.getBytes()), null)
                    .whenComplete((response, error) -> request.response().setStatusCode(response.code())
                            .putHeader("Content-Type", response.contentType())
                            .end(Buffer.buffer(response.bytes())));
        }));
        server.listen().toCompletionStage().toCompletableFuture().join();
        System.out.println("Vert.x listening on http://127.0.0.1:" + port);
        new CountDownLatch(1).await();
    }
}
