package dev.wallet.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Deposit;
import dev.wallet.api.InvalidInputException;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Readiness;
import dev.wallet.api.ReplayableHistory;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransactionLookup;
import dev.wallet.api.TransferRequest;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletCapacityException;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletException;
import dev.wallet.api.Withdrawal;
import dev.wallet.eventsourcing.EventSourcedWallet;
import dev.wallet.eventsourcing.HistoryEntry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints, apart from the transport: a parsed request in, a future answer out. Money
 * commands go to {@link Wallet#executeAsync} straight from the caller's thread where the wallet
 * implements it without blocking (the event-sourced strategies); every other wallet call, and every
 * batch, runs on {@code blocking}, so that no network thread ever waits on a lock, a disk or a
 * database.
 */
final class Api {

    /** The most transfers one batch request carries. */
    static final int BATCH_ITEMS_MAX = 8_190;
    /** The most history entries one request returns. */
    static final int HISTORY_LIMIT_MAX = 10_000;
    static final String PREFIX = "/v1/wallet/";
    private static final List<String> TRANSFER_FIELDS = List.of("from_account", "to_account", "amount", "currency",
            "transaction_id");
    private static final Logger LOG = LoggerFactory.getLogger(Api.class);

    /** What the metrics tag a request with: one value per endpoint, never the raw path. */
    enum Endpoint {
        TRANSFER, TRANSFERS, DEPOSIT, WITHDRAWAL, OPEN_ACCOUNT, BALANCE, HISTORY, TRANSACTION, HEALTH, METRICS, OPENAPI, OTHER;

        final String tag = name().toLowerCase(Locale.ROOT);

        /** Whether the request calls the wallet, and so counts against the bound on requests in flight. */
        boolean isWalletCall() {
            return this != HEALTH && this != METRICS && this != OPENAPI;
        }
    }

    /** A request as the transport read it; the path and query still percent-encoded. */
    record Call(String method, String rawPath, String rawQuery, String contentType, byte[] body) {
    }

    private final Wallet wallet;
    private final Executor blocking;
    private final ServerMetrics metrics;
    private final Access access;
    private final boolean asyncExecution;

    Api(Wallet wallet, Executor blocking, ServerMetrics metrics, Access access) {
        this.wallet = wallet;
        this.blocking = blocking;
        this.metrics = metrics;
        this.access = access;
        this.asyncExecution = implementsAsync(wallet);
    }

    /** Whether the wallet implements {@code executeAsync} itself, rather than inheriting the blocking default. */
    private static boolean implementsAsync(Wallet wallet) {
        try {
            return !wallet.getClass().getMethod("executeAsync", MoneyCommand.class).getDeclaringClass().isInterface();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("Wallet.executeAsync is missing", e);
        }
    }

    static Endpoint endpointOf(String rawPath) {
        if (rawPath.equals("/health") || rawPath.startsWith("/health/")) {
            return Endpoint.HEALTH;
        }
        if (rawPath.equals("/metrics")) {
            return Endpoint.METRICS;
        }
        if (rawPath.equals("/openapi.json")) {
            return Endpoint.OPENAPI;
        }
        if (!rawPath.startsWith(PREFIX)) {
            return Endpoint.OTHER;
        }
        String[] segments = rawPath.substring(PREFIX.length()).split("/", -1);
        if (segments.length == 1) {
            return switch (segments[0]) {
                case "balance_transfer" -> Endpoint.TRANSFER;
                case "balance_transfers" -> Endpoint.TRANSFERS;
                case "deposit" -> Endpoint.DEPOSIT;
                case "withdrawal" -> Endpoint.WITHDRAWAL;
                case "accounts" -> Endpoint.OPEN_ACCOUNT;
                default -> Endpoint.OTHER;
            };
        }
        if (segments.length == 2 && segments[0].equals("transactions")) {
            return Endpoint.TRANSACTION;
        }
        if (segments.length == 3 && segments[0].equals("accounts")) {
            return switch (segments[2]) {
                case "balance" -> Endpoint.BALANCE;
                case "history" -> Endpoint.HISTORY;
                default -> Endpoint.OTHER;
            };
        }
        return Endpoint.OTHER;
    }

    /**
     * Answers a wallet request (every endpoint under {@value #PREFIX}) of {@code principal} (null on
     * a server without authentication); never completes exceptionally.
     */
    CompletableFuture<Response> handle(Endpoint endpoint, Call call, Principal principal) {
        CompletableFuture<Response> answer;
        try {
            answer = route(endpoint, call, principal);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.exceptionally(error -> failure(call, error));
    }

    private CompletableFuture<Response> route(Endpoint endpoint, Call call, Principal principal) {
        return switch (endpoint) {
            case TRANSFER, TRANSFERS, DEPOSIT, WITHDRAWAL, OPEN_ACCOUNT -> {
                if (!call.method().equals("POST")) {
                    yield done(Response.methodNotAllowed("POST"));
                }
                query(call);
                checkJson(call.contentType());
                yield switch (endpoint) {
                    case TRANSFER -> execute(principal, transferOf(JsonBody.parse(call.body())));
                    case TRANSFERS -> onBlocking(() -> batch(principal, call.body()));
                    case DEPOSIT, WITHDRAWAL -> execute(principal, moneyCommand(call.body(), endpoint == Endpoint.DEPOSIT));
                    default -> openAccount(principal, call.body());
                };
            }
            case BALANCE, HISTORY, TRANSACTION -> {
                if (!call.method().equals("GET")) {
                    yield done(Response.methodNotAllowed("GET"));
                }
                String[] segments = call.rawPath().substring(PREFIX.length()).split("/", -1);
                if (endpoint == Endpoint.TRANSACTION) {
                    String of = query(call, "principal").get("principal");
                    TransactionId id = TransactionId.parse("transaction_id", decode("transaction_id", segments[1]));
                    yield onBlocking(() -> transaction(asIssuer(principal, of), id));
                }
                AccountId account = pathAccount(segments[1]);
                access.checkRead(principal, account);
                if (endpoint == Endpoint.BALANCE) {
                    String at = query(call, "at_sequence").get("at_sequence");
                    yield onBlocking(() -> balance(account, at));
                }
                String limit = query(call, "limit").get("limit");
                yield onBlocking(() -> history(account, limit));
            }
            default -> done(Response.notFound("no such endpoint: " + call.rawPath()));
        };
    }

    private static CompletableFuture<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Response> onBlocking(Supplier<Response> work) {
        try {
            return CompletableFuture.supplyAsync(work, blocking);
        } catch (RejectedExecutionException e) {
            return done(Response.unavailable("the server is shutting down"));
        }
    }

    /** Executes a command once the principal may issue it, under its scoped id, answering with the id as sent. */
    private CompletableFuture<Response> execute(Principal principal, MoneyCommand asSent) {
        MoneyCommand command = access.command(principal, asSent);
        TransactionId shown = asSent.transactionId();
        if (asyncExecution) {
            return wallet.executeAsync(command).thenApply(outcome -> Response.of(outcome, shown));
        }
        return onBlocking(() -> Response.of(wallet.execute(command), shown));
    }

    /**
     * Whose ids a status request looks up: the caller's own, or (for an auditor, with
     * {@code ?principal=}) another principal's.
     */
    private static Principal asIssuer(Principal caller, String other) {
        if (other == null || caller != null && other.equals(caller.name())) {
            return caller;
        }
        if (caller == null) {
            throw new InvalidInputException("principal", other, "is for a server with authentication; this one has none");
        }
        if (!caller.is(Principal.Role.AUDITOR)) {
            throw new Access.Forbidden("only an auditor may read another principal's transactions");
        }
        try {
            return new Principal(other, java.util.Set.of());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("principal", other, "is not a principal's name");
        }
    }

    /** The answer to a failed call: the wallet's typed failures each have their status code. */
    private static Response failure(Call call, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof InvalidInputException invalid) {
            return Response.rejected(invalid);
        }
        if (cause instanceof Access.Forbidden forbidden) {
            return Response.forbidden(forbidden.getMessage());
        }
        if (cause instanceof UnsupportedMediaType unsupported) {
            return Response.unsupportedMediaType(unsupported.getMessage());
        }
        if (cause instanceof WalletClosedException) {
            // The server closes its wallet only after itself: a closed wallet under an open server has failed for good.
            LOG.error("{} {}: the wallet is closed", call.method(), call.rawPath(), cause);
            return Response.error(500, "failed", "wallet_closed", "the wallet has stopped: " + cause.getMessage());
        }
        if (cause instanceof WalletCapacityException) {
            return Response.error(507, "failed", "capacity_exhausted", cause.getMessage());
        }
        if (cause instanceof WalletException wallet && wallet.isRetryable()) {
            return Response.unavailable(cause.getMessage());
        }
        LOG.error("{} {} failed", call.method(), call.rawPath(), cause);
        return Response.error(500, "failed", "internal_error", "the server failed: " + cause.getClass().getSimpleName());
    }

    // Money commands.

    private static MoneyCommand transferOf(JsonNode body) {
        Map<String, String> fields = JsonBody.strings(body, TRANSFER_FIELDS);
        return new TransferRequest(fields.get("from_account"), fields.get("to_account"), fields.get("amount"),
                fields.get("currency"), fields.get("transaction_id")).toTransfer();
    }

    private static MoneyCommand moneyCommand(byte[] body, boolean deposit) {
        Map<String, String> fields = JsonBody.strings(JsonBody.parse(body), List.of("account", "amount", "currency",
                "transaction_id"));
        TransactionId id = TransactionId.parse("transaction_id", fields.get("transaction_id"));
        AccountId account = AccountId.of("account", fields.get("account"));
        Currency currency = Currencies.parse("currency", fields.get("currency"));
        Money amount = Money.parseAmount("amount", fields.get("amount"), currency);
        return deposit ? new Deposit(id, account, amount) : new Withdrawal(id, account, amount);
    }

    /**
     * A batch: every well-formed item executes with {@link Wallet#executeBatch} (each idempotent on
     * its own, the batch not atomic); a malformed item is answered 400 in its place and the rest go on.
     */
    private Response batch(Principal principal, byte[] body) {
        JsonNode root = JsonBody.parse(body);
        if (!root.isArray()) {
            throw new InvalidInputException("body", root.getNodeType().name().toLowerCase(Locale.ROOT),
                    "must be a JSON array of transfers");
        }
        if (root.isEmpty() || root.size() > BATCH_ITEMS_MAX) {
            throw new InvalidInputException("body", root.size() + " items", "must hold between 1 and "
                    + BATCH_ITEMS_MAX + " transfers");
        }
        ObjectNode[] refused = new ObjectNode[root.size()];
        List<MoneyCommand> commands = new ArrayList<>(root.size());
        TransactionId[] shown = new TransactionId[root.size()];
        for (int i = 0; i < root.size(); i++) {
            try {
                MoneyCommand asSent = transferOf(root.get(i));
                shown[i] = asSent.transactionId();
                commands.add(access.command(principal, asSent));
            } catch (InvalidInputException e) {
                refused[i] = Response.rejectedJson(e).put("code", 400);
            } catch (Access.Forbidden e) {
                refused[i] = Response.forbidden(e.getMessage()).body().put("code", 403);
            }
        }
        metrics.batch(root.size(), root.size() - commands.size());
        List<Outcome> outcomes = commands.isEmpty() ? List.of() : wallet.executeBatch(commands);
        countOutcomes(outcomes);
        int succeeded = 0;
        for (Outcome outcome : outcomes) {
            succeeded += outcome.status() == Status.SUCCESS ? 1 : 0;
        }
        // Written straight to bytes, item by item in request order: a tree of 8,190 answers costs more than the batch.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(64 + root.size() * 96);
        try (com.fasterxml.jackson.core.JsonGenerator json = JsonBody.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeNumberField("count", root.size());
            json.writeNumberField("succeeded", succeeded);
            json.writeArrayFieldStart("results");
            int next = 0;
            for (int i = 0; i < root.size(); i++) {
                if (refused[i] != null) {
                    json.writeTree(refused[i]);
                    continue;
                }
                Outcome outcome = outcomes.get(next++);
                json.writeStartObject();
                Response.writeOutcome(json, outcome, shown[i]);
                json.writeNumberField("code", Response.httpStatus(outcome.status()));
                if (outcome.replay()) {
                    json.writeBooleanField("replayed", true);
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a JSON answer could not be written", e);
        }
        return Response.raw(Response.JSON, bytes.toByteArray());
    }

    private void countOutcomes(List<Outcome> outcomes) {
        long[] counts = new long[Status.values().length];
        for (Outcome outcome : outcomes) {
            counts[outcome.status().ordinal()]++;
        }
        for (Status status : Status.values()) {
            if (counts[status.ordinal()] > 0) {
                metrics.outcome(Endpoint.TRANSFERS, status.name().toLowerCase(Locale.ROOT), counts[status.ordinal()]);
            }
        }
    }

    // Accounts.

    private CompletableFuture<Response> openAccount(Principal principal, byte[] body) {
        Map<String, String> fields = JsonBody.strings(JsonBody.parse(body), List.of("account", "currency"), List.of("owner"));
        AccountId account = AccountId.of("account", fields.get("account"));
        Currency currency = Currencies.parse("currency", fields.get("currency"));
        String owner;
        try {
            owner = access.ownerOfNew(principal, fields.get("owner"));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("owner", fields.get("owner"), "is not a principal's name");
        }
        return onBlocking(() -> {
            OpenResult result = wallet.openAccount(account, currency);
            if (result != OpenResult.EXISTS_IN_OTHER_CURRENCY
                    && !access.take(principal, account, owner, result == OpenResult.OPENED)) {
                throw new Access.Forbidden("account " + account + " belongs to another principal");
            }
            return opened(account, currency, result);
        });
    }

    private static Response opened(AccountId account, Currency currency, OpenResult result) {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        boolean conflict = result == OpenResult.EXISTS_IN_OTHER_CURRENCY;
        json.put("status", conflict ? "failed" : result.name().toLowerCase(Locale.ROOT));
        if (conflict) {
            json.put("error", "exists_in_other_currency");
            json.put("message", "account " + account + " exists in another currency");
        }
        json.put("account", account.value());
        json.put("currency", currency.getCurrencyCode());
        int code = switch (result) {
            case OPENED -> 201;
            case ALREADY_OPEN -> 200;
            case EXISTS_IN_OTHER_CURRENCY -> 409;
        };
        return Response.of(code, json, result.name().toLowerCase(Locale.ROOT));
    }

    private Response balance(AccountId account, String atSequence) {
        Optional<Money> balance;
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("account", account.value());
        if (atSequence == null) {
            balance = wallet.balance(account);
        } else {
            Optional<ReplayableHistory> history = wallet.replayableHistory();
            if (history.isEmpty()) {
                return notSupported("past balances");
            }
            long sequence = parseLong("at_sequence", atSequence, 0, Long.MAX_VALUE);
            long last = history.get().lastPosition();
            if (sequence > last) {
                throw new InvalidInputException("at_sequence", atSequence, "is beyond the last durable event, " + last);
            }
            balance = history.get().balanceAt(account, sequence);
            json.put("at_sequence", sequence);
        }
        if (balance.isEmpty()) {
            return Response.error(404, "failed", "unknown_account", "account " + account + " does not exist"
                    + (atSequence == null ? "" : " at sequence " + atSequence));
        }
        json.put("currency", balance.get().currency().getCurrencyCode());
        json.put("amount", balance.get().toPlainString());
        return Response.ok(json);
    }

    private Response history(AccountId account, String limitText) {
        if (!(wallet instanceof EventSourcedWallet events)) {
            return notSupported("account history");
        }
        int limit = limitText == null ? 100 : (int) parseLong("limit", limitText, 1, HISTORY_LIMIT_MAX);
        if (wallet.balance(account).isEmpty()) {
            return Response.error(404, "failed", "unknown_account", "account " + account + " does not exist");
        }
        List<HistoryEntry> entries;
        try {
            entries = events.history(account);
        } catch (IllegalStateException e) {
            // Built with .history(false): the strategy has history, this wallet does not keep it.
            return Response.error(501, "rejected", "not_supported", "account history is turned off for this wallet: "
                    + e.getMessage());
        }
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("account", account.value());
        json.put("total", entries.size());
        ArrayNode array = json.putArray("entries");
        for (HistoryEntry entry : entries.subList(Math.max(0, entries.size() - limit), entries.size())) {
            ObjectNode item = array.addObject();
            item.put("sequence", entry.sequence());
            item.put("transaction_id", entry.transactionId().toString());
            item.put("kind", entry.kind());
            item.put("counterparty", entry.counterparty().value());
            item.put("amount", entry.amount().toPlainString());
            item.put("currency", entry.amount().currency().getCurrencyCode());
            access.issuerOf(entry.transactionId()).ifPresent(issuer -> item.put("issued_by", issuer));
        }
        return Response.ok(json);
    }

    /**
     * The pull of the design: what the wallet recorded for an id, without executing anything. 200
     * with {@code state} {@code decided} (and the original answer's body and status code) or
     * {@code in_flight}; 404 with {@code state} {@code unknown}.
     */
    private Response transaction(Principal issuer, TransactionId id) {
        Optional<TransactionLookup> lookup = access.recorded(issuer, id).flatMap(wallet::lookup);
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("transaction_id", id.toString());
        if (lookup.isEmpty()) {
            json.put("state", "unknown");
            json.put("message", "no command was recorded under this transaction_id");
            return Response.of(404, json, "unknown");
        }
        if (lookup.get().isInFlight()) {
            json.put("state", "in_flight");
            json.put("message", "the command has started and is not decided yet; ask again");
            return Response.of(200, json, "in_flight");
        }
        Status status = lookup.get().status().orElseThrow();
        json.put("state", "decided");
        ObjectNode outcome = Response.outcomeJson(Outcome.of(id, status), id);
        outcome.put("code", Response.httpStatus(status));
        json.set("outcome", outcome);
        return Response.of(200, json, "decided");
    }

    /** Readiness: 200 when the wallet can take commands, 503 when it cannot or the server is closing (and why, when {@code detailed}). */
    Response health(boolean closing, boolean detailed) {
        Readiness readiness = closing ? Readiness.notReady("the server is shutting down") : readinessOf();
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", readiness.ready() ? "up" : "down");
        json.put("live", true);
        json.put("ready", readiness.ready());
        if (detailed) {
            // Paths, peers and database errors are for operators: a secured server tells anonymous callers up or down only.
            json.put("detail", readiness.detail());
        }
        return Response.of(readiness.ready() ? 200 : 503, json, readiness.ready() ? "up" : "down");
    }

    private Readiness readinessOf() {
        try {
            return wallet.readiness();
        } catch (RuntimeException e) {
            return Readiness.notReady("the readiness check failed: " + e);
        }
    }

    /** Liveness: the process serves requests. */
    static Response live() {
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", "up");
        json.put("live", true);
        return Response.ok(json);
    }

    private static Response notSupported(String what) {
        return Response.error(501, "rejected", "not_supported", what + " need the event-sourcing strategy");
    }

    // Request parts.

    /** The body is not declared as JSON in UTF-8: answered 415. */
    static final class UnsupportedMediaType extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsupportedMediaType(String message) {
            super(message, null, false, false);
        }
    }

    private static void checkJson(String type) {
        String[] parts = type == null ? new String[] {""} : type.split(";");
        if (!parts[0].strip().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw new UnsupportedMediaType(type + " is not application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().toLowerCase(Locale.ROOT).replace("\"", "");
            if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")) {
                throw new UnsupportedMediaType(type + " names a charset other than utf-8");
            }
        }
    }

    /** The query parameters, each accepted name at most once; any other name is rejected. */
    private static Map<String, String> query(Call call, String... accepted) {
        String raw = call.rawQuery();
        Map<String, String> values = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = decode("query", equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(name, pair.substring(equals + 1));
            if (!List.of(accepted).contains(name)) {
                throw new InvalidInputException(name, value, "is not a parameter of this request"
                        + (accepted.length == 0 ? "" : "; accepted: " + String.join(", ", accepted)));
            }
            if (values.put(name, value) != null) {
                throw new InvalidInputException(name, value, "is given more than once");
            }
        }
        return values;
    }

    /** The account of a path segment: a customer id, or {@code #funding:USD} (percent-encoded {@code %23}). */
    private static AccountId pathAccount(String segment) {
        String text = decode("account", segment);
        String fundingPrefix = "#funding:";
        if (text.startsWith(fundingPrefix)) {
            return AccountId.funding(Currencies.parse("account", text.substring(fundingPrefix.length())));
        }
        return AccountId.of("account", text);
    }

    private static String decode(String field, String raw) {
        try {
            // URLDecoder decodes form encoding, where '+' is a space; in a URL it is a plus.
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, raw, "is not validly percent-encoded");
        }
    }

    private static long parseLong(String field, String text, long min, long max) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, text, "must be a whole number");
        }
        if (value < min || value > max) {
            throw new InvalidInputException(field, text, "must be between " + min + " and " + max);
        }
        return value;
    }
}
