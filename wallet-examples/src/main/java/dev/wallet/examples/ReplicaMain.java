package dev.wallet.examples;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.raft.ReplicaServer;
import dev.wallet.raft.ReplicatedWallet;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Replicas of the replicated wallet as separate processes. Start one process per replica, each
 * with the same peer list, then a client:
 *
 * <pre>
 * PEERS=r0=127.0.0.1:9870,r1=127.0.0.1:9871,r2=127.0.0.1:9872
 * java -cp "$CP" dev.wallet.examples.ReplicaMain --id r0 --dir data/r0 --peers $PEERS &amp;
 * java -cp "$CP" dev.wallet.examples.ReplicaMain --id r1 --dir data/r1 --peers $PEERS &amp;
 * java -cp "$CP" dev.wallet.examples.ReplicaMain --id r2 --dir data/r2 --peers $PEERS &amp;
 * java -cp "$CP" dev.wallet.examples.ReplicaMain --client --peers $PEERS
 * </pre>
 *
 * A replica runs until its process ends (Ctrl-C stops it cleanly; {@code kill -9} loses nothing a
 * majority acknowledged). Restarted with the same arguments, it recovers from its directory and
 * catches up. The client opens two accounts, moves money and prints what each replica holds.
 */
public final class ReplicaMain {

    private ReplicaMain() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("id", "dir", "peers", "client"));
        Map<String, InetSocketAddress> peers = parsePeers(args.get("peers", "r0=127.0.0.1:9870,r1=127.0.0.1:9871,r2=127.0.0.1:9872"));
        if (args.get("client", null) != null) {
            runClient(peers);
            return;
        }
        String id = args.get("id", null);
        if (id == null) {
            throw new IllegalArgumentException("--id is required (one of " + peers.keySet() + "), or --client");
        }
        Path directory = Path.of(args.get("dir", "data/" + id));
        ReplicaServer replica = ReplicaServer.start(id, directory, peers);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            replica.close();
            stopped.countDown();
        }));
        System.out.printf("replica %s listening on port %d, storage in %s%n", id, replica.port(), directory.toAbsolutePath());
        stopped.await();
    }

    private static void runClient(Map<String, InetSocketAddress> peers) {
        Currency usd = Currency.getInstance("USD");
        AccountId alice = AccountId.of("alice");
        AccountId bob = AccountId.of("bob");
        try (ReplicatedWallet wallet = ReplicatedWallet.connect(peers).build()) {
            wallet.openAccount(alice, usd);
            wallet.openAccount(bob, usd);
            System.out.println(wallet.deposit(new Deposit(TransactionId.random(), alice, Money.parseAmount("100.00", usd))));
            System.out.println(wallet.transfer(new Transfer(TransactionId.random(), alice, bob, Money.parseAmount("25.50", usd))));
            System.out.println("alice " + wallet.balance(alice).orElseThrow() + ", bob " + wallet.balance(bob).orElseThrow()
                    + " (linearizable, from the leader)");
            for (String replica : wallet.replicaIds()) {
                System.out.println("  " + wallet.replicaState(replica) + ": bob "
                        + wallet.staleBalance(bob, replica, wallet.lastWriteIndex()).orElseThrow());
            }
        }
    }

    static Map<String, InetSocketAddress> parsePeers(String text) {
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        for (String peer : text.split(",")) {
            String[] idAndAddress = peer.trim().split("=", 2);
            int colon = idAndAddress.length == 2 ? idAndAddress[1].lastIndexOf(':') : -1;
            if (colon < 0) {
                throw new IllegalArgumentException("a peer is id=host:port: " + peer);
            }
            peers.put(idAndAddress[0], new InetSocketAddress(idAndAddress[1].substring(0, colon),
                    Integer.parseInt(idAndAddress[1].substring(colon + 1))));
        }
        return peers;
    }
}
