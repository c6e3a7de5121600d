package dev.wallet.server;

import static dev.wallet.server.WalletHttpServerTest.transferJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Metrics, health, and the OpenAPI document checked against real answers. */
class OperabilityTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final String DOCUMENT = "https://wallet.test/openapi.json";

    private static HttpResponse<String> send(URI base, String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void metrics_countRequestsOutcomesAndTheWalletsOwnFigures_inPrometheusFormat(@TempDir Path directory) throws Exception {
        try (Deployment deployment = WalletStrategies.named("event-sourcing").deploy(directory); Wallet wallet = deployment.open();
             WalletHttpServer server = WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0)).withoutAuthentication()
                     .strategyName("event-sourcing").start()) {
            URI base = server.uri();
            WalletHttpServerTest.Api api = new WalletHttpServerTest.Api(base);
            WalletHttpServerTest.aliceAndBob(api);
            for (int i = 0; i < 5; i++) {
                api.transfer("alice", "bob", "1.00", "USD", TransactionId.random().toString()).expect(200);
            }
            api.transfer("alice", "bob", "1000.00", "USD", TransactionId.random().toString()).expect(422);
            api.post("balance_transfers", "[" + transferJson("alice", "bob", "1.00", "USD", TransactionId.random().toString())
                    + "," + transferJson("alice", "bob", "1.00", "US", TransactionId.random().toString()) + "]").expect(200);
            HttpResponse<String> scrape = send(base, "GET", "/metrics", null);
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
            String text = scrape.body();
            for (String expected : List.of(
                    "wallet_http_requests_seconds_count{endpoint=\"transfer\",status=\"200\",strategy=\"event-sourcing\"} 5",
                    "wallet_http_requests_seconds_bucket{endpoint=\"transfer\",status=\"422\",strategy=\"event-sourcing\",le=",
                    "wallet_http_outcomes_total{endpoint=\"transfer\",outcome=\"success\",strategy=\"event-sourcing\"} 5",
                    "wallet_http_outcomes_total{endpoint=\"transfer\",outcome=\"insufficient_funds\",strategy=\"event-sourcing\"} 1",
                    "wallet_http_outcomes_total{endpoint=\"transfers\",outcome=\"success\",strategy=\"event-sourcing\"} 1",
                    "wallet_http_outcomes_total{endpoint=\"transfers\",outcome=\"rejected\",strategy=\"event-sourcing\"} 1",
                    "wallet_http_batch_items_count{strategy=\"event-sourcing\"} 1",
                    "wallet_http_requests_in_flight{strategy=\"event-sourcing\"} 0",
                    "wallet_journal_commits_total{strategy=\"event-sourcing\"}",
                    "wallet_journal_commit_time_seconds_total{strategy=\"event-sourcing\"}",
                    "wallet_journal_events_total{strategy=\"event-sourcing\"}",
                    "jvm_memory_used_bytes")) {
                assertTrue(text.contains(expected), () -> "missing " + expected + " in\n" + text);
            }
        }
    }

    @Test
    void health_isUpWhileTheWalletCanTakeCommands_andSaysWhyNotOtherwise(@TempDir Path directory) throws Exception {
        try (Deployment deployment = WalletStrategies.named("event-sourcing").deploy(directory)) {
            Wallet wallet = deployment.open();
            try (WalletHttpServer server = WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0)).withoutAuthentication()
                    .start()) {
                URI base = server.uri();
                HttpResponse<String> up = send(base, "GET", "/health", null);
                assertEquals(200, up.statusCode(), up::body);
                JsonNode json = JsonBody.MAPPER.readTree(up.body());
                assertEquals("up", json.get("status").asText());
                assertTrue(json.get("detail").asText().contains("journal writable"), json::toString);
                wallet.close();
                // A readiness answer serves for a second: ask until the closed wallet's is in.
                HttpResponse<String> down = send(base, "GET", "/health/ready", null);
                for (int attempt = 0; attempt < 100_000 && down.statusCode() == 200; attempt++) {
                    down = send(base, "GET", "/health/ready", null);
                }
                assertEquals(503, down.statusCode(), down.body());
                assertEquals("down", JsonBody.MAPPER.readTree(down.body()).get("status").asText());
                assertEquals(200, send(base, "GET", "/health/live", null).statusCode(), "still live");
            } finally {
                wallet.close();
            }
        }
    }

    /** Every answer of a tour of the API, checked against the schema the document gives for its path, method and status. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"event-sourcing", "memory"})
    void everyAnswer_matchesTheOpenApiDocument(String strategy, @TempDir Path directory) throws Exception {
        try (Deployment deployment = WalletStrategies.named(strategy).deploy(directory); Wallet wallet = deployment.open();
             WalletHttpServer server = WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0)).withoutAuthentication()
                     .requestReadTimeout(Duration.ofMillis(300)).start()) {
            URI base = server.uri();
            String document = send(base, "GET", "/openapi.json", null).body();
            JsonNode paths = JsonBody.MAPPER.readTree(document).get("paths");
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                    builder -> builder.schemas(Map.of(DOCUMENT, document)));
            Set<String> covered = new TreeSet<>();
            List<String> failures = new ArrayList<>();
            String id = TransactionId.random().toString();
            Object[][] tour = {
                    {"POST", "/v1/wallet/accounts", "/v1/wallet/accounts", "{\"account\":\"alice\",\"currency\":\"USD\"}"},
                    {"POST", "/v1/wallet/accounts", "/v1/wallet/accounts", "{\"account\":\"alice\",\"currency\":\"USD\"}"},
                    {"POST", "/v1/wallet/accounts", "/v1/wallet/accounts", "{\"account\":\"alice\",\"currency\":\"EUR\"}"},
                    {"POST", "/v1/wallet/accounts", "/v1/wallet/accounts", "{\"account\":\"bob\",\"currency\":\"USD\"}"},
                    {"POST", "/v1/wallet/deposit", "/v1/wallet/deposit", "{\"account\":\"alice\",\"amount\":\"50.00\","
                            + "\"currency\":\"USD\",\"transaction_id\":\"" + TransactionId.random() + "\"}"},
                    {"POST", "/v1/wallet/withdrawal", "/v1/wallet/withdrawal", "{\"account\":\"bob\",\"amount\":\"50.00\","
                            + "\"currency\":\"USD\",\"transaction_id\":\"" + TransactionId.random() + "\"}"},
                    {"POST", "/v1/wallet/balance_transfer", "/v1/wallet/balance_transfer", transferJson("alice", "bob", "5.00", "USD", id)},
                    {"POST", "/v1/wallet/balance_transfer", "/v1/wallet/balance_transfer", transferJson("alice", "bob", "5.00", "USD", id)},
                    {"POST", "/v1/wallet/balance_transfer", "/v1/wallet/balance_transfer", transferJson("alice", "bob", "6.00", "USD", id)},
                    {"POST", "/v1/wallet/balance_transfer", "/v1/wallet/balance_transfer",
                            transferJson("alice", "zed", "5.00", "USD", TransactionId.random().toString())},
                    {"POST", "/v1/wallet/balance_transfer", "/v1/wallet/balance_transfer", "{\"amount\":12}"},
                    {"POST", "/v1/wallet/balance_transfers", "/v1/wallet/balance_transfers", "[" + transferJson("alice", "bob",
                            "1.00", "USD", TransactionId.random().toString()) + "," + transferJson("alice", "bob", "x", "USD",
                            TransactionId.random().toString()) + "," + transferJson("alice", "bob", "1000.00", "USD", id) + "]"},
                    {"POST", "/v1/wallet/balance_transfers", "/v1/wallet/balance_transfers", "{}"},
                    {"GET", "/v1/wallet/transactions/{transaction_id}", "/v1/wallet/transactions/" + id, null},
                    {"GET", "/v1/wallet/transactions/{transaction_id}", "/v1/wallet/transactions/" + TransactionId.random(), null},
                    {"GET", "/v1/wallet/transactions/{transaction_id}", "/v1/wallet/transactions/nope", null},
                    {"GET", "/v1/wallet/accounts/{account}/balance", "/v1/wallet/accounts/alice/balance", null},
                    {"GET", "/v1/wallet/accounts/{account}/balance", "/v1/wallet/accounts/alice/balance?at_sequence=2", null},
                    {"GET", "/v1/wallet/accounts/{account}/balance", "/v1/wallet/accounts/nobody/balance", null},
                    {"GET", "/v1/wallet/accounts/{account}/balance", "/v1/wallet/accounts/"
                            + URLEncoder.encode("#funding:USD", StandardCharsets.UTF_8) + "/balance", null},
                    {"GET", "/v1/wallet/accounts/{account}/history", "/v1/wallet/accounts/alice/history?limit=2", null},
                    {"GET", "/v1/wallet/accounts/{account}/history", "/v1/wallet/accounts/alice/history?limit=0", null},
                    {"GET", "/health", "/health", null},
                    {"GET", "/health/ready", "/health/ready", null},
                    {"GET", "/health/live", "/health/live", null},
                    {"GET", "/openapi.json", "/openapi.json", null},
            };
            for (Object[] step : tour) {
                HttpResponse<String> response = send(base, (String) step[0], (String) step[2], (String) step[3]);
                check(registry, paths, (String) step[0], (String) step[1], response.statusCode(), response.body(),
                        covered, failures);
            }
            // The answers of the HTTP layer itself, over a bare socket.
            try (Raw client = new Raw(server.address())) {
                Raw.Answer answer = client.send("GET /v1/wallet/accounts/alice/balance HTTP/1.1\r\n\r\n").read();
                check(registry, paths, "GET", "/v1/wallet/accounts/{account}/balance", answer.code(),
                        new String(answer.body(), StandardCharsets.UTF_8), covered, failures);
            }
            try (Raw client = new Raw(server.address())) {
                Raw.Answer answer = client.send("POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: x\r\nContent-").read();
                check(registry, paths, "POST", "/v1/wallet/balance_transfer", answer.code(),
                        new String(answer.body(), StandardCharsets.UTF_8), covered, failures);
            }
            try (Raw client = new Raw(server.address())) {
                Raw.Answer answer = client.send("POST /v1/wallet/balance_transfer HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}").read();
                check(registry, paths, "POST", "/v1/wallet/balance_transfer", answer.code(),
                        new String(answer.body(), StandardCharsets.UTF_8), covered, failures);
            }
            assertEquals(List.of(), failures);
            assertTrue(covered.size() >= 25, () -> "covered only " + covered);
        }
    }

    static void check(SchemaRegistry registry, JsonNode paths, String method, String path, int code, String body,
                              Set<String> covered, List<String> failures) throws IOException {
        String where = method + " " + path + " " + code;
        JsonNode responses = paths.path(path).path(method.toLowerCase(java.util.Locale.ROOT)).path("responses");
        if (!responses.has(Integer.toString(code))) {
            failures.add(where + ": the document gives no such answer; body " + body);
            return;
        }
        JsonNode content = responses.get(Integer.toString(code)).get("content");
        Iterator<String> types = content.fieldNames();
        String type = types.next();
        if (!type.equals("application/json")) {
            covered.add(where);
            return;
        }
        String pointer = "/paths/" + escape(path) + "/" + method.toLowerCase(java.util.Locale.ROOT) + "/responses/" + code
                + "/content/application~1json/schema";
        Schema schema = registry.getSchema(SchemaLocation.of(DOCUMENT + "#" + pointer));
        List<Error> errors = schema.validate(JsonBody.MAPPER.readTree(body));
        if (!errors.isEmpty()) {
            failures.add(where + ": " + errors + " in " + body);
        }
        covered.add(where);
    }

    /** A path as a JSON pointer token inside a URI fragment. */
    private static String escape(String path) {
        return path.replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D");
    }
}
