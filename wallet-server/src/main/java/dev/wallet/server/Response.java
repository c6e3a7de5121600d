package dev.wallet.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wallet.api.InvalidInputException;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * An answer: HTTP status, JSON body, whether it repeats an earlier answer, extra headers, and the
 * outcome it reports, for the metrics ({@code success}, {@code insufficient_funds}, {@code rejected}, ...).
 */
record Response(int code, ObjectNode body, boolean replayed, Map<String, String> headers, String outcome,
                String contentType, byte[] raw) {

    static final String JSON = "application/json; charset=utf-8";

    Response(int code, ObjectNode body, boolean replayed, Map<String, String> headers, String outcome) {
        this(code, body, replayed, headers, outcome, JSON, null);
    }

    /** An answer that is not JSON: the Prometheus exposition, the OpenAPI document as stored. */
    static Response raw(String contentType, byte[] bytes) {
        return new Response(200, null, false, Map.of(), "success", contentType, bytes);
    }

    /** The body as sent. */
    byte[] bytes() {
        if (raw != null) {
            return raw;
        }
        try {
            return JsonBody.MAPPER.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON answer could not be written", e);
        }
    }

    /**
     * The answer to a money command, naming the id as the client sent it (the wallet may record a
     * scoped one). Written straight to bytes: this is the hot path.
     */
    static Response of(Outcome outcome, TransactionId shown) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(128);
        try (JsonGenerator json = JsonBody.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            writeOutcome(json, outcome, shown);
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("a JSON answer could not be written", e);
        }
        String kind = outcome.status().name().toLowerCase(Locale.ROOT);
        return new Response(httpStatus(outcome.status()), null, outcome.replay(), Map.of(), kind, JSON, bytes.toByteArray());
    }

    /** The members of a money command's answer, as the single endpoint sends them; the one place that says them. */
    static void writeOutcome(JsonGenerator json, Outcome outcome, TransactionId shown) throws IOException {
        boolean success = outcome.status() == Status.SUCCESS;
        json.writeStringField("status", success ? "success" : "failed");
        json.writeStringField("transaction_id", shown.toString());
        if (!success) {
            json.writeStringField("error", outcome.status().name().toLowerCase(Locale.ROOT));
            json.writeStringField("message", message(outcome.status()));
        }
    }

    /** The same members as a tree, for answers that nest one (the pull). */
    static ObjectNode outcomeJson(Outcome outcome, TransactionId shown) {
        try {
            return (ObjectNode) JsonBody.MAPPER.readTree(of(outcome, shown).raw());
        } catch (IOException e) {
            throw new IllegalStateException("a JSON answer could not be read back", e);
        }
    }

    static int httpStatus(Status status) {
        return switch (status) {
            case SUCCESS -> 200;
            case UNKNOWN_ACCOUNT -> 404;
            case CONFLICT -> 409;
            case INSUFFICIENT_FUNDS, CURRENCY_MISMATCH, SAME_ACCOUNT, LIMIT_EXCEEDED -> 422;
            case IN_DOUBT -> 500;
        };
    }

    private static String message(Status status) {
        return switch (status) {
            case SUCCESS -> "the money moved";
            case UNKNOWN_ACCOUNT -> "an account of the request does not exist";
            case CONFLICT -> "transaction_id was used before with a different request; nothing was done";
            case INSUFFICIENT_FUNDS -> "the debited account holds less than the amount";
            case CURRENCY_MISMATCH -> "an account's currency differs from the request's currency";
            case SAME_ACCOUNT -> "from_account and to_account are the same account";
            case LIMIT_EXCEEDED -> "the deposit would take the money outstanding in its currency over the limit";
            case IN_DOUBT -> "an earlier attempt with this transaction_id was cut off by a crash; whether money "
                    + "moved cannot be known";
        };
    }

    static Response ok(ObjectNode json) {
        return new Response(200, json, false, Map.of(), "success");
    }

    static Response of(int code, ObjectNode json, String outcome) {
        return new Response(code, json, false, Map.of(), outcome);
    }

    static Response rejected(InvalidInputException e) {
        return new Response(400, rejectedJson(e), false, Map.of(), "rejected");
    }

    static ObjectNode rejectedJson(InvalidInputException e) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", "rejected");
        json.put("error", "invalid_input");
        json.put("field", e.field());
        json.put("message", e.getMessage());
        return json;
    }

    /** A request the HTTP layer refuses: malformed, too large, too slow; {@code field} names the part at fault. */
    static Response badRequest(int code, String error, String field, String message) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", "rejected");
        json.put("error", error);
        json.put("field", field);
        json.put("message", field + ": " + message);
        return new Response(code, json, false, Map.of(), "rejected");
    }

    static Response forbidden(String message) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", "rejected");
        json.put("error", "forbidden");
        json.put("message", message);
        return new Response(403, json, false, Map.of(), "forbidden");
    }

    /** No valid credential: 401 with the challenge of RFC 6750, never repeating the credential. */
    static Response unauthenticated(String error, String message) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", "rejected");
        json.put("error", "unauthenticated");
        json.put("message", message);
        return new Response(401, json, false, Map.of("WWW-Authenticate", "Bearer realm=\"wallet\", error=\"" + error + "\""),
                "unauthenticated");
    }

    static Response tooManyRequests(String message, long retryAfterSeconds) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", "unavailable");
        json.put("error", "too_many_requests");
        json.put("message", message + "; retry with the same transaction_id");
        return new Response(429, json, false, Map.of("Retry-After", Long.toString(retryAfterSeconds)), "too_many_requests");
    }

    static Response unsupportedMediaType(String message) {
        return badRequest(415, "unsupported_media_type", "Content-Type", message);
    }

    static Response unavailable(String message) {
        Response response = error(503, "unavailable", "unavailable", message + "; retry with the same transaction_id");
        return new Response(503, response.body(), false, Map.of("Retry-After", "1"), "unavailable");
    }

    static Response methodNotAllowed(String allowed) {
        Response response = error(405, "rejected", "method_not_allowed", "this endpoint takes " + allowed);
        return new Response(405, response.body(), false, Map.of("Allow", allowed), "rejected");
    }

    static Response notFound(String what) {
        return error(404, "rejected", "not_found", what);
    }

    static Response error(int code, String status, String error, String message) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", status);
        json.put("error", error);
        json.put("message", message);
        return new Response(code, json, false, Map.of(), status.equals("rejected") ? "rejected" : error);
    }
}
