package io.keyway.gateway.it;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A STAND-IN for an upstream OpenAI-compatible provider (not a real one), on loopback, with fault injection chosen by
 * the credential the gateway presents ({@code Authorization: Bearer <behaviour>-<anything>}):
 * <ul>
 * <li>{@code ok-…} (or anything unknown): a normal answer, 10 prompt + 5 completion tokens;</li>
 * <li>{@code status429-…}: that HTTP status with an OpenAI-style error body (any 3-digit status);</li>
 * <li>{@code slow3000-…}: the answer after that many ms (slow first byte);</li>
 * <li>{@code reset-…}: the connection is closed without an answer;</li>
 * <li>{@code midstream-…}: streams two chunks, then the connection is closed;</li>
 * <li>{@code commentreset-…}: a 200 event stream that sends only SSE keep-alive comments, then closes the connection;</li>
 * <li>{@code commentstream-…}: keep-alive comments, then the usual stream;</li>
 * <li>{@code slowstream200-…}: streams its chunks that many ms apart (usage at the end, as usual);</li>
 * <li>{@code bare-…}: an answer with only what OpenAI requires of a server: no {@code usage}, and in a stream no
 *     assistant {@code role} chunk and no usage chunk even when asked for (upstreams that do less than OpenAI);</li>
 * <li>{@code splitstream-…}: streams {@link #SPLIT_TEXT} with every event cut in two (inside a multi-byte character
 *     where there is one), the pieces written 5 ms apart so that no line arrives in one read;</li>
 * <li>{@code hugebody-…} / {@code hugeerror-…}: a 200 answer / a 500 error whose body is {@link #HUGE_BYTES} of
 *     JSON-looking bytes, chunked (no length announced), written as fast as the reader takes them;</li>
 * <li>{@code endlessline-…}: a stream whose first event begins the answer, then one {@code data:} line that never
 *     ends (up to {@link #HUGE_BYTES});</li>
 * <li>{@code prefixflood-…}: a stream that sends {@link #HUGE_BYTES} of SSE comments before any event;</li>
 * <li>{@code floodstream-…}: a valid stream of content chunks ({@code "word "} each) written as fast as the reader
 *     takes them, up to {@link #HUGE_BYTES}: a reader that stops reading holds it paused
 *     ({@link #waitingForReader}).</li>
 * </ul>
 * The huge answers stop as soon as the reader closes the connection.
 * Every call is recorded ({@link #calls()}) with the credential it carried, so tests can see which key was tried;
 * {@link #abandoned()} counts slow streams whose connection the caller closed before their end, and
 * {@link #connectionClosedAt} tells when the connection that carried a credential's call was closed.
 */
public final class UpstreamStandIn implements AutoCloseable {

    public static final int PROMPT_TOKENS = 10;
    public static final int COMPLETION_TOKENS = 5;

    public record Call(String credential, String model, boolean stream, boolean includeUsage, String path) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>(); // O(1) adds under benchmark load
    private final HttpServer server;
    private final java.util.concurrent.atomic.AtomicInteger abandoned = new java.util.concurrent.atomic.AtomicInteger();
    /** Credential → System.nanoTime() when the connection of its (latest) call was closed. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> closedAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** Credentials whose flood waits for the reader to take more (the write queue is full). */
    private final java.util.Set<String> waitingForReader = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public UpstreamStandIn() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<String> credentialsCalled() {
        return calls.stream().map(Call::credential).toList();
    }

    public int abandoned() {
        return abandoned.get();
    }

    public void reset() {
        calls.clear();
    }

    /** {@code System.nanoTime()} when the connection of this credential's call was closed, or null while open. */
    public Long connectionClosedAt(String credential) {
        return closedAt.get(credential);
    }

    /** Whether this credential's flood is held back: its reader stopped taking what it writes. */
    public boolean waitingForReader(String credential) {
        return waitingForReader.contains(credential);
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            String auth = req.getHeader("Authorization");
            String credential = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
            JsonObject body = buf.length() == 0 ? new JsonObject() : buf.toJsonObject();
            boolean stream = body.getBoolean("stream", false);
            boolean includeUsage = body.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
            calls.add(new Call(credential, body.getString("model"), stream, includeUsage, req.path()));
            req.connection().closeHandler(v -> closedAt.put(credential, System.nanoTime()));
            String behaviour = credential.contains("-") ? credential.substring(0, credential.indexOf('-')) : credential;
            if (!req.path().endsWith("/chat/completions")) {
                req.response().setStatusCode(404).end();
            } else if (behaviour.startsWith("status") && behaviour.length() == 9) {
                int status = Integer.parseInt(behaviour.substring(6));
                req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("error", new JsonObject().put("message", "stand-in status " + status)
                                .put("type", "standin_error").put("code", status)).encode());
            } else if (behaviour.equals("hugebody") || behaviour.equals("hugeerror")) {
                var res = req.response().setStatusCode(behaviour.equals("hugebody") ? 200 : 500).setChunked(true)
                        .putHeader("Content-Type", "application/json");
                res.write("{\"id\":\"chatcmpl-huge\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"");
                flood(req, res, "a", HUGE_BYTES);
            } else if (behaviour.equals("endlessline")) {
                var res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                res.write("data: {\"id\":\"chatcmpl-huge\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"finish_reason\":null}]}\n\n");
                res.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
                flood(req, res, "a", HUGE_BYTES);
            } else if (behaviour.equals("prefixflood")) {
                var res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                flood(req, res, ": keep-alive\n", HUGE_BYTES);
            } else if (behaviour.equals("floodstream")) {
                var res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                res.write(chunk(body.getString("model"), new JsonObject().put("role", "assistant").put("content", ""), null));
                floodStream(req, res, credential, chunk(body.getString("model"), new JsonObject().put("content", "word "), null));
            } else if (behaviour.equals("splitstream")) {
                splitStream(req.response(), body.getString("model"));
            } else if (behaviour.startsWith("slowstream")) {
                slowStream(req, body.getString("model"), Long.parseLong(behaviour.substring(10)), 0);
            } else if (behaviour.startsWith("slow")) {
                vertx.setTimer(Long.parseLong(behaviour.substring(4)), t -> answer(req, body, stream, includeUsage, false));
            } else if (behaviour.equals("commentreset") || behaviour.equals("commentstream")) {
                var res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                res.write(": keep-alive\n\n");
                vertx.setTimer(20, t -> {
                    if (behaviour.equals("commentreset")) {
                        req.connection().close();
                        return;
                    }
                    res.write(": still thinking\n\n");
                    vertx.setTimer(20, t2 -> answer(req, body, stream, includeUsage, false));
                });
            } else if (behaviour.equals("reset")) {
                req.connection().close();
            } else if (behaviour.equals("bare")) {
                bare(req, body, stream);
            } else {
                answer(req, body, stream, includeUsage, behaviour.equals("midstream"));
            }
        });
    }

    /** 100 MB: the size of the huge answers. */
    public static final int HUGE_BYTES = 100 * 1024 * 1024;

    /**
     * Writes {@code unit} repeated up to {@code total} bytes in 64 KiB writes, as fast as the reader takes them (the
     * write queue's back-pressure), and stops when the reader closes the connection.
     */
    private void flood(HttpServerRequest req, io.vertx.core.http.HttpServerResponse res, String unit, long total) {
        io.vertx.core.buffer.Buffer block = io.vertx.core.buffer.Buffer.buffer(unit.repeat(Math.max(1, 65536 / unit.length())));
        long[] written = {0};
        boolean[] closed = {false};
        req.connection().closeHandler(v -> closed[0] = true);
        Runnable[] pump = {null};
        pump[0] = () -> {
            while (!closed[0] && written[0] < total && !res.writeQueueFull()) {
                res.write(block);
                written[0] += block.length();
            }
            if (closed[0]) {
                return;
            }
            if (written[0] >= total) {
                res.end();
            } else {
                res.drainHandler(v -> pump[0].run());
            }
        };
        pump[0].run();
    }

    /** Writes {@code event} over and over as fast as the reader takes it; notes when it waits for the reader. */
    private void floodStream(HttpServerRequest req, HttpServerResponse res, String credential, String event) {
        Buffer block = Buffer.buffer(event.repeat(Math.max(1, 16384 / event.length())));
        long[] written = {0};
        boolean[] closed = {false};
        req.connection().closeHandler(v -> {
            closed[0] = true;
            closedAt.put(credential, System.nanoTime());
        });
        Runnable[] pump = {null};
        pump[0] = () -> {
            waitingForReader.remove(credential);
            while (!closed[0] && written[0] < HUGE_BYTES && !res.writeQueueFull()) {
                res.write(block);
                written[0] += block.length();
            }
            if (closed[0]) {
                return;
            }
            if (written[0] >= HUGE_BYTES) {
                res.end("data: [DONE]\n\n");
            } else {
                waitingForReader.add(credential);
                res.drainHandler(v -> pump[0].run());
            }
        };
        pump[0].run();
    }

    private void answer(HttpServerRequest req, JsonObject body, boolean stream, boolean includeUsage, boolean dieMidway) {
        String model = body.getString("model");
        String text = "Hello from the stand-in";
        JsonObject usage = new JsonObject().put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
                .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
        if (!stream) {
            if (dieMidway) {
                req.connection().close();
                return;
            }
            JsonObject message = new JsonObject().put("role", "assistant").put("content", text);
            req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                    .put("id", "chatcmpl-standin").put("object", "chat.completion").put("created", 1700000000)
                    .put("model", model)
                    .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                            .put("finish_reason", "stop")))
                    .put("usage", usage).encode());
            return;
        }
        var res = req.response();
        if (!res.headWritten()) { // commentstream has sent its head and comments already
            res.setChunked(true).putHeader("Content-Type", "text/event-stream");
        }
        res.write(chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null));
        res.write(chunk(model, new JsonObject().put("content", "Hello "), null));
        if (dieMidway) {
            vertx.setTimer(20, t -> req.connection().close());
            return;
        }
        res.write(chunk(model, new JsonObject().put("content", "from the stand-in"), null));
        res.write(chunk(model, new JsonObject(), "stop"));
        if (includeUsage) {
            res.write("data: " + new JsonObject().put("id", "chatcmpl-standin").put("object", "chat.completion.chunk")
                    .put("created", 1700000000).put("model", model).put("choices", new JsonArray())
                    .put("usage", usage).encode() + "\n\n");
        }
        res.end("data: [DONE]\n\n");
    }

    private void bare(HttpServerRequest req, JsonObject body, boolean stream) {
        String model = body.getString("model");
        if (!stream) {
            req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                    .put("id", "chatcmpl-bare").put("object", "chat.completion").put("created", 1700000000)
                    .put("model", model)
                    .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
                            .put("message", new JsonObject().put("role", "assistant").put("content", "bare answer"))
                            .put("finish_reason", "stop"))).encode());
            return;
        }
        var res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
        res.write(chunk(model, new JsonObject().put("content", "bare "), null));
        res.write(chunk(model, new JsonObject().put("content", "answer"), null));
        res.write(chunk(model, new JsonObject(), "stop"));
        res.end("data: [DONE]\n\n");
    }

    private void slowStream(HttpServerRequest req, String model, long gapMs, int sent) {
        var res = req.response();
        if (sent == 0) {
            res.setChunked(true).putHeader("Content-Type", "text/event-stream");
            res.write(chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null));
        }
        if (sent < 5) {
            vertx.setTimer(gapMs, t -> {
                if (res.closed()) {
                    abandoned.incrementAndGet();
                    return;
                }
                res.write(chunk(model, new JsonObject().put("content", "word" + sent + " "), null));
                slowStream(req, model, gapMs, sent + 1);
            });
            return;
        }
        if (res.closed()) {
            abandoned.incrementAndGet();
            return;
        }
        res.write(chunk(model, new JsonObject(), "stop"));
        res.write("data: " + new JsonObject().put("id", "chatcmpl-standin").put("object", "chat.completion.chunk")
                .put("created", 1700000000).put("model", model).put("choices", new JsonArray())
                .put("usage", new JsonObject().put("prompt_tokens", PROMPT_TOKENS)
                        .put("completion_tokens", COMPLETION_TOKENS)
                        .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS)).encode() + "\n\n");
        res.end("data: [DONE]\n\n");
    }

    /** What {@code splitstream} streams: non-ASCII on purpose, so a cut can fall inside a UTF-8 sequence. */
    public static final String SPLIT_TEXT = "Grüße from the stand-in ✓";

    private void splitStream(HttpServerResponse res, String model) {
        List<String> events = List.of(chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null),
                chunk(model, new JsonObject().put("content", "Grüße "), null),
                chunk(model, new JsonObject().put("content", "from the stand-in ✓"), null),
                chunk(model, new JsonObject(), "stop"),
                "data: " + new JsonObject().put("id", "chatcmpl-standin").put("object", "chat.completion.chunk")
                        .put("created", 1700000000).put("model", model).put("choices", new JsonArray())
                        .put("usage", new JsonObject().put("prompt_tokens", PROMPT_TOKENS)
                                .put("completion_tokens", COMPLETION_TOKENS)
                                .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS)).encode() + "\n\n",
                "data: [DONE]\n\n");
        List<Buffer> pieces = new java.util.ArrayList<>();
        for (String event : events) {
            byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
            int cut = bytes.length / 2;
            for (int i = 0; i < bytes.length; i++) {
                if ((bytes[i] & 0xC0) == 0xC0) { // the lead byte of a multi-byte character: cut right after it
                    cut = i + 1;
                    break;
                }
            }
            pieces.add(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 0, cut)));
            pieces.add(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, cut, bytes.length)));
        }
        res.setChunked(true).putHeader("Content-Type", "text/event-stream");
        writePieces(res, pieces, 0);
    }

    private void writePieces(HttpServerResponse res, List<Buffer> pieces, int next) {
        if (next == pieces.size()) {
            res.end();
            return;
        }
        res.write(pieces.get(next));
        vertx.setTimer(5, t -> writePieces(res, pieces, next + 1));
    }

    private static String chunk(String model, JsonObject delta, String finishReason) {
        return "data: " + new JsonObject().put("id", "chatcmpl-standin").put("object", "chat.completion.chunk")
                .put("created", 1700000000).put("model", model)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
                        .put("finish_reason", finishReason)))
                .encode() + "\n\n";
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
