package dev.wallet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.server.WalletHttpServerTest.Api;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server stays standing: slow and stalled clients cost no thread and are timed out, overload
 * is refused at once with nothing half-done, and everything the HTTP layer itself refuses is
 * answered in the JSON error shape.
 */
class ServerLimitsTest {

    private static final Currency USD = Currency.getInstance("USD");

    @TempDir
    Path directory;

    private Deployment deployment;
    private Wallet wallet;

    private Wallet funded() {
        deployment = WalletStrategies.named("event-sourcing").deploy(directory);
        wallet = deployment.open();
        wallet.openAccount(AccountId.of("alice"), USD);
        wallet.openAccount(AccountId.of("bob"), USD);
        wallet.deposit(new Deposit(TransactionId.random(), AccountId.of("alice"), Money.parseAmount("100.00", USD)));
        return wallet;
    }

    private WalletHttpServer serve(Wallet served, UnaryOperator<WalletHttpServer.Builder> options) throws Exception {
        return options.apply(WalletHttpServer.builder(served).address(new InetSocketAddress("127.0.0.1", 0)).withoutAuthentication()).start();
    }

    @org.junit.jupiter.api.AfterEach
    void closeWallet() {
        if (wallet != null) {
            wallet.close();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    private static String transfer(String amount, String id) {
        return WalletHttpServerTest.transferJson("alice", "bob", amount, "USD", id);
    }

    @Test
    void manySlowClients_stallNobody_whileTheyHoldTheirConnections() throws Exception {
        // A read timeout far beyond the test: the slow clients are still there while the others are served.
        try (WalletHttpServer server = serve(funded(), b -> b.requestReadTimeout(Duration.ofMinutes(5)).blockingThreads(2))) {
            List<Raw> slow = new ArrayList<>();
            try {
                String body = transfer("1.00", TransactionId.random().toString());
                for (int i = 0; i < 64; i++) {
                    Raw client = new Raw(server.address());
                    slow.add(client);
                    switch (i % 4) {
                        case 0 -> client.send("POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: localhost\r\nContent-Ty");
                        case 1 -> client.send("POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: localhost\r\n"
                                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                                + body.substring(0, body.length() / 2));
                        case 2 -> {
                            for (char c : "GET /v1/wallet/acc".toCharArray()) {
                                client.send(String.valueOf(c));
                            }
                        }
                        default -> client.send("P");
                    }
                }
                Api api = new Api(server.uri());
                for (int i = 0; i < 200; i++) {
                    api.transfer("alice", "bob", "0.01", "USD", TransactionId.random().toString()).expect(200);
                }
                assertEquals("USD 98.00", api.balance("alice"), "none of the slow requests ran");
                // The slow clients still hold their connections: those with half a body finish it and are answered.
                for (int i = 1; i < slow.size(); i += 4) {
                    Raw.Answer answer = slow.get(i).send(body.substring(body.length() / 2)).read();
                    assertEquals(200, answer.code(), answer::toString);
                }
                assertEquals("USD 97.00", api.balance("alice"), "one transfer, and its replays");
            } finally {
                slow.forEach(Raw::close);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unfinished headers", "unfinished body", "nothing after the first byte"})
    void aRequestNotReceivedWholeInTime_isAnswered408_andTheConnectionCloses(String kind) throws Exception {
        try (WalletHttpServer server = serve(funded(), b -> b.requestReadTimeout(Duration.ofMillis(300)));
             Raw client = new Raw(server.address())) {
            String id = TransactionId.random().toString();
            String body = transfer("1.00", id);
            client.send(switch (kind) {
                case "unfinished headers" -> "POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: localhost\r\nContent-";
                case "unfinished body" -> "POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                        + "application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 20);
                default -> "P";
            });
            Raw.Answer answer = client.read();
            assertEquals(408, answer.code(), answer::toString);
            assertEquals("request_timeout", answer.json().get("error").asText());
            assertEquals("close", answer.headers().get("connection"));
            assertTrue(client.closedByServer());
            assertEquals(Optional.empty(), wallet.lookup(TransactionId.parse("id", id)), "nothing ran");
        }
    }

    @Test
    void connectionsBeyondTheBound_areClosedAtOnce() throws Exception {
        try (WalletHttpServer server = serve(funded(), b -> b.connectionsMax(2));
             Raw first = new Raw(server.address()); Raw second = new Raw(server.address())) {
            first.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, first.read().code());
            second.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, second.read().code());
            try (Raw third = new Raw(server.address())) {
                assertTrue(third.closedByServer(), "a third connection is closed before it is served");
            }
            first.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, first.read().code(), "the others are served on");
        }
    }

    @Test
    void anIdleConnection_isClosedAfterTheIdleTimeout() throws Exception {
        try (WalletHttpServer server = serve(funded(), b -> b.idleTimeout(Duration.ofMillis(200)));
             Raw client = new Raw(server.address())) {
            client.send(Raw.post("/v1/wallet/balance_transfer", transfer("1.00", TransactionId.random().toString())));
            assertEquals(200, client.read().code());
            assertTrue(client.closedByServer(), "closed once idle");
        }
    }

    @Test
    void overload_isRefused503WithRetryAfter_andNothingHalfDone() throws Exception {
        HeldWallet held = HeldWallet.around(funded());
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try (WalletHttpServer server = serve(held, b -> b.requestsInFlightMax(3))) {
            Api api = new Api(server.uri());
            List<String> ids = new ArrayList<>();
            List<CompletableFuture<WalletHttpServerTest.Reply>> admitted = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String id = TransactionId.random().toString();
                ids.add(id);
                admitted.add(CompletableFuture.supplyAsync(() -> api.transfer("alice", "bob", "1.00", "USD", id), clients));
            }
            held.awaitEntered(3);
            String refusedId = TransactionId.random().toString();
            try (Raw client = new Raw(server.address())) {
                client.send(Raw.post("/v1/wallet/balance_transfer", transfer("1.00", refusedId)));
                Raw.Answer refused = client.read();
                assertEquals(503, refused.code(), refused::toString);
                assertEquals("1", refused.headers().get("retry-after"));
                assertEquals("unavailable", refused.json().get("status").asText());
                held.release();
                for (CompletableFuture<WalletHttpServerTest.Reply> reply : admitted) {
                    assertEquals("success", reply.get(60, TimeUnit.SECONDS).expect(200).text("status"));
                }
                assertEquals(Optional.empty(), wallet.lookup(TransactionId.parse("id", refusedId)),
                        "the refused request left nothing under its id");
                // The same connection is served again once there is room.
                client.send(Raw.post("/v1/wallet/balance_transfer", transfer("1.00", refusedId)));
                assertEquals(200, client.read().code());
            }
            assertEquals("USD 96.00", api.balance("alice"));
        } finally {
            held.release();
            clients.shutdownNow();
        }
    }

