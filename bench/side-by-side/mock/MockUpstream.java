import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mock upstream for the side-by-side gateway benchmark (Vert.x core, no framework): OpenAI's Chat Completions and
 * Anthropic's Messages API, each answering at once with a fixed reply. A benchmark stand-in, not a test stand-in: its
 * Anthropic answers copy the shape of the test STAND-IN (gateway-service's AnthropicStandIn, checked with Anthropic's
 * SDK), fixed so that serving them costs next to nothing.
 *
 * POST  {any prefix}/chat/completions  -> fixed small chat.completion JSON (with usage), immediately.
 *       with "stream": true in the body -> 7 SSE events (role, 3 content deltas, finish, usage) + data: [DONE].
 *       A model name ending in "-delayNN" (e.g. "gpt-4o-mini-delay50") makes the streamed response wait
 *       NN ms between SSE events (to tell a streaming proxy from a buffering one); default: no delay.
 * POST  {any prefix}/v1/messages  -> fixed Anthropic message (with usage); with "stream": true -> Anthropic's event
 *       stream (message_start, content_block_start, ping, 3 text deltas, content_block_stop, message_delta,
 *       message_stop); the same -delayNN model suffix spaces the events.
 * GET   /health  -> "ok";  GET /stats -> counters (completions, streams, requests).
 *
 * Binds to 127.0.0.1 only.  Usage:  java -cp 'mock-lib/*:classes' MockUpstream [port=9001] [eventLoops=1]
 */
public class MockUpstream extends AbstractVerticle {

    static final String HOST = "127.0.0.1";
    static int port = 9001;

    static final LongAdder REQUESTS = new LongAdder();
    static final LongAdder COMPLETIONS = new LongAdder();
    static final LongAdder STREAMS = new LongAdder();

    static final Pattern STREAM_TRUE = Pattern.compile("\"stream\"\\s*:\\s*true");
    static final Pattern DELAY = Pattern.compile("\"model\"\\s*:\\s*\"[^\"]*-delay(\\d{1,5})\"");

    static final Buffer COMPLETION = Buffer.buffer(
        "{\"id\":\"chatcmpl-mock-0001\",\"object\":\"chat.completion\",\"created\":1700000000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      + "\"content\":\"Hello! This is a fixed reply from the mock upstream.\",\"refusal\":null},"
      + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
      + "\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":12,\"total_tokens\":25},"
      + "\"system_fingerprint\":\"fp_mock\"}");
    static final String COMPLETION_LEN = Integer.toString(COMPLETION.length());

