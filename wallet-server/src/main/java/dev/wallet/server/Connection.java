package dev.wallet.server;

import dev.wallet.api.InvalidInputException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, on its event-loop thread: every method runs there, so nothing here is
 * shared. It answers requests strictly in order (HTTP/1.1 pipelining included) and enforces the
 * per-connection limits:
 *
 * <ul>
 *   <li>a request must arrive whole (line, headers and body) within the request read timeout of its
 *       first byte, otherwise 408 and the connection closes: a slow or stalled client holds a few
 *       bytes of buffer, never a thread, and not for long;</li>
 *   <li>a connection with no request under way closes after the idle timeout;</li>
 *   <li>a body over the endpoint's limit is refused (400) as soon as its length is known or its
 *       bytes pass the limit, without being buffered further;</li>
 *   <li>while a request is handled the connection stops reading, so a client cannot queue
 *       unbounded work behind it;</li>
 *   <li>an answer the client does not read within the read timeout closes the connection;</li>
 *   <li>a connection beyond the server's bound is closed as soon as it is accepted.</li>
 * </ul>
 *
 * The pipeline is TLS (when configured), {@link #bytes} (it sees the request's bytes), Netty's
 * HTTP codec, {@link #bodyLimit}, Netty's aggregator, then {@link #requests}.
 */
final class Connection {

    /** How long a connection closing after an answer keeps reading (and dropping) what the client still sends. */
    private static final long LINGER_MILLIS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    private enum State { IDLE, READING, BUSY }

    /** A request read whole, or an answer already decided for it (a body over the limit). */
    private record Pending(FullHttpRequestParts request, Response answer) {
    }

    /** What is kept of a request once Netty's buffer is released. */
    record FullHttpRequestParts(HttpMethod method, String uri, HttpVersion version, boolean keepAlive, String host,
                                String contentType, String authorization, byte[] body, DecoderResult decoderResult,
                                long receivedNanos) {
    }

    private final WalletHttpServer server;
    private final boolean overConnectionLimit;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private ChannelHandlerContext context;
    private State state = State.IDLE;
    private boolean bytesWhileBusy;
    private boolean closing;
    private ScheduledFuture<?> timer;
    private long firstByteNanos;
    /** Whether the request being answered counts against the server's bound on requests in flight. */
    private boolean admitted;
    /** The principal whose per-client concurrency the request being answered counts against. */
    private Principal limited;

    final Bytes bytes = new Bytes();
    final BodyLimit bodyLimit = new BodyLimit();
    final Requests requests = new Requests();

    Connection(WalletHttpServer server, boolean overConnectionLimit) {
        this.server = server;
        this.overConnectionLimit = overConnectionLimit;
    }

    // Timers.

    private void arm(long nanos, Runnable onExpiry) {
        cancelTimer();
        timer = context.executor().schedule(onExpiry, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void idle() {
        state = State.IDLE;
        arm(server.limits().idleTimeoutNanos(), () -> {
            if (state == State.IDLE) {
                server.metrics().rejected("idle_timeout");
                context.close();
            }
        });
    }

    private void reading() {
        state = State.READING;
        firstByteNanos = System.nanoTime();
        arm(server.limits().requestReadTimeoutNanos(), this::readTimedOut);
    }

    private void readTimedOut() {
        if (state != State.READING || closing) {
            return;
        }
        server.metrics().rejected("request_timeout");
        long seconds = TimeUnit.NANOSECONDS.toMillis(server.limits().requestReadTimeoutNanos());
        Response answer = Response.badRequest(408, "request_timeout", "request",
                "was not received whole within " + seconds + " ms of its first byte");
        closing = true;
        write(answer, null, true, System.nanoTime(), null);
    }

    /** Raw bytes: a request's first byte starts its read deadline. */
    final class Bytes extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            context = ctx;
            if (overConnectionLimit) {
                // Closed before any TLS handshake or request costs anything.
                server.metrics().rejected("connections");
                closing = true;
                ctx.close();
                return;
            }
            idle();
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
            if (closing) {
                ReferenceCountUtil.release(message);
                return;
            }
            if (message instanceof ByteBuf buffer && buffer.isReadable()) {
                if (state == State.IDLE) {
                    reading();
                } else if (state == State.BUSY) {
                    bytesWhileBusy = true;
                }
            }
            super.channelRead(ctx, message);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            cancelTimer();
            closing = true;
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset or broken connection: nothing to answer.
            ctx.close();
        }
    }

    /** Refuses a body over the endpoint's limit as soon as that is known, without buffering the rest. */
    final class BodyLimit extends ChannelInboundHandlerAdapter {

        private long limit;
        private long received;
        private boolean discarding;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
            if (message instanceof HttpRequest request && request.decoderResult().isSuccess()) {
                discarding = false;
                received = 0;
                String path = new QueryStringDecoder(request.uri()).rawPath();
                limit = Api.endpointOf(path) == Api.Endpoint.TRANSFERS
                        ? server.limits().batchBodyBytesMax() : server.limits().bodyBytesMax();
                long declared;
                try {
                    declared = HttpUtil.getContentLength(request, -1L);
                } catch (NumberFormatException e) {
                    declared = -1;
                }
                if (declared > limit) {
                    refuse(request, declared + " bytes");
                    ReferenceCountUtil.release(message);
                    return;
                }
            }
            if (message instanceof HttpContent content && !(message instanceof HttpRequest)) {
                if (discarding) {
                    content.release();
                    return;
                }
                received += content.content().readableBytes();
                if (received > limit) {
                    content.release();
                    refuse(null, "more than " + limit + " bytes");
                    return;
                }
            }
            ctx.fireChannelRead(message);
        }

        private void refuse(HttpRequest request, String size) {
            discarding = true;
            server.metrics().rejected("body_too_large");
            Response answer = Response.rejected(new InvalidInputException("body", size,
                    "is larger than the limit of " + limit + " bytes"));
            FullHttpRequestParts parts = request == null ? null : parts(request, null);
            accept(new Pending(parts, answer));
        }
    }

    /** Whole requests, answered in order. */
    final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            accept(new Pending(parts(request, request.content()), null));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private FullHttpRequestParts parts(HttpRequest request, ByteBuf content) {
        byte[] body = content == null ? new byte[0] : ByteBufUtil.getBytes(content);
        return new FullHttpRequestParts(request.method(), request.uri(), request.protocolVersion(),
                HttpUtil.isKeepAlive(request), request.headers().get(HttpHeaderNames.HOST),
                request.headers().get(HttpHeaderNames.CONTENT_TYPE), request.headers().get(HttpHeaderNames.AUTHORIZATION),
                body, request.decoderResult(),
                state == State.READING ? firstByteNanos : System.nanoTime());
    }

    private void accept(Pending request) {
        if (closing) {
            return;
        }
        if (state == State.BUSY) {
            pending.add(request);
            return;
        }
        start(request);
    }

    private void start(Pending request) {
        cancelTimer();
        state = State.BUSY;
        bytesWhileBusy = false;
        context.channel().config().setAutoRead(false);
        try {
            serve(request);
        } catch (RuntimeException | Error e) {
            // Whatever went wrong, the request is answered, so that what it holds is released.
            LOG.error("a request failed in the server itself", e);
            write(Response.error(500, "failed", "internal_error", "the server failed: " + e.getClass().getSimpleName()),
                    request.request(), true, System.nanoTime(), null);
        }
    }

    private void serve(Pending request) {
        if (request.answer() != null) {
            closing = true;
            write(request.answer(), request.request(), true, System.nanoTime(), null);
            return;
        }
        FullHttpRequestParts call = request.request();
        Response refusal = refusal(call);
        if (refusal != null) {
            write(refusal, call, true, call.receivedNanos(), null);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(call.uri());
        String rawPath = uri.rawPath();
        String rawQuery = uri.rawQuery();
        Api.Endpoint endpoint = Api.endpointOf(rawPath);
        if (server.isClosing()) {
            server.metrics().rejected("shutting_down");
            write(Response.unavailable("the server is shutting down"), call, true, call.receivedNanos(), endpoint);
            return;
        }
        Principal principal = null;
        if (server.authenticates(endpoint)) {
            try {
                principal = server.authenticator().authenticate(call.authorization());
            } catch (Unauthenticated e) {
                server.metrics().rejected("unauthenticated");
                write(Response.unauthenticated(e.error, e.getMessage()), call, false, call.receivedNanos(), endpoint);
                return;
            }
            long retryAfter = server.clientLimits().tryAcquire(principal.name());
            if (retryAfter > 0) {
                server.metrics().rejected("client_limit");
                write(Response.tooManyRequests(principal.name() + " is over its limit", retryAfter), call, false,
                        call.receivedNanos(), endpoint);
                return;
            }
            limited = principal;
        }
        if (endpoint.isWalletCall()) {
            if (!server.admit()) {
                server.metrics().rejected("overload");
                write(Response.unavailable("the server holds its most requests in flight ("
                        + server.limits().requestsInFlightMax() + ")"), call, false, call.receivedNanos(), endpoint);
                return;
            }
            admitted = true;
            // Counted in first, then checked: close() either sees this request and waits for it, or it is refused here.
            if (server.isClosing()) {
                server.metrics().rejected("shutting_down");
                write(Response.unavailable("the server is shutting down"), call, true, call.receivedNanos(), endpoint);
                return;
            }
        }
        CompletableFuture<Response> answer = server.handle(endpoint, new Api.Call(call.method().name(), rawPath,
                rawQuery.isEmpty() ? null : rawQuery, call.contentType(), call.body()), principal);
        if (answer.isDone()) {
            answered(call, endpoint, answer.join());
        } else {
            answer.whenCompleteAsync((response, error) -> answered(call, endpoint, response), context.executor());
        }
    }

    private void answered(FullHttpRequestParts call, Api.Endpoint endpoint, Response response) {
        write(response, call, false, call.receivedNanos(), endpoint);
    }

    /**
     * Closes after an answer without losing it: a socket closed with unread input (a body still
     * arriving, a pipelined request) is reset, and a reset can discard the answer before the client
     * reads it. So the output is shut first, input is read and dropped, and the connection closes
     * when the client closes its side or after a short linger.
     */
    private void closeGracefully(Channel channel) {
        closing = true;
        cancelTimer();
        if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
            channel.close();
            return;
        }
        duplex.shutdownOutput().addListener(shut -> {
            channel.config().setAutoRead(true);
            context.executor().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** What the HTTP layer refuses before routing: a request Netty could not parse, or HTTP/1.1 without Host. */
    private Response refusal(FullHttpRequestParts call) {
        DecoderResult result = call.decoderResult();
        if (result.isFailure()) {
            server.metrics().rejected("bad_request");
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpLineException) {
                return Response.badRequest(414, "uri_too_long", "request_line", "is longer than "
                        + server.limits().requestLineBytesMax() + " bytes");
            }
            if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                return Response.badRequest(431, "headers_too_large", "headers", "are larger than "
                        + server.limits().headerBytesMax() + " bytes");
            }
            return Response.badRequest(400, "bad_request", "request", "is not a valid HTTP/1.1 request: "
                    + (cause == null ? "malformed" : cause.getMessage()));
        }
        if (call.version().equals(HttpVersion.HTTP_1_1) && (call.host() == null || call.host().isBlank())) {
            server.metrics().rejected("bad_request");
            return Response.badRequest(400, "bad_request", "Host", "is required in an HTTP/1.1 request");
        }
        return null;
    }

    /**
     * Writes an answer. The connection closes after it when asked, when the client asked, or when
     * the server is closing; otherwise the next request (pipelined) or the idle timer follows.
     */
    private void write(Response response, FullHttpRequestParts call, boolean close, long startedNanos,
                       Api.Endpoint endpoint) {
        byte[] bytes = response.bytes();
        boolean head = call != null && call.method().equals(HttpMethod.HEAD);
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.code()), head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        response.headers().forEach((name, value) -> http.headers().set(name, value));
        if (response.replayed()) {
            http.headers().set(WalletHttpServer.REPLAYED_HEADER, "true");
        }
        boolean closeAfter = close || closing || call == null || !call.keepAlive() || server.isClosing();
        if (closeAfter) {
            closing = true;
            http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (call.version().equals(HttpVersion.HTTP_1_0)) {
            http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        server.metrics().answered(endpoint == null ? Api.Endpoint.OTHER : endpoint, response, System.nanoTime() - startedNanos);
        // Through the whole pipeline (the channel, not this handler's context), so that the codec encodes it.
        Channel channel = context.channel();
        ChannelFuture written = channel.writeAndFlush(http);
        // A client that does not read its answer may not hold its slot for ever.
        ScheduledFuture<?> stuck = written.isDone() ? null : context.executor().schedule(() -> {
            server.metrics().rejected("write_timeout");
            channel.close();
        }, server.limits().requestReadTimeoutNanos(), TimeUnit.NANOSECONDS);
        written.addListener((ChannelFutureListener) future -> {
            if (stuck != null) {
                stuck.cancel(false);
            }
            if (admitted) {
                admitted = false;
                server.release();
            }
            if (limited != null) {
                server.clientLimits().release(limited.name());
                limited = null;
            }
            if (!future.isSuccess()) {
                channel.close();
                return;
            }
            if (closeAfter) {
                closeGracefully(channel);
                return;
            }
            Pending next = pending.poll();
            if (next != null) {
                start(next);
                return;
            }
            if (bytesWhileBusy) {
                reading();
            } else {
                idle();
            }
            future.channel().config().setAutoRead(true);
        });
    }
}
