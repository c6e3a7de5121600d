package dev.wallet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.api.spi.WalletStrategy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP endpoint end to end: a real server on 127.0.0.1 and a port the operating system chose,
 * a real HTTP client, the event-sourcing strategy by default (and the basic flow on every strategy).
 */
class WalletHttpServerTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** A running server on a fresh deployment, closed (server, wallet, deployment) at the end. */
    static void withServer(WalletStrategy strategy, Path directory, Consumer<Api> body) throws Exception {
        try (Deployment deployment = strategy.deploy(directory); Wallet wallet = deployment.open();
             WalletHttpServer server = WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0)).withoutAuthentication()
                     .blockingThreads(4).start()) {
            body.accept(new Api(server.uri()));
        }
    }

    static void withServer(Path directory, Consumer<Api> body) throws Exception {
        withServer(WalletStrategies.named("event-sourcing"), directory, body);
    }

    /** A reply: status code, parsed JSON, whether the server marked it as a repeat. */
    record Reply(int code, JsonNode json, boolean replayed) {

        String text(String field) {
            JsonNode value = json.get(field);
            return value == null ? null : value.asText();
        }

        Reply expect(int expectedCode) {
            assertEquals(expectedCode, code, () -> "HTTP " + code + " " + json);
            return this;
        }
    }

    /** A client of the API; {@code token}, when not null, is sent as a bearer credential; {@code client} may use TLS. */
    record Api(URI base, String token, HttpClient client) {

        Api(URI base) {
            this(base, null, CLIENT);
        }

        Api(URI base, String token) {
            this(base, token, CLIENT);
        }

        Reply post(String path, String json) {
            return send(HttpRequest.newBuilder(base.resolve("/v1/wallet/" + path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)));
        }

        Reply get(String path) {
            return send(HttpRequest.newBuilder(base.resolve("/v1/wallet/" + path)).GET());
        }

        Reply send(HttpRequest.Builder request) {
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            try {
                HttpResponse<byte[]> response = client.send(request.timeout(REQUEST_TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(Optional.of("application/json; charset=utf-8"), response.headers().firstValue("Content-Type"));
                JsonNode json = JsonBody.MAPPER.readTree(response.body());
                return new Reply(response.statusCode(), json,
                        response.headers().firstValue(WalletHttpServer.REPLAYED_HEADER).map("true"::equals).orElse(false));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        Reply open(String account, String currency) {
            return post("accounts", "{\"account\":\"" + account + "\",\"currency\":\"" + currency + "\"}");
        }

        Reply deposit(String account, String amount, String currency) {
            return post("deposit", "{\"account\":\"" + account + "\",\"amount\":\"" + amount + "\",\"currency\":\"" + currency
                    + "\",\"transaction_id\":\"" + TransactionId.random() + "\"}");
        }

        Reply transfer(String from, String to, String amount, String currency, String id) {
            return post("balance_transfer", transferJson(from, to, amount, currency, id));
        }

        String balance(String account) {
            Reply reply = get("accounts/" + account + "/balance").expect(200);
            return reply.text("currency") + " " + reply.text("amount");
        }
    }

    static String transferJson(String from, String to, String amount, String currency, String id) {
        return "{\"from_account\":\"" + from + "\",\"to_account\":\"" + to + "\",\"amount\":\"" + amount
                + "\",\"currency\":\"" + currency + "\",\"transaction_id\":\"" + id + "\"}";
    }

    static void aliceAndBob(Api api) {
        assertEquals("opened", api.open("alice", "USD").expect(201).text("status"));
        assertEquals("already_open", api.open("alice", "USD").expect(200).text("status"));
        api.open("bob", "USD").expect(201);
        assertEquals("success", api.deposit("alice", "100.00", "USD").expect(200).text("status"));
    }

    @Test
    void transfer_answersAsTheDesignSays_andARepeatGetsTheOriginalAnswer(@TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            String id = TransactionId.random().toString();
            Reply first = api.transfer("alice", "bob", "12.34", "USD", id).expect(200);
            assertEquals(JsonBody.MAPPER.createObjectNode().put("status", "success").put("transaction_id", id), first.json());
            assertFalse(first.replayed());
            assertEquals("USD 87.66", api.balance("alice"));
            assertEquals("USD 12.34", api.balance("bob"));

            Reply again = api.transfer("alice", "bob", "12.34", "USD", id).expect(200);
            assertEquals(first.json(), again.json(), "a repeat gets the original answer");
            assertTrue(again.replayed(), "and is marked as a repeat");
            assertEquals("USD 87.66", api.balance("alice"), "a repeat moves no money");

            Reply conflict = api.transfer("alice", "bob", "1.00", "USD", id).expect(409);
            assertEquals("conflict", conflict.text("error"));
            assertEquals(id, conflict.text("transaction_id"));
            assertEquals("USD 87.66", api.balance("alice"));
        });
    }

    @Test
    void businessFailures_haveTheirStatusCodes_andArePinnedToTheId(@TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            api.open("carol", "EUR").expect(201);
            assertEquals("exists_in_other_currency", api.open("carol", "USD").expect(409).text("error"));

            String poor = TransactionId.random().toString();
            Reply insufficient = api.transfer("alice", "bob", "100.01", "USD", poor).expect(422);
            assertEquals("failed", insufficient.text("status"));
            assertEquals("insufficient_funds", insufficient.text("error"));
            Reply insufficientAgain = api.transfer("alice", "bob", "100.01", "USD", poor).expect(422);
            assertEquals(insufficient.json(), insufficientAgain.json());
            assertTrue(insufficientAgain.replayed());

            assertEquals("currency_mismatch", api.transfer("alice", "carol", "1.00", "USD", TransactionId.random().toString())
                    .expect(422).text("error"));
            assertEquals("unknown_account", api.transfer("alice", "dave", "1.00", "USD", TransactionId.random().toString())
                    .expect(404).text("error"));
            assertEquals("same_account", api.transfer("alice", "alice", "1.00", "USD", TransactionId.random().toString())
                    .expect(422).text("error"));
            assertEquals("insufficient_funds", api.post("withdrawal", "{\"account\":\"bob\",\"amount\":\"0.01\",\"currency\":\"USD\","
                    + "\"transaction_id\":\"" + TransactionId.random() + "\"}").expect(422).text("error"));
            assertEquals("USD 100.00", api.balance("alice"));
            assertEquals("USD 0.00", api.balance("bob"));
            assertEquals("EUR 0.00", api.balance("carol"));
            assertEquals("USD -100.00", api.balance("%23funding:USD"), "the funding account, percent-encoded");
        });
    }

    /** One malformed request: what is sent and which field the 400 must name. */
    record Malformed(String name, byte[] body, String contentType, int code, String field) {

        /** The same request with the first occurrence of {@code placeholder} replaced by raw bytes. */
        Malformed withBytes(byte[] placeholder, byte[] raw) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int at = indexOf(body, placeholder);
            out.write(body, 0, at);
            out.write(raw, 0, raw.length);
            out.write(body, at + placeholder.length, body.length - at - placeholder.length);
            return new Malformed(name, out.toByteArray(), contentType, code, field);
        }

        private static int indexOf(byte[] haystack, byte[] needle) {
            for (int i = 0; i + needle.length <= haystack.length; i++) {
                if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("placeholder not found");
        }

        static Malformed json(String name, String body, String field) {
            return new Malformed(name, body.getBytes(StandardCharsets.UTF_8), "application/json", 400, field);
        }

        /** The valid transfer body with one member's raw JSON replaced. */
        static Malformed member(String name, String member, String rawValue) {
            return json(name, VALID.replace("\"" + member + "\":\"" + value(member) + "\"", "\"" + member + "\":" + rawValue),
                    member);
        }

        private static String value(String member) {
            return switch (member) {
                case "from_account" -> "alice";
                case "to_account" -> "bob";
                case "amount" -> "12.34";
                case "currency" -> "USD";
                default -> ID;
            };
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final String ID = "6f1c1e4e-2d7b-4c59-9a55-0b8f3f7f1a01";
    static final String VALID = transferJson("alice", "bob", "12.34", "USD", ID);

    static Stream<Malformed> malformedCatalogue() {
        List<Malformed> cases = new ArrayList<>(List.of(
                Malformed.json("empty body", "", "body"),
                Malformed.json("truncated JSON", VALID.substring(0, VALID.length() / 2), "body"),
                Malformed.json("missing closing brace", VALID.substring(0, VALID.length() - 1), "body"),
                Malformed.json("JSON array", "[" + VALID + "]", "body"),
                Malformed.json("JSON string", "\"hello\"", "body"),
                Malformed.json("JSON null", "null", "body"),
                Malformed.json("two objects", VALID + VALID, "body"),
                Malformed.json("trailing garbage", VALID + "x", "body"),
                Malformed.json("duplicate member", VALID.replace("{", "{\"amount\":\"1.00\","), "body"),
                Malformed.json("comment", "/* hi */" + VALID, "body"),
                Malformed.json("single quotes", VALID.replace('"', '\''), "body"),
                Malformed.json("unknown member", VALID.replace("{", "{\"memo\":\"rent\","), "memo"),
                Malformed.json("missing amount", VALID.replace("\"amount\":\"12.34\",", ""), "amount"),
                Malformed.json("missing transaction_id", VALID.replace(",\"transaction_id\":\"" + ID + "\"", ""), "transaction_id"),
                Malformed.member("amount as a JSON number", "amount", "12.34"),
                Malformed.member("amount as a JSON integer", "amount", "12"),
                Malformed.member("amount null", "amount", "null"),
                Malformed.member("amount as an object", "amount", "{\"value\":\"12.34\"}"),
                Malformed.member("amount in exponent notation", "amount", "\"1e3\""),
                Malformed.member("negative amount", "amount", "\"-5.00\""),
                Malformed.member("zero amount", "amount", "\"0.00\""),
                Malformed.member("too many fraction digits", "amount", "\"12.345\""),
                Malformed.member("grouping separator", "amount", "\"1,000.00\""),
                Malformed.member("blank amount", "amount", "\" \""),
                Malformed.member("padded amount", "amount", "\" 12.34\""),
                Malformed.member("non-ASCII digits", "amount", "\"\uFF11\uFF12\""),
                Malformed.member("amount over the maximum", "amount", "\"99999999999999999999\""),
                Malformed.member("currency lower case", "currency", "\"usd\""),
                Malformed.member("currency without minor units", "currency", "\"XXX\""),
                Malformed.member("unknown currency", "currency", "\"ZZZ\""),
                Malformed.member("currency as a number", "currency", "840"),
                Malformed.member("transaction_id not a UUID", "transaction_id", "\"not-a-uuid\""),
                Malformed.member("transaction_id as a number", "transaction_id", "12345"),
                Malformed.member("empty from_account", "from_account", "\"\""),
                Malformed.member("from_account with a space", "from_account", "\"al ice\""),
                Malformed.member("from_account a funding account", "from_account", "\"#funding:USD\""),
                Malformed.member("to_account as an object", "to_account", "{}"),
                Malformed.member("to_account too long", "to_account", "\"" + "b".repeat(65) + "\""),
                new Malformed("invalid UTF-8", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '"', 'x', '"', '}'},
                        "application/json", 400, "body"),
                new Malformed("overlong UTF-8 in a value", VALID.replace("alice", "\u0001lice").getBytes(StandardCharsets.UTF_8),
                        "application/json", 400, "body").withBytes("\u0001".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC1, (byte) 0xA1}),
                new Malformed("UTF-8-encoded surrogate", VALID.replace("alice", "\u0001lice").getBytes(StandardCharsets.UTF_8),
                        "application/json", 400, "body").withBytes("\u0001".getBytes(StandardCharsets.UTF_8),
                        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                new Malformed("UTF-16LE body", VALID.getBytes(StandardCharsets.UTF_16LE), "application/json", 400, "body"),
                new Malformed("byte order mark", ("\uFEFF" + VALID).getBytes(StandardCharsets.UTF_8), "application/json", 400, "body"),
                new Malformed("text/plain", VALID.getBytes(StandardCharsets.UTF_8), "text/plain", 415, "Content-Type"),
                new Malformed("charset other than UTF-8", VALID.getBytes(StandardCharsets.ISO_8859_1),
                        "application/json; charset=iso-8859-1", 415, "Content-Type"),
                new Malformed("no content type", VALID.getBytes(StandardCharsets.UTF_8), null, 415, "Content-Type")));
        String oversized = VALID.replace("\"12.34\"", "\"12.34\"" + ",\"pad\":\"" + "x".repeat(WalletHttpServer.Builder.DEFAULT_BODY_BYTES_MAX) + "\"");
        cases.add(Malformed.json("body over the size limit", oversized, "body"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedCatalogue")
    void malformedRequests_areRejectedNamingTheField_andChangeNothing(Malformed bad, @TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            HttpRequest.Builder request = HttpRequest.newBuilder(api.base().resolve("/v1/wallet/balance_transfer"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bad.body()));
            if (bad.contentType() != null) {
                request.header("Content-Type", bad.contentType());
            }
            Reply reply = api.send(request).expect(bad.code());
            assertEquals("rejected", reply.text("status"), reply.json()::toString);
            assertEquals(bad.code() == 415 ? "unsupported_media_type" : "invalid_input", reply.text("error"));
            assertEquals(bad.field(), reply.text("field"), reply.json()::toString);
            assertTrue(reply.text("message").startsWith(bad.field() + ": "), reply.json()::toString);
            assertEquals("USD 100.00", api.balance("alice"));
            assertEquals("USD 0.00", api.balance("bob"));
            // Nothing was recorded under the id either: the valid request with it runs fresh.
            Reply valid = api.transfer("alice", "bob", "12.34", "USD", ID).expect(200);
            assertFalse(valid.replayed(), "the rejected request left no trace under its transaction_id");
        });
    }

    @Test
    void chunkedBodyOverTheLimit_isRejectedWithoutReadingItAll(@TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            byte[] huge = ("{\"from_account\":\"" + "a".repeat(1 << 20) + "\"}").getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(api.base().resolve("/v1/wallet/balance_transfer"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge)));
            Reply reply;
            try {
                reply = api.send(request);
            } catch (java.io.UncheckedIOException e) {
                // The server may close the connection before the client has finished sending; what
                // matters is that nothing changed.
                reply = null;
            }
            if (reply != null) {
                reply.expect(400);
                assertEquals("body", reply.text("field"));
            }
            assertEquals("USD 100.00", api.balance("alice"));
        });
    }

    @Test
    void companionEndpoints_pastBalanceAndHistory(@TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            String id = TransactionId.random().toString();
            api.transfer("alice", "bob", "30.00", "USD", id).expect(200);
            api.post("withdrawal", "{\"account\":\"bob\",\"amount\":\"5.00\",\"currency\":\"USD\",\"transaction_id\":\""
                    + TransactionId.random() + "\"}").expect(200);

            JsonNode history = api.get("accounts/alice/history").expect(200).json();
            assertEquals(2, history.get("total").asInt());
            JsonNode deposit = history.get("entries").get(0);
            JsonNode transfer = history.get("entries").get(1);
            assertEquals("deposit", deposit.get("kind").asText());
            assertEquals("100.00", deposit.get("amount").asText());
            assertEquals("transfer", transfer.get("kind").asText());
            assertEquals("-30.00", transfer.get("amount").asText());
            assertEquals("bob", transfer.get("counterparty").asText());
            assertEquals(id, transfer.get("transaction_id").asText());
            assertEquals(1, api.get("accounts/alice/history?limit=1").expect(200).json().get("entries").size());

            long afterDeposit = deposit.get("sequence").asLong();
            Reply past = api.get("accounts/alice/balance?at_sequence=" + afterDeposit).expect(200);
            assertEquals("100.00", past.text("amount"));
            assertEquals(afterDeposit, past.json().get("at_sequence").asLong());
            assertEquals("70.00", api.get("accounts/alice/balance?at_sequence=" + transfer.get("sequence").asLong())
                    .expect(200).text("amount"));
            assertEquals("USD 70.00", api.balance("alice"));
            assertEquals("USD 25.00", api.balance("bob"));
            assertEquals("unknown_account", api.get("accounts/bob/balance?at_sequence=1").expect(404).text("error"),
                    "bob did not exist at the first event");

            assertEquals("at_sequence", api.get("accounts/alice/balance?at_sequence=-1").expect(400).text("field"));
            assertEquals("at_sequence", api.get("accounts/alice/balance?at_sequence=999999").expect(400).text("field"));
            assertEquals("at_sequence", api.get("accounts/alice/balance?at_sequence=x").expect(400).text("field"));
            assertEquals("when", api.get("accounts/alice/balance?when=now").expect(400).text("field"));
            assertEquals("limit", api.get("accounts/alice/history?limit=0").expect(400).text("field"));
            assertEquals("account", api.get("accounts/al%20ice/balance").expect(400).text("field"));
            assertEquals("unknown_account", api.get("accounts/dave/balance").expect(404).text("error"));
            assertEquals("unknown_account", api.get("accounts/dave/history").expect(404).text("error"));
            assertEquals("not_found", api.get("nothing/here").expect(404).text("error"));
            Reply wrongMethod = api.get("balance_transfer").expect(405);
            assertEquals("method_not_allowed", wrongMethod.text("error"));
        });
    }

    @Test
    void strategiesWithoutHistory_answer501ForPastBalancesAndHistory(@TempDir Path directory) throws Exception {
        withServer(WalletStrategies.named("memory"), directory, api -> {
            aliceAndBob(api);
            assertEquals("not_supported", api.get("accounts/alice/history").expect(501).text("error"));
            assertEquals("not_supported", api.get("accounts/alice/balance?at_sequence=1").expect(501).text("error"));
            assertEquals("USD 100.00", api.balance("alice"));
        });
    }

    @Test
    void historyTurnedOff_isAnswered501(@TempDir Path directory) throws Exception {
        try (Wallet wallet = dev.wallet.eventsourcing.EventSourcedWallet.builder(directory).history(false).build();
             WalletHttpServer server = WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0))
                     .withoutAuthentication().start()) {
            Api api = new Api(server.uri());
            aliceAndBob(api);
            assertEquals("not_supported", api.get("accounts/alice/history").expect(501).text("error"));
        }
    }

    /** Every strategy by name, for the parameterized tests of this package. */
    static Stream<Arguments> strategies() {
        return WalletStrategies.all().stream().map(strategy -> Arguments.of(strategy.name()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void everyStrategy_servesTheSameAnswers(String name, @TempDir Path directory) throws Exception {
        withServer(WalletStrategies.named(name), directory, api -> {
            aliceAndBob(api);
            String id = TransactionId.random().toString();
            assertEquals("success", api.transfer("alice", "bob", "40.00", "USD", id).expect(200).text("status"));
            assertTrue(api.transfer("alice", "bob", "40.00", "USD", id).expect(200).replayed());
            assertEquals("insufficient_funds", api.transfer("alice", "bob", "60.01", "USD", TransactionId.random().toString())
                    .expect(422).text("error"));
            assertEquals("amount", api.post("balance_transfer", VALID.replace("\"12.34\"", "12.34")).expect(400).text("field"));
            assertEquals("USD 60.00", api.balance("alice"));
            assertEquals("USD 40.00", api.balance("bob"));
        });
    }

    @Test
    void mapsEveryStatus() {
        Map<String, Integer> expected = Map.of("SUCCESS", 200, "UNKNOWN_ACCOUNT", 404, "CONFLICT", 409,
                "INSUFFICIENT_FUNDS", 422, "CURRENCY_MISMATCH", 422, "SAME_ACCOUNT", 422, "LIMIT_EXCEEDED", 422, "IN_DOUBT", 500);
        for (dev.wallet.api.Status status : dev.wallet.api.Status.values()) {
            assertEquals(expected.get(status.name()), Response.httpStatus(status), status::name);
        }
    }
}
