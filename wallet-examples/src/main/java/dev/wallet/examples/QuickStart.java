package dev.wallet.examples;

import dev.wallet.api.AccountId;
import dev.wallet.api.Deposit;
import dev.wallet.api.Money;
import dev.wallet.api.Outcome;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransferRequest;
import dev.wallet.api.Wallet;
import dev.wallet.memory.MemoryWallet;
import java.util.Currency;

/** The README's quick start, compiled and run by a test so that it cannot rot. */
public final class QuickStart {

    private QuickStart() {
    }

    public static void main(String[] args) {
        // quick-start:begin
        Currency usd = Currency.getInstance("USD");
        AccountId alice = AccountId.of("alice");
        AccountId bob = AccountId.of("bob");
        try (Wallet wallet = MemoryWallet.builder().partitions(16).build()) {
            wallet.openAccount(alice, usd);
            wallet.openAccount(bob, usd);
            wallet.deposit(new Deposit(TransactionId.random(), alice, Money.parseAmount("100.00", usd)));

            // The HTTP body of POST /v1/wallet/balance_transfer, every field a string:
            TransferRequest request = new TransferRequest("alice", "bob", "12.34", "USD",
                    "01589980-2664-11ec-9621-0242ac130002");
            Outcome first = wallet.transfer(request);   // SUCCESS
            Outcome again = wallet.transfer(request);   // SUCCESS, replay() == true: no money moved twice
            System.out.println(first + " " + again);
            System.out.println(wallet.balance(bob).orElseThrow());   // USD 12.34
        }
        // quick-start:end
    }
}