    /** A request the HTTP layer refuses, and the status and field its JSON answer must carry. */
    record Refused(String name, String request, int code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Refused> refusedByTheHttpLayer() {
        String body = transfer("1.00", TransactionId.random().toString());
        return List.of(
                new Refused("garbage request line", "HELLO\r\n\r\n", 400, "request"),
                new Refused("Content-Length not a number", "POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: abc\r\n\r\n" + body, 400, "request"),
                new Refused("raw CR in the URI", "GET /v1/wallet/acc\rounts/alice/balance HTTP/1.1\r\nHost: x\r\n\r\n", 400,
                        "request"),
                new Refused("HTTP/1.1 without Host", "GET /v1/wallet/accounts/alice/balance HTTP/1.1\r\n\r\n", 400, "Host"),
                new Refused("request line too long", "GET /" + "a".repeat(8_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414,
                        "request_line"),
                new Refused("headers too large", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
                        431, "headers"),
                new Refused("declared body over the limit", "POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n", 400, "body"),
                new Refused("chunked body over the limit", "POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + ("1000\r\n" + "x".repeat(4096) + "\r\n").repeat(2), 400, "body"));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("refusedByTheHttpLayer")
    void whatTheHttpLayerRefuses_isAnsweredInTheJsonErrorShape(Refused refused) throws Exception {
        try (WalletHttpServer server = serve(funded(), b -> b);
             Raw client = new Raw(server.address())) {
            Raw.Answer answer = client.send(refused.request()).read();
            assertEquals(refused.code(), answer.code(), answer::toString);
            JsonNode json = answer.json();
            assertEquals("rejected", json.get("status").asText());
            assertEquals(refused.field(), json.get("field").asText(), json::toString);
            assertTrue(json.get("message").asText().startsWith(refused.field() + ": "), json::toString);
            assertEquals("close", answer.headers().get("connection"));
            assertEquals(Optional.of(Money.parseAmount("100.00", USD)), wallet.balance(AccountId.of("alice")));
        }
    }

    @Test
    void pipelinedRequests_areAnsweredInOrder() throws Exception {
        try (WalletHttpServer server = serve(funded(), b -> b);
             Raw client = new Raw(server.address())) {
            String first = TransactionId.random().toString();
            String second = TransactionId.random().toString();
            client.send(Raw.post("/v1/wallet/balance_transfer", transfer("60.00", first))
                    + Raw.post("/v1/wallet/balance_transfer", transfer("60.00", second))
                    + "GET /v1/wallet/accounts/alice/balance HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(first, client.read().json().get("transaction_id").asText());
            Raw.Answer insufficient = client.read();
            assertEquals(422, insufficient.code());
            assertEquals(second, insufficient.json().get("transaction_id").asText());
            assertEquals("40.00", client.read().json().get("amount").asText());
            client.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, client.read().code(), "the connection stays open");
        }
    }
}
