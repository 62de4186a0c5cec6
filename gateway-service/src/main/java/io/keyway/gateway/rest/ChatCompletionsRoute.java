package io.keyway.gateway.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.contracts.RoutingView;
import io.keyway.gateway.service.ApiKeyResolver;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import io.keyway.gateway.service.ChatRequest;
import io.keyway.gateway.service.CircuitBreakers;
import io.keyway.gateway.service.CompletionExecutor;
import io.keyway.gateway.service.CompletionExecutor.Success;
import io.keyway.gateway.service.CreditCheck;
import io.keyway.gateway.service.GatewayError;
import io.keyway.gateway.service.Generation;
import io.keyway.gateway.service.LoopTimeout;
import io.keyway.gateway.service.UsageAccounting;
import io.keyway.gateway.service.RoutingViews;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.Router;
import io.keyway.gateway.service.routing.RoutingPlan;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/chat/completions}, JSON and server-sent events. On the Vert.x router directly: the status line
 * of a stream is only written once the upstream's first byte is here, so fallback stays possible until then.
 * Order: authenticate (401) → check the body (400/413) → credits (402) → plan (404) → call upstream.
 */
@ApplicationScoped
public class ChatCompletionsRoute {

    private static final Logger LOG = Logger.getLogger(ChatCompletionsRoute.class);
    static final String PATH = "/api/v1/chat/completions";
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence TEXT_EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
    private static final CharSequence X_ACCEL_BUFFERING = HttpHeaders.createOptimized("X-Accel-Buffering");
    private static final CharSequence NO = HttpHeaders.createOptimized("no");

    private final ApiKeyResolver apiKeys;
    private final CreditCheck credits;
    private final RoutingViews routingViews;
    private final Router router;
    private final CircuitBreakers breakers;
    private final CompletionExecutor executor;
    private final UsageAccounting accounting;
    private final ModelCatalog catalog;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final int maxBodyBytes;
    private final long totalTimeoutMs;

    public ChatCompletionsRoute(ApiKeyResolver apiKeys, CreditCheck credits, RoutingViews routingViews, Router router,
                                CircuitBreakers breakers, CompletionExecutor executor, UsageAccounting accounting,
                                ModelCatalog catalog, ObjectMapper json, Vertx vertx, GatewayConfig config) {
        this.apiKeys = apiKeys;
        this.credits = credits;
        this.routingViews = routingViews;
        this.router = router;
        this.breakers = breakers;
        this.executor = executor;
        this.accounting = accounting;
        this.catalog = catalog;
        this.json = json;
        this.vertx = vertx;
        this.maxBodyBytes = config.maxBodyBytes();
        this.totalTimeoutMs = config.upstream().totalTimeout().toMillis();
    }

