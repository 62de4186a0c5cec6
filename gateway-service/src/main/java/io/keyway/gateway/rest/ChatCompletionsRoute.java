package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.service.ChatCompletionFlow;
import io.keyway.gateway.service.ChatCompletionFlow.Refused;
import io.keyway.gateway.service.ChatCompletionFlow.Served;
import io.keyway.gateway.service.GatewayError;
import io.keyway.gateway.service.UsageAccounting;
import io.keyway.gateway.service.limits.Admission;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/chat/completions}, JSON and server-sent events, on the Vert.x router directly: HTTP in and out.
 * The request's flow is {@link ChatCompletionFlow}'s; the answer is written by {@link CompletionJsonWriter} or
 * {@link ChunkStreamWriter}, and errors in OpenRouter's envelope here. A stream's status line is only written once
 * its answer has begun, so fallback stays possible until then.
 */
@Singleton
public class ChatCompletionsRoute {

    private static final Logger LOG = Logger.getLogger(ChatCompletionsRoute.class);
    static final String PATH = "/api/v1/chat/completions";

    private final ChatCompletionFlow flow;
    private final CompletionJsonWriter jsonWriter;
    private final UsageAccounting accounting;
    private final ObjectMapper json;
    private final int maxBodyBytes;
    private final long totalTimeoutMs;

    public ChatCompletionsRoute(ChatCompletionFlow flow, CompletionJsonWriter jsonWriter, UsageAccounting accounting,
                                ObjectMapper json, GatewayConfig config) {
        this.flow = flow;
        this.jsonWriter = jsonWriter;
        this.accounting = accounting;
        this.json = json;
        this.maxBodyBytes = config.maxBodyBytes();
        this.totalTimeoutMs = config.upstream().totalTimeout().toMillis();
    }

    void register(@Observes io.vertx.ext.web.Router web) {
        web.post(PATH).handler(this::refuseForms); // a route of its own: no handler may precede a body handler
        web.post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(this::handle)
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        error(ctx.response(), new GatewayError(413, "Request body is larger than " + maxBodyBytes
                                + " bytes"));
                    } else {
                        LOG.errorf("Unexpected failure in chat completion: %s",
                                ctx.failure() == null ? ctx.statusCode() : ctx.failure().getClass().getSimpleName());
                        error(ctx.response(), new GatewayError(500, "Internal error"));
                    }
                });
    }

    /**
     * A form or multipart body is refused before the body handler, which would decode it as form fields (and fail with
     * a 500 on a long one); any other content type is read as JSON, as OpenAI's clients send it.
     */
    private void refuseForms(RoutingContext ctx) {
        if (isForm(ctx.request().getHeader("Content-Type"))) {
            error(ctx.response(), new GatewayError(415, "Content-Type must be application/json (a JSON request body)"));
        } else {
            ctx.next();
        }
    }

    /** A form body (multipart or URL-encoded), case-insensitively and past leading spaces, without copying the header. */
    static boolean isForm(String contentType) {
        if (contentType == null) {
            return false;
        }
        int from = 0;
        while (from < contentType.length() && Character.isWhitespace(contentType.charAt(from))) {
            from++;
        }
        return contentType.regionMatches(true, from, "multipart/", 0, 10)
                || contentType.regionMatches(true, from, "application/x-www-form-urlencoded", 0, 33);
    }

    void handle(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        Admission admission = new Admission();
        // The response's end — also signalled when the client closes the connection first — ends every request.
        ctx.addEndHandler(v -> admission.end());
        flow.start(ctx.request().getHeader("Authorization"), ctx.request().getHeader("HTTP-Referer"),
                        body == null ? new byte[0] : body.getBytes(), admission)
                .onComplete(outcome -> {
                    if (outcome.succeeded()) {
                        respond(ctx, outcome.result());
                    } else {
                        refused(ctx, outcome.cause());
                    }
                });
    }

    private void respond(RoutingContext ctx, Served served) {
        Answer answer = served.success().answer();
        try {
            if (answer instanceof Answer.Streamed s) {
                new ChunkStreamWriter(ctx.response(), served.success(), s.stream(), served.generation(), accounting,
                        json, totalTimeoutMs, served.request().upstreamBody()).start();
            } else {
                jsonWriter.write(ctx.response(), served.success(), ((Answer.Whole) answer).completion(),
                        served.generation());
            }
        } catch (RuntimeException e) { // never leave the client waiting
            refused(ctx, new Refused(new GatewayError(500, "Internal error"), served.generation()));
            LOG.errorf("Unexpected failure writing a chat completion: %s", e.getClass().getSimpleName());
        }
    }

    private void refused(RoutingContext ctx, Throwable failure) {
        if (failure instanceof Refused r) {
            int status = error(ctx.response(), r.error());
            if (r.generation() != null) {
                accounting.finish(r.generation(), status, false);
            }
        } else {
            LOG.errorf("Unexpected failure in chat completion: %s", failure.getClass().getSimpleName());
            error(ctx.response(), new GatewayError(500, "Internal error"));
        }
    }

    /** Writes the error envelope; returns the status written. */
    private int error(HttpServerResponse response, GatewayError e) {
        if (response.ended() || response.closed()) {
            return e.status();
        }
        ObjectNode body = ApiError.body(e.status(), e.getMessage(), e.metadata());
        try {
            response.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
            if (e.retryAfterSeconds() > 0) {
                response.putHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
            }
            response.end(Buffer.buffer(json.writeValueAsBytes(body)));
        } catch (IOException io) {
            response.setStatusCode(500).end();
        }
        return e.status();
    }
}
