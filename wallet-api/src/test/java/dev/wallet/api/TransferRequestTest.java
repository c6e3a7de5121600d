package dev.wallet.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Currency;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransferRequestTest {

    private static final String ID = "01589980-2664-11ec-9621-0242ac130002";

    @Test
    void toTransfer_parsesTheDesignsExampleBody() {
        Transfer transfer = new TransferRequest("alice", "bob", "12.34", "USD", ID).toTransfer();
        assertEquals(new Transfer(new TransactionId(UUID.fromString(ID)), AccountId.of("alice"), AccountId.of("bob"),
                Money.of(Currency.getInstance("USD"), 1234)), transfer);
    }

    @ParameterizedTest(name = "{5}")
    @CsvSource(nullValues = "NULL", value = {
            "alice, bob, 1, USD, NULL, transaction_id",
            "alice, bob, 1, USD, not-a-uuid, transaction_id",
            "alice, bob, 1, USD, 01589980266411ec96210242ac130002, transaction_id",
            "alice, bob, 1, USD, {01589980-2664-11ec-9621-0242ac13000}, transaction_id",
            "alice, bob, 1, USD, 00000000-0000-0000-0000-000000000000, transaction_id",
            "alice, bob, 1, USD, 1-1-1-1-1, transaction_id",
            "NULL, bob, 1, USD, " + ID + ", from_account",
            "'', bob, 1, USD, " + ID + ", from_account",
            "#funding:USD, bob, 1, USD, " + ID + ", from_account",
            "alice, 'b b', 1, USD, " + ID + ", to_account",
            "alice, bob, 1, usd, " + ID + ", currency",
            "alice, bob, 1, US, " + ID + ", currency",
            "alice, bob, 1, XXX, " + ID + ", currency",
            "alice, bob, 1, ZZZ, " + ID + ", currency",
            "alice, bob, NULL, USD, " + ID + ", amount",
            "alice, bob, 1.001, USD, " + ID + ", amount",
            "alice, bob, -1, USD, " + ID + ", amount",
            "alice, bob, 0, USD, " + ID + ", amount",
    })
    void toTransfer_namesTheFirstMalformedField(String from, String to, String amount, String currency, String id,
                                                String field) {
        TransferRequest request = new TransferRequest(from, to, amount, currency, id);
        InvalidInputException e = assertThrows(InvalidInputException.class, request::toTransfer);
        assertEquals(field, e.field(), e.getMessage());
    }

    @Test
    void toTransfer_acceptsUpperCaseHexIds() {
        Transfer transfer = new TransferRequest("a", "b", "1", "JPY", ID.toUpperCase()).toTransfer();
        assertEquals(ID, transfer.transactionId().toString());
    }
}
