package dev.wallet.contract;

import dev.wallet.api.TransferRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The catalogue of malformed request fields: each entry replaces one field of a valid request.
 *
 * @param field the field replaced, as the HTTP body names it
 * @param value the malformed value ({@code null} for a missing field)
 */
record BadInput(String field, String value) {

    static final String VALID_FROM = "a0";
    static final String VALID_TO = "a1";
    static final String VALID_AMOUNT = "1.00";
    static final String VALID_CURRENCY = "USD";

    static final List<BadInput> CATALOGUE = catalogue();

    private static List<BadInput> catalogue() {
        List<BadInput> all = new ArrayList<>();
        for (String id : new String[] {null, "", " ", "not-a-uuid", "01589980266411ec96210242ac130002",
                "{01589980-2664-11ec-9621-0242ac130002}", "01589980-2664-11ec-9621-0242ac13000g",
                "01589980-2664-11ec-9621-0242ac130002 ", "00000000-0000-0000-0000-000000000000", "1-1-1-1-1",
                "01589980-2664-11ec-9621_0242ac130002"}) {
            all.add(new BadInput("transaction_id", id));
        }
        for (String account : new String[] {null, "", " ", "\t", "a b", " a0", "a0 ", "-a0", ".a0", "a/0", "a#0",
                "#funding:USD", "ä0", "a\u00000", "a".repeat(65), "\u202ea0"}) {
            all.add(new BadInput("from_account", account));
            all.add(new BadInput("to_account", account));
        }
        for (String currency : new String[] {null, "", "usd", "Usd", "US", "USDD", "XXX", "XAU", "XDR", "ZZZ", "€",
                "U$D", " USD"}) {
            all.add(new BadInput("currency", currency));
        }
        for (String amount : new String[] {null, "", " ", "0", "0.0", "0.00", "-1", "-0.01", "+1", "1e2", "1E2",
                "1,000", "1_000", "1 000", "1'000", ".5", "5.", "1.2.3", "01", "00.50", "1.001", "0.001", "NaN",
                "Infinity", "0x10", "１", "١", "1\u00a0000", " 1", "1 ", "10000000000000.01", "99999999999999999999",
                "9999999999999999999", "9999999999999999999.99",
                "1".repeat(40), "12a", "½"}) {
            all.add(new BadInput("amount", amount));
        }
        return List.copyOf(all);
    }

    /** A request valid in every field but this entry's one. */
    TransferRequest request(String transactionId) {
        return new TransferRequest(
                field.equals("from_account") ? value : VALID_FROM,
                field.equals("to_account") ? value : VALID_TO,
                field.equals("amount") ? value : VALID_AMOUNT,
                field.equals("currency") ? value : VALID_CURRENCY,
                field.equals("transaction_id") ? value : transactionId);
    }

    @Override
    public String toString() {
        return field + "=" + (value == null ? "(missing)" : "\"" + value + "\"");
    }
}
