package dev.wallet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.server.WalletHttpServerTest.Api;
import dev.wallet.server.WalletHttpServerTest.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Graceful shutdown drains: every request under way is answered with its outcome, on every strategy. */
class ShutdownTest {

    private static final Currency USD = Currency.getInstance("USD");

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.wallet.server.WalletHttpServerTest#strategies")
    void close_answersEveryRequestUnderWay_refusesNewOnes_andOnlyThenReturns(String strategy, @TempDir Path directory)
            throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try (Deployment deployment = WalletStrategies.named(strategy).deploy(directory); Wallet wallet = deployment.open()) {
            wallet.openAccount(AccountId.of("alice"), USD);
            wallet.openAccount(AccountId.of("bob"), USD);
            wallet.deposit(new Deposit(TransactionId.random(), AccountId.of("alice"), Money.parseAmount("100.00", USD)));
            HeldWallet held = HeldWallet.around(wallet);
            WalletHttpServer server = WalletHttpServer.builder(held).address(new InetSocketAddress("127.0.0.1", 0)).withoutAuthentication()
                    .blockingThreads(4).start();
            try (Raw keptAlive = new Raw(server.address())) {
                keptAlive.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, keptAlive.read().code());
                Api api = new Api(server.uri());
                List<CompletableFuture<Reply>> underWay = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String id = TransactionId.random().toString();
                    underWay.add(CompletableFuture.supplyAsync(() -> api.transfer("alice", "bob", "1.00", "USD", id), clients));
                }
                held.awaitEntered(3);
                CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, clients);
                awaitRefusedConnections(server.address());
                Raw.Answer refused = keptAlive.send("GET /v1/wallet/accounts/alice/balance HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals(503, refused.code(), refused::toString);
                assertEquals("close", refused.headers().get("connection"));
                assertFalse(closing.isDone(), "close waits for the requests under way");
                held.release();
                closing.get(60, TimeUnit.SECONDS);
                for (CompletableFuture<Reply> reply : underWay) {
                    assertEquals("success", reply.get(60, TimeUnit.SECONDS).expect(200).text("status"));
                }
                assertEquals(Optional.of(Money.parseAmount("97.00", USD)), wallet.balance(AccountId.of("alice")));
            } finally {
                held.release();
                server.close();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /** Tries new connections until the closed listener refuses one (no sleeping: each try is a round trip). */
    private static void awaitRefusedConnections(InetSocketAddress address) throws IOException {
        for (int attempt = 0; attempt < 100_000; attempt++) {
            try (Socket socket = new Socket()) {
                socket.connect(address, 1_000);
            } catch (java.net.SocketException refused) {
                // Refused, or reset while it waited in the closed listener's backlog.
                return;
            }
        }
        throw new AssertionError("the listener still accepts connections");
    }

    /**
     * The real thing: the runnable server in its own process, clients transferring, SIGTERM. Every
     * answer is the command's true outcome (checked after a restart) or a 503 for a request that
     * arrived during shutdown and changed nothing; nothing fails because a database closed first.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2pc", "event-sourcing"})
    void sigterm_underLoad_answersWhatIsUnderWay_andClosesTheWalletAfterTheServer(String strategy, @TempDir Path directory)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                WalletServer.class.getName(), "--dev", "--strategy", strategy, "--data", directory.toString(), "--port", "0")
                .redirectErrorStream(true).start();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            URI base = null;
            String token = null;
            Pattern listening = Pattern.compile("Listening on (http://[^/]+)/");
            for (String line; base == null && (line = output.readLine()) != null; ) {
                Matcher matcher = listening.matcher(line);
                if (matcher.find()) {
                    base = URI.create(matcher.group(1));
                }
                if (line.startsWith("Authorization: Bearer ")) {
                    token = line.substring("Authorization: Bearer ".length());
                }
            }
            String bearer = "Bearer " + token;
            assertTrue(base != null, "the server printed its address");
            Thread drain = new Thread(() -> output.lines().forEach(line -> { }));
            drain.setDaemon(true);
            drain.start();
            Api api = new Api(base, token);
            api.open("alice", "USD").expect(201);
            api.open("bob", "USD").expect(201);
            api.deposit("alice", "10000.00", "USD").expect(200);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            AtomicInteger succeeded = new AtomicInteger();
            URI transfers = base.resolve("/v1/wallet/balance_transfer");
            for (int c = 0; c < 8; c++) {
                clients.execute(() -> {
                    while (true) {
                        String id = TransactionId.random().toString();
                        HttpRequest request = HttpRequest.newBuilder(transfers).header("Content-Type", "application/json")
                                .header("Authorization", bearer)
                                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(
                                        WalletHttpServerTest.transferJson("alice", "bob", "0.01", "USD", id))).build();
                        HttpResponse<String> response;
                        try {
                            response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        } catch (IOException e) {
                            return; // the server is gone: this request may or may not have run
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        answers.put(id, response.statusCode());
                        if (response.statusCode() == 200) {
                            succeeded.incrementAndGet();
                        } else if (response.statusCode() != 503 || !response.body().contains("shutting down")) {
                            unexpected.add(response.statusCode() + " " + response.body());
                        }
                    }
                });
            }
            while (succeeded.get() < 300 && process.isAlive()) {
                Thread.onSpinWait();
            }
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the server stopped");
            clients.shutdown();
            assertTrue(clients.awaitTermination(120, TimeUnit.SECONDS));
        } finally {
            process.destroyForcibly();
            clients.shutdownNow();
        }
        assertEquals(List.of(), unexpected, "every answer is an outcome or a refusal during shutdown");
        try (Deployment deployment = WalletStrategies.named(strategy).deploy(directory); Wallet wallet = deployment.open();
             Registry registry = Registry.open(directory.resolve("server"))) {
            for (Map.Entry<String, Integer> answer : answers.entrySet()) {
                // The wallet recorded each id scoped to the principal that sent it.
                TransactionId recorded = registry.scoped("dev", TransactionId.parse("id", answer.getKey()));
                Optional<TransactionLookup> lookup = wallet.lookup(recorded);
                if (answer.getValue() == 200) {
                    assertEquals(Optional.of(TransactionLookup.decided(recorded, Status.SUCCESS)),
                            lookup, "an acknowledged transfer is durable");
                } else {
                    assertEquals(Optional.empty(), lookup, "a request refused during shutdown changed nothing");
                }
            }
            Money alice = wallet.balance(AccountId.of("alice")).orElseThrow();
            Money bob = wallet.balance(AccountId.of("bob")).orElseThrow();
            assertEquals(1_000_000L, alice.minor() + bob.minor(), "no money created or destroyed");
            long acknowledged = answers.values().stream().filter(code -> code == 200).count();
            assertTrue(bob.minor() >= acknowledged, "bob holds at least every acknowledged cent");
        }
    }
}
