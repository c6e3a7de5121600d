package dev.wallet.examples.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wallet.api.AccountId;
import dev.wallet.api.Currencies;
import dev.wallet.api.Deposit;
import dev.wallet.api.InvalidInputException;
import dev.wallet.api.Money;
import dev.wallet.api.MoneyCommand;
import dev.wallet.api.OpenResult;
import dev.wallet.api.Outcome;
import dev.wallet.api.Status;
import dev.wallet.api.TransactionId;
import dev.wallet.api.TransferRequest;
import dev.wallet.api.Wallet;
import dev.wallet.api.WalletCapacityException;
import dev.wallet.api.WalletClosedException;
import dev.wallet.api.WalletException;
import dev.wallet.api.Withdrawal;
import dev.wallet.eventsourcing.EventSourcedWallet;
import dev.wallet.eventsourcing.HistoryEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The design's HTTP form of a {@link Wallet}, on the JDK's built-in HTTP server with Jackson for
 * JSON:
 *
 * <pre>
 * POST /v1/wallet/balance_transfer   {"from_account","to_account","amount","currency","transaction_id"}
 * POST /v1/wallet/accounts           {"account","currency"}
 * POST /v1/wallet/deposit            {"account","amount","currency","transaction_id"}
 * POST /v1/wallet/withdrawal         {"account","amount","currency","transaction_id"}
 * GET  /v1/wallet/accounts/{account}/balance[?at_sequence=N]
 * GET  /v1/wallet/accounts/{account}/history[?limit=N]
 * </pre>
 *
 * <p>Every value in a request body is a JSON string (amounts too, so no floating point between
 * systems); a body is one JSON object with exactly the listed members, at most
 * {@value #BODY_BYTES_MAX} bytes, sent as {@code application/json}. Answers are JSON:
 * {@code {"status":"success","transaction_id":"…"}} for a transfer that moved money, otherwise
 * {@code status} {@code failed} (an outcome pinned to the transaction id: 404 unknown account, 409
 * id reused with another payload, 422 insufficient funds, currency mismatch, same account or limit
 * exceeded), {@code rejected} (400 malformed input, naming the field; nothing changes and nothing is
 * recorded) or {@code unavailable} (503, retry with the same id). A repeated request gets the
 * original answer, marked by the header {@code Idempotent-Replayed: true}. Past balances and
 * history need an {@link EventSourcedWallet}; other strategies answer 501.
 *
 * <p>{@link #close()} shuts down gracefully: it stops accepting connections, lets requests under way
 * finish (up to a bound) and then returns; the caller closes the wallet afterwards.
 */
public final class WalletHttpServer implements AutoCloseable {

    /** The largest request body accepted; a larger one is answered 400 without being read further. */
    public static final int BODY_BYTES_MAX = 4 * 1024;
    /** How long {@link #close()} waits for requests under way. */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** The most history entries one request returns. */
    public static final int HISTORY_LIMIT_MAX = 10_000;

    static final String REPLAYED_HEADER = "Idempotent-Replayed";
    private static final String PREFIX = "/v1/wallet/";
    private static final Logger LOG = LoggerFactory.getLogger(WalletHttpServer.class);

    private final Wallet wallet;
    private final HttpServer server;
    private final ExecutorService workers;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Requests being handled; {@link #close()} waits on it for them to be answered. */
    private final AtomicInteger requests = new AtomicInteger();

    private WalletHttpServer(Wallet wallet, HttpServer server, ExecutorService workers) {
        this.wallet = wallet;
        this.server = server;
        this.workers = workers;
    }

    /**
     * Starts serving {@code wallet} on {@code address} (port 0: one the operating system chooses)
     * with {@code threads} request threads. The wallet stays the caller's to close, after this server.
     */
    public static WalletHttpServer start(Wallet wallet, InetSocketAddress address, int threads) throws IOException {
        Objects.requireNonNull(wallet, "wallet");
        Objects.requireNonNull(address, "address");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        HttpServer server = HttpServer.create(address, 0);
        ExecutorService workers = Executors.newFixedThreadPool(threads, namedThreads());
        WalletHttpServer http = new WalletHttpServer(wallet, server, workers);
        server.createContext("/", http::handle);
        server.setExecutor(http::dispatch);
        server.start();
        return http;
    }

    /** The address the server listens on (with the port the operating system chose). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port}, for clients. */
    public URI uri() {
        InetSocketAddress address = address();
        try {
            return new URI("http", null, address.getHostString(), address.getPort(), null, null, null);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("no URI for " + address, e);
        }
    }

    /**
     * Stops taking requests (a request dispatched from now on is answered 503 with
     * {@code Connection: close}), waits up to {@link #DRAIN_TIMEOUT} for requests dispatched before
     * to be answered, then closes the listening socket and every connection. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // The JDK 17 server's stop(delay) waits the whole delay unless an exchange finishes after
        // it is called (fixed only in JDK 21), so the server counts its requests itself, from the
        // moment each is dispatched, and stops the listener once the last one is answered.
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        synchronized (requests) {
            try {
                long left;
                while (requests.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(requests, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        server.stop(0);
        // Not shutdownNow(): interrupting a thread inside a wallet call can close a database's file channel.
        workers.shutdown();
        try {
            if (!workers.awaitTermination(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("request threads still busy {} after close", DRAIN_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs one exchange on a request thread. Requests dispatched before {@link #close()} are
     * counted, so that close waits for them even while they wait in the queue; later ones are
     * answered 503 without being waited for.
     */
    private void dispatch(Runnable exchange) {
        if (closed.get()) {
            workers.execute(exchange);
            return;
        }
        requests.incrementAndGet();
        try {
            workers.execute(() -> {
                try {
                    exchange.run();
                } finally {
                    requestDone();
                }
            });
        } catch (RuntimeException e) {
            requestDone();
            throw e;
        }
    }

    private void requestDone() {
        if (requests.decrementAndGet() == 0) {
            synchronized (requests) {
                requests.notifyAll();
            }
        }
    }

    // Routing.

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (closed.get()) {
                exchange.getResponseHeaders().set("Connection", "close");
                send(exchange, Response.unavailable("the server is shutting down"));
                return;
            }
            send(exchange, answer(exchange));
        }
    }

    private Response answer(HttpExchange exchange) throws IOException {
        try {
            return route(exchange);
        } catch (InvalidInputException e) {
            return Response.rejected(e);
        } catch (WalletClosedException e) {
            // The server closes its wallet only after itself: a closed wallet under an open server has failed for good.
            LOG.error("{} {}: the wallet is closed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            return Response.error(500, "failed", "wallet_closed", "the wallet has stopped: " + e.getMessage());
        } catch (WalletCapacityException e) {
            return Response.error(507, "failed", "capacity_exhausted", e.getMessage());
        } catch (WalletException e) {
            if (e.isRetryable()) {
                return Response.unavailable(e.getMessage());
            }
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            return Response.error(500, "failed", "internal_error", e.getMessage());
        } catch (UnsupportedMediaType e) {
            return Response.unsupportedMediaType(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            return Response.error(500, "failed", "internal_error", "the server failed: " + e.getClass().getSimpleName());
        }
    }

    private Response route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        if (!path.startsWith(PREFIX)) {
            return notFound(path);
        }
        List<String> segments = List.of(path.substring(PREFIX.length()).split("/", -1));
        if (segments.size() == 1) {
            String name = segments.get(0);
            if (!List.of("balance_transfer", "accounts", "deposit", "withdrawal").contains(name)) {
                return notFound(path);
            }
            if (!method.equals("POST")) {
                return Response.methodNotAllowed("POST");
            }
            noQuery(exchange);
            byte[] body = readBody(exchange);
            return switch (name) {
                case "balance_transfer" -> transfer(body);
                case "accounts" -> openAccount(body);
                case "deposit" -> depositOrWithdrawal(body, true);
                default -> depositOrWithdrawal(body, false);
            };
        }
        if (segments.size() == 3 && segments.get(0).equals("accounts")
                && (segments.get(2).equals("balance") || segments.get(2).equals("history"))) {
            if (!method.equals("GET")) {
                return Response.methodNotAllowed("GET");
            }
            AccountId account = pathAccount(segments.get(1));
            Map<String, String> query = query(exchange, segments.get(2).equals("balance") ? "at_sequence" : "limit");
            return segments.get(2).equals("balance") ? balance(account, query.get("at_sequence"))
                    : history(account, query.get("limit"));
        }
        return notFound(path);
    }

    private static Response notFound(String path) {
        return Response.error(404, "rejected", "not_found", "no such endpoint: " + path);
    }

    // Endpoints.

    private Response transfer(byte[] body) {
        Map<String, String> fields = JsonBody.strings(body,
                List.of("from_account", "to_account", "amount", "currency", "transaction_id"));
        TransferRequest request = new TransferRequest(fields.get("from_account"), fields.get("to_account"),
                fields.get("amount"), fields.get("currency"), fields.get("transaction_id"));
        return Response.of(wallet.transfer(request));
    }

    private Response depositOrWithdrawal(byte[] body, boolean deposit) {
        Map<String, String> fields = JsonBody.strings(body, List.of("account", "amount", "currency", "transaction_id"));
        TransactionId id = TransactionId.parse("transaction_id", fields.get("transaction_id"));
        AccountId account = AccountId.of("account", fields.get("account"));
        Currency currency = Currencies.parse("currency", fields.get("currency"));
        Money amount = Money.parseAmount("amount", fields.get("amount"), currency);
        MoneyCommand command = deposit ? new Deposit(id, account, amount) : new Withdrawal(id, account, amount);
        return Response.of(wallet.execute(command));
    }

    private Response openAccount(byte[] body) {
        Map<String, String> fields = JsonBody.strings(body, List.of("account", "currency"));
        AccountId account = AccountId.of("account", fields.get("account"));
        Currency currency = Currencies.parse("currency", fields.get("currency"));
        OpenResult result = wallet.openAccount(account, currency);
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("status", result == OpenResult.EXISTS_IN_OTHER_CURRENCY ? "failed" : result.name().toLowerCase(Locale.ROOT));
        if (result == OpenResult.EXISTS_IN_OTHER_CURRENCY) {
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
        return new Response(code, json, false, Map.of());
    }

    private Response balance(AccountId account, String atSequence) {
        Optional<Money> balance;
        ObjectNode json = JsonBody.MAPPER.createObjectNode();
        json.put("account", account.value());
        if (atSequence == null) {
            balance = wallet.balance(account);
        } else {
            EventSourcedWallet history = historyOrNull();
            if (history == null) {
                return notSupported("past balances");
            }
            long sequence = parseLong("at_sequence", atSequence, 0, Long.MAX_VALUE);
            long last = history.lastSequence();
            if (sequence > last) {
                throw new InvalidInputException("at_sequence", atSequence, "is beyond the last durable event, " + last);
            }
            balance = history.balanceAt(account, sequence);
            json.put("at_sequence", sequence);
        }
        if (balance.isEmpty()) {
            return Response.error(404, "failed", "unknown_account", "account " + account + " does not exist"
                    + (atSequence == null ? "" : " at sequence " + atSequence));
        }
        json.put("currency", balance.get().currency().getCurrencyCode());
        json.put("amount", balance.get().toPlainString());
        return new Response(200, json, false, Map.of());
    }

    private Response history(AccountId account, String limitText) {
        EventSourcedWallet history = historyOrNull();
        if (history == null) {
            return notSupported("account history");
        }
        int limit = limitText == null ? 100 : (int) parseLong("limit", limitText, 1, HISTORY_LIMIT_MAX);
        if (wallet.balance(account).isEmpty()) {
            return Response.error(404, "failed", "unknown_account", "account " + account + " does not exist");
        }
        List<HistoryEntry> entries = history.history(account);
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
        }
        return new Response(200, json, false, Map.of());
    }

    private EventSourcedWallet historyOrNull() {
        return wallet instanceof EventSourcedWallet events ? events : null;
    }

    private static Response notSupported(String what) {
        return Response.error(501, "rejected", "not_supported", what + " need the event-sourcing strategy");
    }

    // Request parts.

    /** Reads the body, refusing a wrong content type or more than {@link #BODY_BYTES_MAX} bytes. */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        String[] parts = type == null ? new String[] {""} : type.split(";");
        if (!parts[0].strip().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw new UnsupportedMediaType("Content-Type: " + type + " is not application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().toLowerCase(Locale.ROOT).replace("\"", "");
            if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")) {
                throw new UnsupportedMediaType("Content-Type: " + type + " names a charset other than utf-8");
            }
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("Content-Length", length, "is not a number");
            }
            if (declared > BODY_BYTES_MAX) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw tooLarge(declared);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(BODY_BYTES_MAX + 1);
            if (body.length > BODY_BYTES_MAX) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw tooLarge(body.length);
            }
            return body;
        }
    }

    private static InvalidInputException tooLarge(long bytes) {
        return new InvalidInputException("body", (bytes > BODY_BYTES_MAX + 1 ? bytes + "" : "more than " + BODY_BYTES_MAX)
                + " bytes", "is larger than the limit of " + BODY_BYTES_MAX + " bytes");
    }

    /** The body is not declared as JSON in UTF-8: answered 415. */
    private static final class UnsupportedMediaType extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsupportedMediaType(String message) {
            super(message, null, false, false);
        }
    }

    private static void noQuery(HttpExchange exchange) {
        query(exchange);
    }

    /** The query parameters, each accepted name at most once; any other name is rejected. */
    private static Map<String, String> query(HttpExchange exchange, String... accepted) {
        String raw = exchange.getRequestURI().getRawQuery();
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

    private static void send(HttpExchange exchange, Response response) throws IOException {
        byte[] bytes = JsonBody.MAPPER.writeValueAsBytes(response.body());
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (response.replayed()) {
            exchange.getResponseHeaders().set(REPLAYED_HEADER, "true");
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(response.code(), -1);
            return;
        }
        exchange.sendResponseHeaders(response.code(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static ThreadFactory namedThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "wallet-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** An answer: HTTP status, JSON body, whether it repeats an earlier answer, extra headers. */
    record Response(int code, ObjectNode body, boolean replayed, Map<String, String> headers) {

        /** The answer to a money command; a replay gets the same answer as the first execution. */
        static Response of(Outcome outcome) {
            ObjectNode json = JsonBody.MAPPER.createObjectNode();
            if (outcome.status() == Status.SUCCESS) {
                json.put("status", "success");
                json.put("transaction_id", outcome.transactionId().toString());
                return new Response(200, json, outcome.replay(), Map.of());
            }
            json.put("status", "failed");
            json.put("transaction_id", outcome.transactionId().toString());
            json.put("error", outcome.status().name().toLowerCase(Locale.ROOT));
            json.put("message", message(outcome.status()));
            return new Response(httpStatus(outcome.status()), json, outcome.replay(), Map.of());
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

        static Response rejected(InvalidInputException e) {
            ObjectNode json = JsonBody.MAPPER.createObjectNode();
            json.put("status", "rejected");
            json.put("error", "invalid_input");
            json.put("field", e.field());
            json.put("message", e.getMessage());
            return new Response(400, json, false, Map.of());
        }

        static Response unsupportedMediaType(String message) {
            ObjectNode json = JsonBody.MAPPER.createObjectNode();
            json.put("status", "rejected");
            json.put("error", "unsupported_media_type");
            json.put("field", "Content-Type");
            json.put("message", message);
            return new Response(415, json, false, Map.of());
        }

        static Response unavailable(String message) {
            Response response = error(503, "unavailable", "unavailable", message + "; retry with the same transaction_id");
            return new Response(503, response.body(), false, Map.of("Retry-After", "1"));
        }

        static Response methodNotAllowed(String allowed) {
            Response response = error(405, "rejected", "method_not_allowed", "this endpoint takes " + allowed);
            return new Response(405, response.body(), false, Map.of("Allow", allowed));
        }

        static Response error(int code, String status, String error, String message) {
            ObjectNode json = JsonBody.MAPPER.createObjectNode();
            json.put("status", status);
            json.put("error", error);
            json.put("message", message);
            return new Response(code, json, false, Map.of());
        }
    }
}