    static final Buffer[] SSE_EVENTS;
    static {
        String head = "data: {\"id\":\"chatcmpl-mock-0001\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_mock\",";
        String[] deltas = {
            "{\"role\":\"assistant\",\"content\":\"\"}", "{\"content\":\"Hello!\"}",
            "{\"content\":\" This is a\"}", "{\"content\":\" streamed mock reply.\"}" };
        SSE_EVENTS = new Buffer[deltas.length + 3];
        for (int i = 0; i < deltas.length; i++) {
            SSE_EVENTS[i] = Buffer.buffer(head + "\"choices\":[{\"index\":0,\"delta\":" + deltas[i]
                + ",\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        SSE_EVENTS[deltas.length] = Buffer.buffer(head
            + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
        SSE_EVENTS[deltas.length + 1] = Buffer.buffer(head
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":9,\"total_tokens\":22}}\n\n");
        SSE_EVENTS[deltas.length + 2] = Buffer.buffer("data: [DONE]\n\n");
    }

    static final Buffer MESSAGE = Buffer.buffer(
        "{\"id\":\"msg_01Mock0001\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\","
      + "\"content\":[{\"type\":\"text\",\"text\":\"Hello! This is a fixed reply from the mock upstream.\",\"citations\":null}],"
      + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
      + "\"usage\":{\"input_tokens\":13,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
      + "\"output_tokens\":12,\"service_tier\":\"standard\"}}");
    static final String MESSAGE_LEN = Integer.toString(MESSAGE.length());

    static final Buffer[] MESSAGE_EVENTS;
    static {
        String[][] events = {
            {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Mock0001\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":13,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":1,\"service_tier\":\"standard\"}}}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            {"ping", "{\"type\":\"ping\"}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello!\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" This is a\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" streamed mock reply.\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
            {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                + "\"usage\":{\"input_tokens\":13,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":9}}"},
            {"message_stop", "{\"type\":\"message_stop\"}"}};
        MESSAGE_EVENTS = new Buffer[events.length];
        for (int i = 0; i < events.length; i++) {
            MESSAGE_EVENTS[i] = Buffer.buffer("event: " + events[i][0] + "\ndata: " + events[i][1] + "\n\n");
        }
    }

    @Override
    public void start(Promise<Void> started) {
        vertx.createHttpServer(new HttpServerOptions()
                .setHost(HOST).setPort(port)
                .setTcpNoDelay(true).setTcpFastOpen(false)
                .setIdleTimeout(0)
                .setCompressionSupported(false))
            .requestHandler(this::handle)
            .listen()
            .onSuccess(s -> started.complete())
            .onFailure(started::fail);
    }

    private void handle(HttpServerRequest req) {
        REQUESTS.increment();
        String path = req.path();
        if (req.method() == HttpMethod.POST && path.endsWith("/chat/completions")) {
            req.body()
               .onSuccess(body -> respondCompletion(req, body))
               .onFailure(t -> req.response().setStatusCode(400).end());
        } else if (req.method() == HttpMethod.POST && path.endsWith("/v1/messages")) {
            req.body()
               .onSuccess(body -> respondMessage(req, body))
               .onFailure(t -> req.response().setStatusCode(400).end());
        } else if (req.method() == HttpMethod.GET && path.equals("/health")) {
            req.response().putHeader("content-type", "text/plain").end("ok");
        } else if (req.method() == HttpMethod.GET && path.equals("/stats")) {
            req.response().putHeader("content-type", "application/json").end(
                "{\"requests\":" + REQUESTS.sum() + ",\"completions\":" + COMPLETIONS.sum()
                + ",\"streams\":" + STREAMS.sum() + "}");
        } else {
            req.response().setStatusCode(404).putHeader("content-type", "application/json")
               .end("{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\"}}");
        }
    }

    private void respondCompletion(HttpServerRequest req, Buffer body) {
        respond(req, body, COMPLETION, COMPLETION_LEN, SSE_EVENTS);
    }

    private void respondMessage(HttpServerRequest req, Buffer body) {
        respond(req, body, MESSAGE, MESSAGE_LEN, MESSAGE_EVENTS);
    }

    private void respond(HttpServerRequest req, Buffer body, Buffer whole, String wholeLength, Buffer[] events) {
        HttpServerResponse resp = req.response();
        String s = body.toString();
        if (!STREAM_TRUE.matcher(s).find()) {
            COMPLETIONS.increment();
            resp.putHeader("content-type", "application/json")
                .putHeader("content-length", wholeLength)
                .end(whole);
            return;
        }
        STREAMS.increment();
        long delayMs = 0;
        Matcher m = DELAY.matcher(s);
        if (m.find()) delayMs = Long.parseLong(m.group(1));
        resp.setChunked(true)
            .putHeader("content-type", "text/event-stream; charset=utf-8")
            .putHeader("cache-control", "no-cache");
        if (delayMs <= 0) {
            for (int i = 0; i < events.length - 1; i++) resp.write(events[i]);
            resp.end(events[events.length - 1]);
        } else {
            // first event at once (so time-to-first-byte is not inflated by the delay), the rest spaced out
            resp.write(events[0]);
            sendLater(resp, events, 1, delayMs);
        }
    }

    private void sendLater(HttpServerResponse resp, Buffer[] events, int i, long delayMs) {
        vertx.setTimer(delayMs, id -> {
            if (resp.closed()) return;
            if (i == events.length - 1) {
                resp.end(events[i]);
            } else {
                resp.write(events[i]);
                sendLater(resp, events, i + 1, delayMs);
            }
        });
    }

    public static void main(String[] args) {
        if (args.length > 0) port = Integer.parseInt(args[0]);
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1).setPreferNativeTransport(false));
        vertx.deployVerticle(MockUpstream.class.getName(), new DeploymentOptions().setInstances(loops))
            .onSuccess(id -> System.out.println("mock upstream listening on http://" + HOST + ":" + port
                + " (event loops: " + loops + ")"))
            .onFailure(t -> { t.printStackTrace(); System.exit(1); });
    }
}
