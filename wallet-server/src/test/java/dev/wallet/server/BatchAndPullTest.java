package dev.wallet.server;

import static dev.wallet.server.WalletHttpServerTest.aliceAndBob;
import static dev.wallet.server.WalletHttpServerTest.transferJson;
import static dev.wallet.server.WalletHttpServerTest.withServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wallet.api.TransactionId;
import dev.wallet.api.WalletStrategies;
import dev.wallet.server.WalletHttpServerTest.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The batch endpoint (each item on its own, in order) and the pull of a transaction's status. */
class BatchAndPullTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.wallet.server.WalletHttpServerTest#strategies")
    void aBatch_answersEveryItemInOrder_eachOnItsOwn(String strategy, @TempDir Path directory) throws Exception {
        withServer(WalletStrategies.named(strategy), directory, api -> {
            aliceAndBob(api);
            String first = TransactionId.random().toString();
            String poor = TransactionId.random().toString();
            String later = TransactionId.random().toString();
            String items = "[" + String.join(",",
                    transferJson("alice", "bob", "30.00", "USD", first),
                    transferJson("alice", "bob", "12.345", "USD", TransactionId.random().toString()),
                    transferJson("alice", "bob", "30.00", "USD", first),
                    transferJson("alice", "bob", "1.00", "USD", first),
                    transferJson("alice", "bob", "500.00", "USD", poor),
                    "{\"from_account\":\"alice\"}",
                    "17",
                    transferJson("alice", "carol", "1.00", "USD", TransactionId.random().toString()),
                    transferJson("alice", "bob", "70.00", "USD", later)) + "]";
            Reply reply = api.post("balance_transfers", items).expect(200);
            JsonNode results = reply.json().get("results");
            assertEquals(9, reply.json().get("count").asInt());
            assertEquals(9, results.size());
            assertEquals(3, reply.json().get("succeeded").asInt(), "the replay counts: it answers success");
            expectItem(results.get(0), 200, "success", null);
            assertEquals(first, results.get(0).get("transaction_id").asText());
            assertFalse(results.get(0).has("replayed"));
            expectItem(results.get(1), 400, "rejected", null);
            assertEquals("amount", results.get(1).get("field").asText());
            expectItem(results.get(2), 200, "success", null);
            assertTrue(results.get(2).get("replayed").asBoolean(), "a repeat within the batch is a replay");
            expectItem(results.get(3), 409, "failed", "conflict");
            expectItem(results.get(4), 422, "failed", "insufficient_funds");
            expectItem(results.get(5), 400, "rejected", null);
            assertEquals("to_account", results.get(5).get("field").asText(), results.get(5)::toString);
            expectItem(results.get(6), 400, "rejected", null);
            assertEquals("body", results.get(6).get("field").asText());
            expectItem(results.get(7), 404, "failed", "unknown_account");
            expectItem(results.get(8), 200, "success", null);
            assertEquals("USD 0.00", api.balance("alice"));
            assertEquals("USD 100.00", api.balance("bob"));

            // The whole batch again: every executed item is replayed, nothing moves.
            JsonNode again = api.post("balance_transfers", items).expect(200).json().get("results");
            assertTrue(again.get(0).get("replayed").asBoolean());
            assertTrue(again.get(4).get("replayed").asBoolean());
            assertEquals("USD 100.00", api.balance("bob"));
        });
    }

    private static void expectItem(JsonNode item, int code, String status, String error) {
        assertEquals(code, item.get("code").asInt(), item::toString);
        assertEquals(status, item.get("status").asText(), item::toString);
        if (error != null) {
            assertEquals(error, item.get("error").asText(), item::toString);
        }
    }

    @Test
    void aMalformedEnvelope_isOne400_andChangesNothing(@TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            String one = transferJson("alice", "bob", "1.00", "USD", TransactionId.random().toString());
            List<String> envelopes = new ArrayList<>(List.of("", "{}", one, "[]", "[" + one, "[" + one + "] x", "null"));
            envelopes.add("[" + String.join(",", java.util.Collections.nCopies(Api.BATCH_ITEMS_MAX + 1, one)) + "]");
            for (String envelope : envelopes) {
                Reply reply = api.post("balance_transfers", envelope).expect(400);
                assertEquals("body", reply.text("field"), reply.json()::toString);
            }
            assertEquals("USD 100.00", api.balance("alice"));
        });
    }

    @Test
    void theLargestBatch_runsWhole(@TempDir Path directory) throws Exception {
        withServer(directory, api -> {
            aliceAndBob(api);
            List<String> items = new ArrayList<>();
            for (int i = 0; i < Api.BATCH_ITEMS_MAX; i++) {
                items.add(transferJson("alice", "bob", "0.01", "USD", TransactionId.random().toString()));
            }
            JsonNode json = api.post("balance_transfers", "[" + String.join(",", items) + "]").expect(200).json();
            assertEquals(Api.BATCH_ITEMS_MAX, json.get("succeeded").asInt());
            assertEquals("USD 18.10", api.balance("alice"));
        });
    }

    @Test
    void thePull_answersInFlight_whileTheWalletHasNotDecided(@TempDir Path directory) throws Exception {
        TransactionId held = TransactionId.random();
        try (dev.wallet.api.spi.Deployment deployment = WalletStrategies.named("memory").deploy(directory);
             dev.wallet.api.Wallet wallet = deployment.open();
             WalletHttpServer server = WalletHttpServer.builder(new HeldWallet(wallet) {
                 @Override
                 public java.util.Optional<dev.wallet.api.TransactionLookup> lookup(TransactionId id) {
                     return id.equals(held) ? java.util.Optional.of(dev.wallet.api.TransactionLookup.inFlight(id))
                             : super.lookup(id);
                 }
             }).address(new java.net.InetSocketAddress("127.0.0.1", 0)).withoutAuthentication().start()) {
            Reply reply = new WalletHttpServerTest.Api(server.uri()).get("transactions/" + held).expect(200);
            assertEquals("in_flight", reply.text("state"));
            assertFalse(reply.json().has("outcome"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.wallet.server.WalletHttpServerTest#strategies")
    void thePull_answersTheRecordedStatus_withoutExecutingAnything(String strategy, @TempDir Path directory) throws Exception {
        withServer(WalletStrategies.named(strategy), directory, api -> {
            aliceAndBob(api);
            String id = TransactionId.random().toString();
            Reply unknown = api.get("transactions/" + id).expect(404);
            assertEquals("unknown", unknown.text("state"));
            assertEquals(id, unknown.text("transaction_id"));

            api.transfer("alice", "bob", "10.00", "USD", id).expect(200);
            Reply decided = api.get("transactions/" + id).expect(200);
            assertEquals("decided", decided.text("state"));
            assertEquals("success", decided.json().get("outcome").get("status").asText());
            assertEquals(200, decided.json().get("outcome").get("code").asInt());

            String poor = TransactionId.random().toString();
            api.transfer("alice", "bob", "1000.00", "USD", poor).expect(422);
            JsonNode failed = api.get("transactions/" + poor).expect(200).json().get("outcome");
            assertEquals("insufficient_funds", failed.get("error").asText());
            assertEquals(422, failed.get("code").asInt());

            assertEquals("transaction_id", api.get("transactions/not-a-uuid").expect(400).text("field"));
            assertEquals("method_not_allowed", api.post("transactions/" + id, "{}").expect(405).text("error"));
            assertEquals("USD 90.00", api.balance("alice"), "asking moved nothing");
            api.get("transactions/" + TransactionId.random()).expect(404);
        });
    }
}