    void register(@Observes io.vertx.ext.web.Router web) {
        web.post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(this::handle)
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        error(ctx, new GatewayError(413, "Request body is larger than " + maxBodyBytes + " bytes"));
                    } else {
                        LOG.errorf("Unexpected failure in chat completion: %s",
                                ctx.failure() == null ? ctx.statusCode() : ctx.failure().getClass().getSimpleName());
                        error(ctx, new GatewayError(500, "Internal error"));
                    }
                });
    }

    void handle(RoutingContext ctx) {
        Context context = Vertx.currentContext();
        CompletableFuture<Caller> auth = apiKeys.resolve(ctx.request().getHeader("Authorization"));
        if (auth.isDone()) {
            authenticated(ctx, context, auth); // warm cache: no hand-over, no reactive pipeline
        } else {
            // A cache miss completes on the key-service client's thread: continue on this request's own context.
            auth.whenComplete((c, f) -> onContext(context,
                    () -> guarded(ctx, () -> authenticated(ctx, context, auth))));
        }
    }

    private static void onContext(Context context, Runnable task) {
        if (Vertx.currentContext() == context) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    /** A continuation run from a future's callback: an unexpected exception still answers the client (500). */
    private void guarded(RoutingContext ctx, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            error(ctx, e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null
                ? t.getCause() : t;
    }

    private void authenticated(RoutingContext ctx, Context context, CompletableFuture<Caller> auth) {
        Caller caller;
        try {
            caller = auth.join();
        } catch (RuntimeException e) {
            error(ctx, unwrap(e));
            return;
        }
        ChatRequest request;
        try {
            Buffer body = ctx.body().buffer();
            request = ChatRequest.parse(body == null ? new byte[0] : body.getBytes(), json, catalog);
        } catch (GatewayError e) {
            error(ctx, e);
            return;
        }
        Generation generation = new Generation(caller.accountId(), caller.apiKeyId(),
                request.models().get(0).id(), request.stream());
        try {
            credits.require(caller);
        } catch (GatewayError e) {
            fail(ctx, generation, e);
            return;
        }
        CompletableFuture<RoutingView> view = routingViews.view(caller.accountId());
        if (view.isDone()) {
            plan(ctx, request, caller, generation, view);
        } else {
            view.whenComplete((v, f) -> onContext(context,
                    () -> guarded(ctx, () -> plan(ctx, request, caller, generation, view))));
        }
    }

    private void plan(RoutingContext ctx, ChatRequest request, Caller caller, Generation generation,
                      CompletableFuture<RoutingView> view) {
        RoutingPlan plan;
        try {
            plan = router.plan(request.models(), request.preferences(), request.parameters(), caller.apiKeyId(),
                    view.join(), breakers);
        } catch (RuntimeException e) {
            fail(ctx, generation, unwrap(e));
            return;
        }
        try {
            route(ctx, request, plan, generation);
        } catch (RuntimeException e) { // never leave the client waiting (this may run in a future's callback)
            fail(ctx, generation, e);
        }
    }

    private void route(RoutingContext ctx, ChatRequest request, RoutingPlan plan, Generation generation) {
        if (!plan.routable()) {
            fail(ctx, generation, noAllowedProviders(plan));
            return;
        }
        executor.run(plan, request, generation).onComplete(outcome -> {
            if (outcome.failed()) {
                fail(ctx, generation, outcome.cause());
            } else if (request.stream()) {
                new SseRelay(ctx, outcome.result(), generation).start();
            } else {
                respondJson(ctx, outcome.result(), generation);
            }
        });
    }

    private GatewayError noAllowedProviders(RoutingPlan plan) {
        var first = plan.unroutable().get(0);
        ObjectNode metadata = json.createObjectNode();
        first.availableProviders().forEach(metadata.putArray("available_providers")::add);
        first.requestedProviders().forEach(metadata.putArray("requested_providers")::add);
        metadata.put("failed_routing_step", first.failedStep());
        metadata.put("model", first.model());
        return new GatewayError(404, "No allowed providers are available for the selected model. Providers serving "
                + first.model() + ": " + String.join(", ", first.availableProviders())
                + "; after this request's provider preferences and the account's ignored providers none is left ("
                + first.failedStep() + ").", metadata);
    }

    /**
     * Rewrites the upstream's answer token by token (no JSON tree): every field is copied except {@code id},
     * {@code model}, {@code provider}, {@code object} and {@code usage}, which are Keyway's and written last.
     */
    private void respondJson(RoutingContext ctx, Success success, Generation g) {
        byte[] in = success.body().getBytes();
        ByteArrayBuilder out = new ByteArrayBuilder(in.length + 512);
        try (JsonParser p = json.getFactory().createParser(in);
             JsonGenerator gen = json.getFactory().createGenerator(out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            gen.writeStartObject();
            Found found = copyFields(p, gen, false);
            accounting.served(g, success.attempt(), providerName(success), found.usage);
            gen.writeStringField("id", g.publicId());
            gen.writeStringField("model", success.attempt().model().id());
            gen.writeStringField("provider", g.providerName);
            gen.writeStringField("object", "chat.completion");
            gen.writeFieldName("usage");
            accounting.writeUsage(gen, g, found.usage);
            gen.writeEndObject();
            g.finishReason(found.finishReason);
        } catch (IOException e) {
            fail(ctx, g, new GatewayError(502, "Provider returned an invalid response"));
            return;
        }
        HttpServerResponse response = ctx.response();
        if (!response.ended() && !response.closed()) {
            response.setStatusCode(200).putHeader(CONTENT_TYPE, APPLICATION_JSON)
                    .end(Buffer.buffer(out.toByteArray()));
        }
        accounting.finish(g, 200, true);
    }

    /** What {@link #copyFields} saw of the fields it does not copy. */
    static final class Found {
        JsonNode usage;
        JsonNode error;
        boolean choicesArray;
        int choices;
        String finishReason;
        boolean hasCreated;
    }

    /**
     * Copies the fields of the object whose START_OBJECT {@code p} is on to {@code gen}, up to its END_OBJECT, except
     * Keyway's own ({@code id}, {@code model}, {@code provider}, {@code object}) and {@code usage}, which is returned;
     * in a stream chunk {@code error} is returned instead of copied. Notes the first choice's finish_reason.
     */
    private Found copyFields(JsonParser p, JsonGenerator gen, boolean chunk) throws IOException {
        Found f = new Found();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "id", "model", "provider", "object" -> p.skipChildren();
                case "usage" -> f.usage = json.readTree(p);
                case "choices" -> {
                    gen.writeFieldName(name);
                    copyChoices(p, gen, f);
                }
                default -> {
                    if (chunk && name.equals("error")) {
                        f.error = json.readTree(p);
                    } else {
                        f.hasCreated |= name.equals("created");
                        gen.writeFieldName(name);
                        gen.copyCurrentStructure(p);
                    }
                }
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("unterminated object");
        }
        return f;
    }

    private static void copyChoices(JsonParser p, JsonGenerator gen, Found f) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            gen.copyCurrentStructure(p);
            return;
        }
        f.choicesArray = true;
        gen.writeStartArray();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("unterminated array");
            }
            if (f.choices == 0 && t == JsonToken.START_OBJECT) {
                gen.writeStartObject();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    gen.writeFieldName(field);
                    if (p.nextToken() == JsonToken.VALUE_STRING && field.equals("finish_reason")) {
                        f.finishReason = p.getText();
                    }
                    gen.copyCurrentStructure(p);
                }
                gen.writeEndObject();
            } else {
                gen.copyCurrentStructure(p);
            }
            f.choices++;
        }
        gen.writeEndArray();
    }

    private static String providerName(Success s) {
        return s.provider().name() != null ? s.provider().name() : s.provider().slug();
    }

    private void fail(RoutingContext ctx, Generation g, Throwable failure) {
        int status = error(ctx, failure);
        accounting.finish(g, status, false);
    }

    /** Writes the error envelope; returns the status written. */
    private int error(RoutingContext ctx, Throwable failure) {
        GatewayError e = failure instanceof GatewayError ge ? ge : null;
        if (e == null) {
            LOG.errorf("Unexpected failure in chat completion: %s", failure.getClass().getSimpleName());
            e = new GatewayError(500, "Internal error");
        }
        ObjectNode body = ApiError.body(e.status(), e.getMessage(), e.metadata());
        write(ctx, e.status(), body);
        return e.status();
    }

    private void write(RoutingContext ctx, int status, ObjectNode body) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        try {
            response.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(json.writeValueAsBytes(body)));
        } catch (IOException e) {
            response.setStatusCode(500).end();
        }
    }

    /**
     * Relays an upstream SSE stream to the client, rewriting each chunk's id, model and provider; strips the
     * upstream's usage and sends Keyway's usage (with cost) in a trailing {@code choices: []} chunk before
     * {@code [DONE]}. A failure after the first byte ends the stream with an error chunk ({@code finish_reason:
     * "error"}). If the client goes away the upstream is still read to its end (bounded by the total timeout) so
     * the request is metered with the upstream's own token counts.
     */
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = {'\n', '\n'};
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_OPEN = "data: {".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] SUFFIX_ID = ",\"id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX_OBJECT = "\",\"object\":\"chat.completion.chunk\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX_MODEL = ",\"model\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX_PROVIDER = "\",\"provider\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX_END = "\"}\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SUFFIX_FIXED = SUFFIX_ID.length + SUFFIX_OBJECT.length + SUFFIX_MODEL.length
            + SUFFIX_PROVIDER.length + SUFFIX_END.length;
    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString OBJECT = new SerializedString("object");
    private static final SerializedString CHUNK_OBJECT = new SerializedString("chat.completion.chunk");
    private static final SerializedString CREATED = new SerializedString("created");
    private static final SerializedString MODEL = new SerializedString("model");
    private static final SerializedString PROVIDER = new SerializedString("provider");
    private static final SerializedString CHOICES = new SerializedString("choices");
    private static final SerializedString USAGE = new SerializedString("usage");

    /** Lets a {@link JsonGenerator} write into a Vert.x buffer (the generator buffers, so this sees few calls). */
    private static final class BufferOutput extends java.io.OutputStream {
        private final Buffer buffer;

        BufferOutput(Buffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }

    final class SseRelay {
        private final RoutingContext ctx;
        private final Success success;
        private final Generation g;
        private final HttpServerResponse out;
        private final ChunkSplice splice = new ChunkSplice();
        private final io.vertx.core.Handler<Void> flushTask = v -> scheduledFlush();
        private boolean flushScheduled;
        private byte[] carry = new byte[0];
        private int carryLen;
        private byte[] suffix;
        private byte[] suffixCreated;
        private final long created = Instant.now().getEpochSecond();
        private JsonNode upstreamUsage;
        private Buffer batch;
        private boolean clientGone;
        private boolean finished;
        private LoopTimeout timer;

        SseRelay(RoutingContext ctx, Success success, Generation g) {
            this.ctx = ctx;
            this.success = success;
            this.g = g;
            this.out = ctx.response();
        }

        void start() {
            g.firstByteMs = g.elapsedMs();
            g.providerName = providerName(success);
            suffix = suffix(false);
            out.setStatusCode(200).setChunked(true)
                    .putHeader(CONTENT_TYPE, TEXT_EVENT_STREAM)
                    .putHeader(CACHE_CONTROL, NO_CACHE)
                    .putHeader(X_ACCEL_BUFFERING, NO);
            out.closeHandler(v -> clientGone = true);
            var upstream = success.upstream().response();
            timer = LoopTimeout.start(totalTimeoutMs, () -> {
                timer = null;
                success.upstream().abort();
            });
            out.drainHandler(v -> upstream.resume());
            upstream.handler(this::onData);
            upstream.exceptionHandler(this::onFailure);
            upstream.endHandler(v -> onEnd());
            onData(success.body());
            upstream.resume();
        }

        private void onData(Buffer buf) {
            if (finished) {
                return;
            }
            // The upstream's bytes in place (a heap buffer of this read), without copying them out first.
            ByteBuf bb = buf.getByteBuf();
            byte[] b;
            int from;
            int len;
            if (bb.hasArray()) {
                b = bb.array();
                from = bb.arrayOffset() + bb.readerIndex();
                len = bb.readableBytes();
            } else {
                b = buf.getBytes();
                from = 0;
                len = b.length;
            }
            if (carryLen > 0) { // a line that started in an earlier read
                byte[] joined = java.util.Arrays.copyOf(carry, carryLen + len);
                System.arraycopy(b, from, joined, carryLen, len);
                b = joined;
                from = 0;
                len = joined.length;
                carryLen = 0;
            }
            int end = from + len;
            if (batch == null && !clientGone) {
                // Rewritten events are about as long as the upstream's (Keyway's id/model/provider replace theirs).
                batch = Buffer.buffer(len + (len >> 1) + 1024); // + Keyway's usage chunk at the end
            }
            int lineStart = from;
            for (int i = from; i < end && !finished; i++) {
                if (b[i] == '\n') {
                    line(b, lineStart, i);
                    lineStart = i + 1;
                }
            }
            if (!finished && lineStart < end) {
                int rest = end - lineStart;
                if (carry.length < rest) {
                    carry = new byte[Math.max(rest, 2 * carry.length)];
                }
                System.arraycopy(b, lineStart, carry, 0, rest);
                carryLen = rest;
            }
            // The HTTP decoder hands over one upstream chunk at a time, even when one socket read held several: write
            // once the event loop is done with this read, so those chunks leave in one write.
            if (batch != null && batch.length() > 0 && !flushScheduled) {
                Context here = Vertx.currentContext();
                if (here == null) {
                    scheduledFlush();
                } else {
                    flushScheduled = true;
                    here.runOnContext(flushTask);
                }
            }
        }

        private void scheduledFlush() {
            flushScheduled = false;
            flush();
            if (!clientGone && !out.ended() && out.writeQueueFull()) {
                success.upstream().response().pause();
            }
        }

        /** One line {@code b[from, to)} without its newline: a {@code data:} line is an event, others are ignored. */
        private void line(byte[] b, int from, int to) {
            while (from < to && (b[from] & 0xff) <= ' ') {
                from++;
            }
            while (to > from && (b[to - 1] & 0xff) <= ' ') {
                to--;
            }
            if (to - from < 5 || b[from] != 'd' || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a'
                    || b[from + 4] != ':') {
                return;
            }
            from += 5;
            while (from < to && (b[from] & 0xff) <= ' ') {
                from++;
            }
            if (from == to || (to - from == 6 && b[from] == '[' && b[from + 1] == 'D' && b[from + 2] == 'O'
                    && b[from + 3] == 'N' && b[from + 4] == 'E' && b[from + 5] == ']')) {
                return;
            }
            if (splice.scan(b, from, to)) {
                onSplicedEvent(b);
            } else {
                onEvent(b, from, to);
            }
        }

        /**
         * The common case, {@link ChunkSplice}: the upstream's own fields copied as bytes, Keyway's appended — the same
         * fields in the same order as {@link #onEvent}'s token rewrite.
         */
        private void onSplicedEvent(byte[] b) {
            ChunkSplice s = splice;
            if (s.usageFrom >= 0) {
                try {
                    JsonNode usage = json.readTree(b, s.usageFrom, s.usageTo - s.usageFrom);
                    if (usage != null && usage.isObject()) {
                        upstreamUsage = usage;
                    }
                } catch (IOException e) {
                    return; // cannot happen: the scan validated it
                }
            }
            if (s.choicesArray && s.choices == 0) {
                return; // a usage-only chunk: ours follows at the end
            }
            if (s.finishReason != null) {
                g.finishReason(s.finishReason);
            }
            if (clientGone || out.ended()) {
                return;
            }
            batch.appendBytes(DATA_OPEN); // onData made the batch for this read
            for (int i = 0; i < s.fields; i++) {
                if (i > 0) {
                    batch.appendByte((byte) ',');
                }
                int from = s.spans[2 * i];
                batch.appendBytes(b, from, s.spans[2 * i + 1] - from);
            }
            if (!s.hasCreated && suffixCreated == null) {
                suffixCreated = suffix(true); // an upstream chunk without "created": rare
            }
            byte[] tail = s.hasCreated ? suffix : suffixCreated;
            int skip = s.fields == 0 ? 1 : 0; // no field before Keyway's: no comma
            batch.appendBytes(tail, skip, tail.length - skip);
        }

        /** Keyway's fields closing every rewritten chunk: {@code ,"id":…,"object":…[,"created":…],"model":…,"provider":…}. */
        private byte[] suffix(boolean withCreated) {
            var quote = JsonStringEncoder.getInstance();
            byte[] id = quote.quoteAsUTF8(g.publicId());
            byte[] model = quote.quoteAsUTF8(success.attempt().model().id());
            byte[] provider = quote.quoteAsUTF8(g.providerName);
            byte[] createdField = withCreated ? (",\"created\":" + created).getBytes(StandardCharsets.US_ASCII) : EMPTY;
            ByteArrayBuilder b = new ByteArrayBuilder(SUFFIX_FIXED + id.length + model.length + provider.length
                    + createdField.length);
            b.write(SUFFIX_ID);
            b.write(id);
            b.write(SUFFIX_OBJECT);
            b.write(createdField);
            b.write(SUFFIX_MODEL);
            b.write(model);
            b.write(SUFFIX_PROVIDER);
            b.write(provider);
            b.write(SUFFIX_END);
            return b.toByteArray();
        }

        /** One upstream event, rewritten token by token (see {@link #copyFields}) into one {@code data:} line. */
        private void onEvent(byte[] data, int from, int to) {
            ByteArrayBuilder bytes = new ByteArrayBuilder(to - from + 256);
            Found f;
            try (JsonParser p = json.getFactory().createParser(data, from, to - from);
                 JsonGenerator gen = json.getFactory().createGenerator(bytes)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return;
                }
                gen.writeRaw("data: ");
                gen.writeStartObject();
                f = copyFields(p, gen, true);
                writeStamp(gen, !f.hasCreated);
                gen.writeEndObject();
                gen.writeRaw("\n\n");
            } catch (IOException e) {
                return; // not JSON: nothing a client could use
            }
            if (f.usage != null && f.usage.isObject()) {
                upstreamUsage = f.usage;
            }
            if (f.error != null) {
                fail("upstream error in stream: " + (f.error.isObject() ? f.error.path("message").asText()
                        : f.error.asText()));
                return;
            }
            if (f.choicesArray && f.choices == 0) {
                return; // a usage-only chunk: ours follows at the end
            }
            if (f.finishReason != null) {
                g.finishReason(f.finishReason);
            }
            if (!clientGone && !out.ended()) {
                batch.appendBytes(bytes.toByteArray()); // onData made the batch for this read
            }
        }

        /** Writes the rewritten events batched so far. */
        private void flush() {
            Buffer b = batch;
            batch = null;
            if (b != null && b.length() > 0 && !clientGone && !out.ended()) {
                out.write(b);
            }
        }

        private void onEnd() {
            if (finished) {
                return;
            }
            finished = true;
            cancelTimer();
            accounting.served(g, success.attempt(), g.providerName, upstreamUsage);
            if (!clientGone && !out.ended()) {
                lastChunk();
            }
            end(DONE);
            g.cancelled = clientGone;
            accounting.finish(g, 200, true);
        }

        /** Keyway's closing chunk: the stamp, {@code "choices":[]} and the usage. */
        private void lastChunk() {
            writeChunk(gen -> {
                gen.writeFieldName(CHOICES);
                gen.writeStartArray();
                gen.writeEndArray();
                gen.writeFieldName(USAGE);
                accounting.writeUsage(gen, g, upstreamUsage);
            });
        }

        /** What a chunk of Keyway's own carries after its stamp. */
        private interface ChunkBody {
            void write(JsonGenerator gen) throws IOException;
        }

        /**
         * Adds a chunk of Keyway's own — its stamp, then {@code body} — after the events of the current read, written
         * by the generator straight into the batch; {@link #end} writes them.
         */
        private void writeChunk(ChunkBody body) {
            if (batch == null) {
                batch = Buffer.buffer(768);
            }
            batch.appendBytes(DATA);
            try (JsonGenerator gen = json.getFactory().createGenerator(new BufferOutput(batch))) {
                gen.writeStartObject();
                writeStamp(gen, true);
                body.write(gen);
                gen.writeEndObject();
            } catch (IOException e) { // writing to memory: not expected
                LOG.warnf("Could not write a stream chunk (%s)", e.getClass().getSimpleName());
            }
            batch.appendBytes(EVENT_END);
        }

        /**
         * Keyway's fields of every chunk it writes or rewrites: {@code id}, {@code object}, {@code created} (unless
         * the upstream's chunk had one), {@code model}, {@code provider} — in the order {@link #suffix} writes them
         * as bytes for spliced chunks.
         */
        private void writeStamp(JsonGenerator gen, boolean withCreated) throws IOException {
            gen.writeFieldName(ID);
            gen.writeString(g.publicId());
            gen.writeFieldName(OBJECT);
            gen.writeString(CHUNK_OBJECT);
            if (withCreated) {
                gen.writeFieldName(CREATED);
                gen.writeNumber(created);
            }
            gen.writeFieldName(MODEL);
            gen.writeString(success.attempt().model().id());
            gen.writeFieldName(PROVIDER);
            gen.writeString(g.providerName);
        }

        private void onFailure(Throwable t) {
            fail("upstream connection failed after the stream started (" + t.getClass().getSimpleName() + ")");
        }

        /** Mid-stream failure: an error chunk with finish_reason "error", never a silent 200. */
        private void fail(String raw) {
            if (finished) {
                return;
            }
            finished = true;
            cancelTimer();
            success.upstream().abort();
            if (!clientGone && !out.ended()) {
                writeChunk(gen -> {
                    gen.writeObjectFieldStart("error");
                    gen.writeNumberField("code", 502);
                    gen.writeStringField("message", "Provider returned error");
                    gen.writeObjectFieldStart("metadata");
                    gen.writeStringField("provider_name", g.providerName);
                    gen.writeBooleanField("is_byok", success.attempt().byok());
                    gen.writeStringField("raw", raw);
                    gen.writeStringField("error_type", "provider_unavailable");
                    gen.writeEndObject();
                    gen.writeEndObject();
                    gen.writeArrayFieldStart("choices");
                    gen.writeStartObject();
                    gen.writeNumberField("index", 0);
                    gen.writeObjectFieldStart("delta");
                    gen.writeStringField("content", "");
                    gen.writeEndObject();
                    gen.writeStringField("finish_reason", "error");
                    gen.writeEndObject();
                    gen.writeEndArray();
                });
            }
            end(null);
            g.served = success.attempt();
            g.finishReason("error");
            g.cancelled = clientGone;
            accounting.finish(g, 502, false);
        }

        /** Ends the response with what is batched, then {@code last} (if any): one write for the stream's tail. */
        private void end(byte[] last) {
            Buffer b = batch;
            batch = null;
            if (clientGone) {
                return;
            }
            if (b == null) {
                b = Buffer.buffer(last == null ? 0 : last.length);
            }
            if (last != null) {
                b.appendBytes(last);
            }
            out.end(b);
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }
    }
}
