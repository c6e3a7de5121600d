package dev.wallet.server;

import static dev.wallet.server.WalletHttpServerTest.transferJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletStrategies;
import dev.wallet.api.spi.Deployment;
import dev.wallet.server.WalletHttpServerTest.Api;
import dev.wallet.server.WalletHttpServerTest.Reply;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secured server end to end over TLS: every credential checked, every rule of who may do what,
 * ids scoped per principal, per-client limits, and no secret in a log line or an error body.
 */
class SecurityTest {

    private static final String ISSUER = "https://issuer.test";
    private static final String AUDIENCE = "wallet";
    private static final Map<String, String> KEYS = Map.of("alice", "alice-key-7f3a9c", "bob", "bob-key-1d2e3f",
            "ops", "ops-key-a1b2c3", "audit", "audit-key-9e8d7c");

    @TempDir
    Path directory;

    private Deployment deployment;
    private Wallet wallet;
    private WalletHttpServer server;
    private HttpClient tls;
    private KeyPair signing;
    private final List<String> secrets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        start(b -> b);
    }

    private void start(java.util.function.UnaryOperator<WalletHttpServer.Builder> options) throws Exception {
        Path keys = directory.resolve("api-keys.txt");
        Files.writeString(keys, "# sha256 principal roles\n"
                + Authenticator.sha256(KEYS.get("alice")) + " alice\n"
                + Authenticator.sha256(KEYS.get("bob")) + " bob\n"
                + Authenticator.sha256(KEYS.get("ops")) + " ops operator\n"
                + Authenticator.sha256(KEYS.get("audit")) + " audit auditor\n");
        secrets.addAll(KEYS.values());
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        signing = generator.generateKeyPair();
        Path jwks = directory.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(new RSAKey.Builder((RSAPublicKey) signing.getPublic()).keyID("k1").build()).toString());
        deployment = WalletStrategies.named("event-sourcing").deploy(directory.resolve("wallet"));
        wallet = deployment.open();
        server = options.apply(WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0))
                .tls(resource("tls/cert.pem"), resource("tls/key.pem"))
                .authentication(Authenticator.builder().apiKeys(keys).jwts(jwks, ISSUER, AUDIENCE).build(),
                        directory.resolve("server"))).start();
        tls = HttpClient.newBuilder().sslContext(trusting(resource("tls/cert.pem"))).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (wallet != null) {
            wallet.close();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    private static Path resource(String name) throws Exception {
        return Path.of(SecurityTest.class.getClassLoader().getResource(name).toURI());
    }

    private static SSLContext trusting(Path certificate) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            store.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private Api as(String principal) {
        return new Api(server.uri(), KEYS.get(principal), tls);
    }

    private Api withToken(String token) {
        secrets.add(token);
        return new Api(server.uri(), token, tls);
    }

    private String jwt(String subject, List<String> roles, String audience, String issuer, Instant notBefore, Instant expiry,
                       KeyPair key) throws JOSEException {
        SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().subject(subject).issuer(issuer).audience(audience).claim("roles", roles)
                        .notBeforeTime(Date.from(notBefore)).expirationTime(Date.from(expiry)).build());
        token.sign(new RSASSASigner((RSAPrivateKey) key.getPrivate()));
        return token.serialize();
    }

    /** Alice owns alice-1 with 100.00, bob owns bob-1 (empty). */
    private void aliceAndBob() {
        as("alice").open("alice-1", "USD").expect(201);
        as("bob").open("bob-1", "USD").expect(201);
        as("ops").post("deposit", "{\"account\":\"alice-1\",\"amount\":\"100.00\",\"currency\":\"USD\",\"transaction_id\":\""
                + TransactionId.random() + "\"}").expect(200);
    }

    private String balance(String account) {
        return as("audit").balance(account);
    }

    @Test
    void plainHttpAndNoAuthentication_areRefusedAwayFromLoopback() {
        InetSocketAddress everywhere = new InetSocketAddress("0.0.0.0", 0);
        assertThrows(IllegalStateException.class, () -> WalletHttpServer.builder(wallet).address(everywhere)
                .withoutAuthentication().start());
        assertThrows(IllegalStateException.class, () -> WalletHttpServer.builder(wallet).address(everywhere)
                .authentication(Authenticator.builder().apiKey("k", new Principal("p", java.util.Set.of())).build(),
                        directory.resolve("other")).start(), "plain HTTP on every interface");
        assertThrows(IllegalStateException.class, () -> WalletHttpServer.builder(wallet)
                .address(new InetSocketAddress("127.0.0.1", 0)).start(), "neither authentication nor its explicit absence");
    }

    @Test
    void everyEndpoint_withoutOrWithABadCredential_is401_andChangesNothing() throws Exception {
        aliceAndBob();
        String id = TransactionId.random().toString();
        Instant now = Instant.now();
        KeyPair other = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        List<Api> callers = List.of(
                new Api(server.uri(), null, tls),
                withToken("not-a-key"),
                withToken(jwt("alice", List.of(), AUDIENCE, ISSUER, now.minusSeconds(7200), now.minusSeconds(3600), signing)),
                withToken(jwt("alice", List.of(), AUDIENCE, ISSUER, now.plusSeconds(3600), now.plusSeconds(7200), signing)),
                withToken(jwt("alice", List.of(), "another-service", ISSUER, now.minusSeconds(60), now.plusSeconds(3600), signing)),
                withToken(jwt("alice", List.of(), AUDIENCE, "https://evil.test", now.minusSeconds(60), now.plusSeconds(3600), signing)),
                withToken(jwt("alice", List.of(), AUDIENCE, ISSUER, now.minusSeconds(60), now.plusSeconds(3600), other)),
                withToken(new PlainJWT(new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience(AUDIENCE)
                        .expirationTime(Date.from(now.plusSeconds(3600))).build()).serialize()));
        PrintStream original = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        List<String> bodies = new ArrayList<>();
        try {
            for (Api caller : callers) {
                List<Reply> replies = List.of(
                        caller.transfer("alice-1", "bob-1", "1.00", "USD", id),
                        caller.post("balance_transfers", "[" + transferJson("alice-1", "bob-1", "1.00", "USD", id) + "]"),
                        caller.post("deposit", "{\"account\":\"bob-1\",\"amount\":\"1.00\",\"currency\":\"USD\","
                                + "\"transaction_id\":\"" + id + "\"}"),
                        caller.open("mallory-1", "USD"),
                        caller.get("accounts/alice-1/balance"),
                        caller.get("accounts/alice-1/history"),
                        caller.get("transactions/" + id),
                        caller.send(HttpRequest.newBuilder(server.uri().resolve("/metrics")).GET()));
                for (Reply reply : replies) {
                    assertEquals(401, reply.code(), reply.json()::toString);
                    assertEquals("unauthenticated", reply.text("error"));
                    bodies.add(reply.json().toString());
                }
            }
            HttpResponse<String> challenged = tls.send(HttpRequest.newBuilder(server.uri().resolve("/v1/wallet/accounts/alice-1/balance"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(challenged.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer realm=\"wallet\""));
        } finally {
            System.setErr(original);
        }
        assertEquals("USD 100.00", balance("alice-1"));
        assertEquals("USD 0.00", balance("bob-1"));
        assertEquals(404, as("audit").get("accounts/mallory-1/balance").code(), "nothing was opened");
        assertEquals(404, as("alice").get("transactions/" + id).code(), "nothing was recorded under the id");
        String everything = logs.toString(StandardCharsets.UTF_8) + String.join("\n", bodies);
        for (String secret : secrets) {
            assertFalse(everything.contains(secret), "a credential appeared in a log line or an error body");
        }
        assertEquals(200, tls.send(HttpRequest.newBuilder(server.uri().resolve("/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "health needs no credential");
    }

    @Test
    void refusals_matchTheOpenApiDocument() throws Exception {
        aliceAndBob();
        String document = tls.send(HttpRequest.newBuilder(server.uri().resolve("/openapi.json")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        com.fasterxml.jackson.databind.JsonNode paths = JsonBody.MAPPER.readTree(document).get("paths");
        com.networknt.schema.SchemaRegistry registry = com.networknt.schema.SchemaRegistry.withDefaultDialect(
                com.networknt.schema.SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemas(Map.of(OperabilityTest.DOCUMENT, document)));
        List<String> failures = new ArrayList<>();
        java.util.Set<String> covered = new java.util.TreeSet<>();
        Reply unauthenticated = new Api(server.uri(), null, tls).transfer("alice-1", "bob-1", "1.00", "USD",
                TransactionId.random().toString());
        OperabilityTest.check(registry, paths, "POST", "/v1/wallet/balance_transfer", unauthenticated.code(),
                unauthenticated.json().toString(), covered, failures);
        Reply forbidden = as("bob").transfer("alice-1", "bob-1", "1.00", "USD", TransactionId.random().toString());
        OperabilityTest.check(registry, paths, "POST", "/v1/wallet/balance_transfer", forbidden.code(),
                forbidden.json().toString(), covered, failures);
        Reply batch = as("bob").post("balance_transfers", "[" + transferJson("alice-1", "bob-1", "1.00", "USD",
                TransactionId.random().toString()) + "]");
        OperabilityTest.check(registry, paths, "POST", "/v1/wallet/balance_transfers", batch.code(),
                batch.json().toString(), covered, failures);
        Reply unreadable = as("bob").get("accounts/alice-1/balance");
        OperabilityTest.check(registry, paths, "GET", "/v1/wallet/accounts/{account}/balance", unreadable.code(),
                unreadable.json().toString(), covered, failures);
        Reply history = as("alice").get("accounts/alice-1/history");
        OperabilityTest.check(registry, paths, "GET", "/v1/wallet/accounts/{account}/history", history.code(),
                history.json().toString(), covered, failures);
        assertEquals(List.of(), failures);
        assertEquals(java.util.Set.of("POST /v1/wallet/balance_transfer 401", "POST /v1/wallet/balance_transfer 403",
                "POST /v1/wallet/balance_transfers 200", "GET /v1/wallet/accounts/{account}/balance 403",
                "GET /v1/wallet/accounts/{account}/history 200"), covered);
    }

    @Test
    void aValidJwt_isAPrincipal_withTheRolesItsTokenGives() throws Exception {
        Instant now = Instant.now();
        Api carol = withToken(jwt("carol", List.of(), AUDIENCE, ISSUER, now.minusSeconds(60), now.plusSeconds(3600), signing));
        carol.open("carol-1", "USD").expect(201);
        assertEquals("forbidden", carol.post("deposit", "{\"account\":\"carol-1\",\"amount\":\"1.00\",\"currency\":\"USD\","
                + "\"transaction_id\":\"" + TransactionId.random() + "\"}").expect(403).text("error"));
        Api operator = withToken(jwt("olga", List.of("operator"), AUDIENCE, ISSUER, now.minusSeconds(60), now.plusSeconds(3600),
                signing));
        operator.post("deposit", "{\"account\":\"carol-1\",\"amount\":\"5.00\",\"currency\":\"USD\",\"transaction_id\":\""
                + TransactionId.random() + "\"}").expect(200);
        assertEquals("USD 5.00", carol.balance("carol-1"));
        // Within the tolerated clock skew, a token that just expired still passes.
        withToken(jwt("carol", List.of(), AUDIENCE, ISSUER, now.minusSeconds(60), now.minusSeconds(5), signing))
                .get("accounts/carol-1/balance").expect(200);
    }

    @Test
    void principals_debitOnlyWhatTheyOwn_andOnlyOperatorsMoveMoneyInAndOut() {
        aliceAndBob();
        String stolen = TransactionId.random().toString();
        assertEquals("forbidden", as("bob").transfer("alice-1", "bob-1", "10.00", "USD", stolen).expect(403).text("error"));
        assertEquals(404, as("bob").get("transactions/" + stolen).code(), "the refused transfer recorded nothing");
        assertEquals(403, as("bob").post("deposit", "{\"account\":\"bob-1\",\"amount\":\"1.00\",\"currency\":\"USD\","
                + "\"transaction_id\":\"" + TransactionId.random() + "\"}").code());
        assertEquals(403, as("alice").post("withdrawal", "{\"account\":\"alice-1\",\"amount\":\"1.00\",\"currency\":\"USD\","
                + "\"transaction_id\":\"" + TransactionId.random() + "\"}").code());
        assertEquals(403, as("bob").get("accounts/alice-1/balance").code(), "no reading another's balance");
        assertEquals(403, as("bob").get("accounts/alice-1/history").code());
        assertEquals(403, as("bob").get("accounts/%23funding:USD/balance").code());
        assertEquals(403, as("bob").post("accounts", "{\"account\":\"bob-2\",\"currency\":\"USD\",\"owner\":\"alice\"}").code(),
                "opening for another needs an operator");
        assertEquals(403, as("bob").open("alice-1", "USD").code(), "an account keeps its owner");
        assertEquals(403, as("alice").send(HttpRequest.newBuilder(server.uri().resolve("/metrics")).GET()).code());

        as("ops").post("accounts", "{\"account\":\"bob-2\",\"currency\":\"USD\",\"owner\":\"bob\"}").expect(201);
        as("alice").transfer("alice-1", "bob-2", "30.00", "USD", TransactionId.random().toString()).expect(200);
        as("bob").transfer("bob-2", "alice-1", "10.00", "USD", TransactionId.random().toString()).expect(200);
        assertEquals("USD 20.00", as("bob").balance("bob-2"));
        assertEquals("USD 80.00", as("alice").balance("alice-1"));
        // A batch answers a forbidden item in its place and runs the others.
        Reply batch = as("bob").post("balance_transfers", "[" + transferJson("alice-1", "bob-1", "1.00", "USD",
                TransactionId.random().toString()) + "," + transferJson("bob-2", "bob-1", "1.00", "USD",
                TransactionId.random().toString()) + "]").expect(200);
        assertEquals(403, batch.json().get("results").get(0).get("code").asInt());
        assertEquals(200, batch.json().get("results").get(1).get("code").asInt());
        assertEquals("USD 80.00", balance("alice-1"));
        // The history names who issued each command.
        Reply history = as("alice").get("accounts/alice-1/history").expect(200);
        List<String> issuers = new ArrayList<>();
        history.json().get("entries").forEach(entry -> issuers.add(entry.get("issued_by").asText()));
        assertEquals(List.of("ops", "alice", "bob"), issuers);
    }

    @Test
    void transactionIds_areScopedPerPrincipal_andTheStatusOfOnesIsInvisibleToOthers() {
        aliceAndBob();
        as("ops").post("accounts", "{\"account\":\"bob-2\",\"currency\":\"USD\",\"owner\":\"bob\"}").expect(201);
        String id = TransactionId.random().toString();
        as("alice").transfer("alice-1", "bob-1", "10.00", "USD", id).expect(200);
        assertEquals(404, as("bob").get("transactions/" + id).code(), "bob learns nothing of alice's id");
        assertEquals(403, as("bob").get("transactions/" + id + "?principal=alice").code());
        assertEquals("decided", as("audit").get("transactions/" + id + "?principal=alice").expect(200).text("state"));
        assertEquals("decided", as("alice").get("transactions/" + id).expect(200).text("state"));
        // The same id from bob is his own command: no conflict, no replay of alice's.
        Reply bobs = as("bob").transfer("bob-1", "bob-2", "1.00", "USD", id).expect(200);
        assertFalse(bobs.replayed());
        assertEquals(id, bobs.text("transaction_id"), "answers name the id as the client sent it");
        assertTrue(as("alice").transfer("alice-1", "bob-1", "10.00", "USD", id).expect(200).replayed(), "alice's repeat");
        assertEquals("USD 90.00", balance("alice-1"));
        assertEquals("USD 9.00", balance("bob-1"));
    }

    @Test
    void perClientLimits_answer429_andOneNoisyClientStarvesNoOther() throws Exception {
        aliceAndBob();
        as("ops").post("accounts", "{\"account\":\"bob-2\",\"currency\":\"USD\",\"owner\":\"bob\"}").expect(201);
        server.close();
        HeldWallet held = HeldWallet.around(wallet);
        Path keys = directory.resolve("api-keys.txt");
        server = WalletHttpServer.builder(held).address(new InetSocketAddress("127.0.0.1", 0))
                .tls(resource("tls/cert.pem"), resource("tls/key.pem"))
                .authentication(Authenticator.builder().apiKeys(keys).build(), directory.resolve("server"))
                .clientLimits(1_000, 2).start();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<Reply>> noisy = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                noisy.add(CompletableFuture.supplyAsync(() -> as("bob").transfer("bob-1", "bob-2", "1.00", "USD",
                        TransactionId.random().toString()), clients));
            }
            held.awaitEntered(2);
            Reply refused = as("bob").get("accounts/bob-1/balance");
            assertEquals(429, refused.code(), refused.json()::toString);
            assertEquals("too_many_requests", refused.text("error"));
            assertEquals("USD 100.00", as("alice").balance("alice-1"), "alice is served while bob is at his limit");
            held.release();
            for (CompletableFuture<Reply> reply : noisy) {
                reply.get(60, TimeUnit.SECONDS);
            }
        } finally {
            held.release();
            clients.shutdownNow();
        }
        // The rate: 3 a second; ten requests at once exceed it.
        server.close();
        server = WalletHttpServer.builder(wallet).address(new InetSocketAddress("127.0.0.1", 0))
                .tls(resource("tls/cert.pem"), resource("tls/key.pem"))
                .authentication(Authenticator.builder().apiKeys(keys).build(), directory.resolve("server"))
                .clientLimits(3, 100).start();
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            Reply reply = as("bob").get("accounts/bob-1/balance");
            if (reply.code() == 429) {
                limited++;
            }
        }
        assertTrue(limited > 0, "a client over its rate is refused");
    }
}
