package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.ApiKeyResolver;
import io.keyway.gateway.service.ChatRequest;
import io.keyway.gateway.service.CircuitBreakers;
import io.keyway.gateway.service.CompletionExecutor;
import io.keyway.gateway.service.CompletionExecutor.Success;
import io.keyway.gateway.service.CreditCheck;
import io.keyway.gateway.service.GatewayError;
import io.keyway.gateway.service.Generation;
import io.keyway.gateway.service.UsageAccounting;
import io.keyway.gateway.service.RoutingViews;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.Router;
import io.keyway.gateway.service.routing.RoutingPlan;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
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
        // Cache misses complete on the key-service client's thread: continue on this request's own context.
        Executor onRequestContext = task -> {
            if (Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(v -> task.run());
            }
        };
        apiKeys.authenticate(ctx.request().getHeader("Authorization"))
                .emitOn(onRequestContext)
                .subscribe().with(caller -> {
                    ChatRequest request;
                    try {
                        request = ChatRequest.parse(ctx.body().buffer() == null ? new byte[0]
                                : ctx.body().buffer().getBytes(), json, catalog);
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
                    routingViews.forAccount(caller.accountId())
                            .map(view -> router.plan(request.models(), request.preferences(), request.parameters(),
                                    caller.apiKeyId(), view, breakers))
                            .emitOn(onRequestContext)
                            .subscribe().with(plan -> route(ctx, request, plan, generation),
                                    failure -> fail(ctx, generation, failure));
                }, failure -> error(ctx, failure));
    }

    private void route(RoutingContext ctx, ChatRequest request, RoutingPlan plan, Generation generation) {
        if (!plan.routable()) {
            fail(ctx, generation, noAllowedProviders(plan));
            return;
        }
        executor.execute(plan, request, generation).subscribe().with(
                success -> {
                    if (request.stream()) {
                        new SseRelay(ctx, success, generation).start();
                    } else {
                        respondJson(ctx, success, generation);
                    }
                },
                failure -> fail(ctx, generation, failure));
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

    private void respondJson(RoutingContext ctx, Success success, Generation g) {
        ObjectNode body;
        try {
            JsonNode parsed = json.readTree(success.body().getBytes());
            if (!parsed.isObject()) {
                throw new IOException("not an object");
            }
            body = (ObjectNode) parsed;
        } catch (IOException e) {
            fail(ctx, g, new GatewayError(502, "Provider returned an invalid response"));
            return;
        }
        JsonNode upstreamUsage = body.get("usage");
        accounting.served(g, success.attempt(), providerName(success), upstreamUsage);
        body.put("id", g.publicId());
        body.put("model", success.attempt().model().id());
        body.put("provider", g.providerName);
        body.put("object", "chat.completion");
        body.set("usage", accounting.usage(g, upstreamUsage));
        JsonNode choices = body.path("choices");
        if (choices.isArray() && !choices.isEmpty()) {
            g.finishReason = choices.get(0).path("finish_reason").asText(null);
        }
        write(ctx, 200, body);
        accounting.finish(g, 200, true);
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
    final class SseRelay {
        private final RoutingContext ctx;
        private final Success success;
        private final Generation g;
        private final HttpServerResponse out;
        private final StringBuilder pending = new StringBuilder();
        private final long created = Instant.now().getEpochSecond();
        private JsonNode upstreamUsage;
        private boolean clientGone;
        private boolean finished;
        private long timer = -1;

        SseRelay(RoutingContext ctx, Success success, Generation g) {
            this.ctx = ctx;
            this.success = success;
            this.g = g;
            this.out = ctx.response();
        }

        void start() {
            g.firstByteMs = g.elapsedMs();
            g.providerName = providerName(success);
            out.setStatusCode(200).setChunked(true)
                    .putHeader("Content-Type", "text/event-stream")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            out.closeHandler(v -> clientGone = true);
            var upstream = success.upstream().response();
            timer = vertx.setTimer(totalTimeoutMs, id -> {
                timer = -1;
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
            pending.append(buf.toString(java.nio.charset.StandardCharsets.UTF_8));
            int nl;
            while ((nl = pending.indexOf("\n")) >= 0) {
                String line = pending.substring(0, nl).trim();
                pending.delete(0, nl + 1);
                if (line.startsWith("data:")) {
                    onEvent(line.substring(5).trim());
                }
            }
            if (!clientGone && out.writeQueueFull()) {
                success.upstream().response().pause();
            }
        }

        private void onEvent(String data) {
            if (data.isEmpty() || data.equals("[DONE]")) {
                return;
            }
            ObjectNode chunk;
            try {
                JsonNode node = json.readTree(data);
                if (!node.isObject()) {
                    return;
                }
                chunk = (ObjectNode) node;
            } catch (IOException e) {
                return; // not JSON: nothing a client could use
            }
            JsonNode usage = chunk.remove("usage");
            if (usage != null && usage.isObject()) {
                upstreamUsage = usage;
            }
            JsonNode choices = chunk.path("choices");
            if (chunk.has("error")) {
                ObjectNode upstreamError = chunk.get("error").isObject() ? (ObjectNode) chunk.get("error") : null;
                fail("upstream error in stream: " + (upstreamError == null ? chunk.get("error").asText()
                        : upstreamError.path("message").asText()));
                return;
            }
            if (choices.isArray() && choices.isEmpty()) {
                return; // a usage-only chunk: ours follows at the end
            }
            if (choices.isArray()) {
                String reason = choices.get(0).path("finish_reason").asText(null);
                if (reason != null && !reason.equals("null")) {
                    g.finishReason = reason;
                }
            }
            stamp(chunk);
            send(chunk);
        }

        private void onEnd() {
            if (finished) {
                return;
            }
            finished = true;
            cancelTimer();
            accounting.served(g, success.attempt(), g.providerName, upstreamUsage);
            ObjectNode last = json.createObjectNode();
            stamp(last);
            last.putArray("choices");
            last.set("usage", accounting.usage(g, upstreamUsage));
            send(last);
            if (!clientGone) {
                out.end(Buffer.buffer("data: [DONE]\n\n"));
            }
            g.cancelled = clientGone;
            accounting.finish(g, 200, true);
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
            ObjectNode chunk = json.createObjectNode();
            stamp(chunk);
            ObjectNode error = chunk.putObject("error");
            error.put("code", 502);
            error.put("message", "Provider returned error");
            ObjectNode metadata = error.putObject("metadata");
            metadata.put("provider_name", g.providerName);
            metadata.put("is_byok", success.attempt().byok());
            metadata.put("raw", raw);
            metadata.put("error_type", "provider_unavailable");
            ArrayNode choices = chunk.putArray("choices");
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.putObject("delta").put("content", "");
            choice.put("finish_reason", "error");
            send(chunk);
            if (!clientGone) {
                out.end();
            }
            g.served = success.attempt();
            g.finishReason = "error";
            g.cancelled = clientGone;
            accounting.finish(g, 502, false);
        }

        private void stamp(ObjectNode chunk) {
            chunk.put("id", g.publicId());
            chunk.put("object", "chat.completion.chunk");
            if (!chunk.has("created")) {
                chunk.put("created", created);
            }
            chunk.put("model", success.attempt().model().id());
            chunk.put("provider", g.providerName);
        }

        private void send(ObjectNode chunk) {
            if (clientGone || out.ended()) {
                return;
            }
            try {
                byte[] bytes = json.writeValueAsBytes(chunk);
                Buffer b = Buffer.buffer(bytes.length + 8).appendString("data: ").appendBytes(bytes).appendString("\n\n");
                out.write(b);
            } catch (IOException e) {
                LOG.warnf("Could not write a stream chunk (%s)", e.getClass().getSimpleName());
            }
        }

        private void cancelTimer() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
