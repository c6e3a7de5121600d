package dev.wallet.examples;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.TransactionId;
import dev.wallet.api.Transfer;
import dev.wallet.eventsourcing.AuditReport;
import dev.wallet.eventsourcing.EventSourcedWallet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Currency;

/** The README's event-sourcing example: journal, restart, a past balance, history and audit. */
public final class EventSourcingExample {

    private EventSourcingExample() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("wallet-es-example-");
        // es-example:begin
        Currency usd = Currency.getInstance("USD");
        AccountId alice = AccountId.of("alice");
        AccountId bob = AccountId.of("bob");
        long afterDeposit;
        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).build()) {
            wallet.openAccount(alice, usd);
            wallet.openAccount(bob, usd);
            wallet.deposit(new Deposit(TransactionId.random(), alice, Money.parseAmount("100.00", usd)));
            afterDeposit = wallet.lastSequence();          // every event has a sequence number
            wallet.transfer(new Transfer(TransactionId.random(), alice, bob, Money.parseAmount("30.00", usd)));
        }                                                  // acknowledged = forced to disk

        try (EventSourcedWallet wallet = EventSourcedWallet.builder(directory).build()) {
            System.out.println(wallet.recovery());                     // snapshot used, events replayed
            System.out.println(wallet.balance(alice).orElseThrow());   // USD 70.00
            System.out.println(wallet.balanceAt(alice, afterDeposit).orElseThrow());   // USD 100.00
            wallet.history(alice).forEach(System.out::println);        // deposit +100.00, transfer -30.00
            AuditReport audit = wallet.audit();                        // full replay == live state?
            System.out.println(audit.passed() + " " + audit);
        }
        // es-example:end
    }
}
