package io.keyway.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.AnswerSink;
import io.keyway.gateway.provider.UpstreamAnswerStream;
import io.keyway.gateway.provider.DeltaChunk;
import io.keyway.gateway.provider.ToolCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.keyway.gateway.provider.Usage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * A ConverseStream answer ({@code application/vnd.amazon.eventstream}: binary frames, decoded by the AWS event-stream
 * codec, which keeps a frame split across reads until it is whole and yields every frame of a read) as Keyway's
 * chunks: {@code messageStart} → the assistant role; {@code contentBlockStart} of a toolUse → a tool call's id and
 * name; {@code contentBlockDelta} → text, tool-call arguments or reasoning; {@code messageStop} → the finish reason;
 * {@code metadata} → the usage. An exception frame before the answer began fails the attempt with an
 * {@link UpstreamError} classified like an HTTP error (so it falls back), after that it fails the stream. The answer
 * begins with the first event after {@code messageStart}, so a throttling reported right at the start still falls
 * back. A stream that ends without {@code messageStop} and {@code metadata} was cut. Runs on the request's event loop.
 */
final class ConverseStream extends UpstreamAnswerStream {

    private final ObjectMapper json;
    /** Frames decoded before {@link #start}: probed as they come, handed to the sink once it is there. */
    private final List<Message> early = new ArrayList<>();
    private final MessageDecoder decoder = new MessageDecoder(this::decoded);
    /** Converse's content block index → the OpenAI tool call index of the toolUse block it opened. */
    private final Map<Integer, Integer> toolCallOfBlock = new HashMap<>();
    private boolean stopped;
    private boolean metered;

    ConverseStream(Head head, ObjectMapper json) {
        super(head);
        this.json = json;
    }

    /**
     * Reads until a frame begins the answer: completes with this stream (paused), or fails with an
     * {@link UpstreamError} (an exception frame, an undecodable stream) or an {@link UpstreamException} when the stream
     * breaks or ends first.
     */
    Future<Answer> begin() {
        Promise<Answer> begun = Promise.promise();
        upstream.handler(buf -> {
            if (begun.future().isComplete()) {
                return;
            }
            int probed = early.size();
            try {
                feed(buf);
                for (int i = probed; i < early.size(); i++) {
                    if (begins(early.get(i))) {
                        upstream.pause(); // before completing: the listeners may start the stream, which resumes it
                        begun.complete(new Answer.Streamed(this));
                        return;
                    }
                }
            } catch (UpstreamError e) {
                begun.tryFail(e); // before the reset, whose exception would otherwise fail it first
                head.abort();
            }
        });
        upstream.exceptionHandler(t -> begun.tryFail(UpstreamException.of(t)));
        upstream.endHandler(v -> begun.tryFail(
                new UpstreamException(UpstreamException.Kind.RESET, "stream ended before the answer began")));
        upstream.resume();
        return begun.future();
    }

    /** Whether a frame read before the answer began starts it; an exception frame throws, classified. */
    private boolean begins(Message frame) {
        String messageType = header(frame, ":message-type");
        if ("exception".equals(messageType)) {
            throw ConverseAnswers.classify(502, header(frame, ":exception-type"), payload(frame));
        }
        if ("error".equals(messageType)) {
            throw ConverseAnswers.classify(502, header(frame, ":error-code"), payload(frame));
        }
        return !"messageStart".equals(header(frame, ":event-type"));
    }

    @Override
    public void start(AnswerSink sink) {
        this.sink = sink;
        upstream.handler(buf -> {
            if (!done()) {
                try {
                    feed(buf);
                } catch (UpstreamError e) {
                    fail("upstream sent an invalid event stream");
                }
            }
        });
        upstream.exceptionHandler(t -> fail("upstream connection failed after the stream started ("
                + t.getClass().getSimpleName() + ")"));
        upstream.endHandler(v -> {
            if (end()) {
                if (stopped && metered) {
                    sink.ended();
                } else {
                    sink.failed("upstream stream ended before messageStop and metadata");
                }
            }
        });
        for (Message frame : early) {
            if (!done()) {
                event(frame);
            }
        }
        early.clear();
        resume();
    }

    private void feed(Buffer buf) {
        try {
            decoder.feed(buf.getByteBuf().nioBuffer());
        } catch (RuntimeException e) { // a bad prelude or checksum: the stream cannot be read on
            throw new UpstreamError(502, "Provider returned an invalid event stream", false,
                    UpstreamError.Blame.ENDPOINT);
        }
    }

    private void decoded(Message frame) {
        if (sink == null) {
            early.add(frame);
        } else if (!done()) {
            event(frame);
        }
    }

    private void event(Message frame) {
        String messageType = header(frame, ":message-type");
        if ("exception".equals(messageType) || "error".equals(messageType)) {
            String type = header(frame, "exception".equals(messageType) ? ":exception-type" : ":error-code");
            JsonNode body = read(frame);
            fail("upstream error in stream: " + type + ": " + (body == null ? "" : body.path("message").asText("")));
            return;
        }
        JsonNode event = read(frame);
        if (event == null) {
            return;
        }
        switch (String.valueOf(header(frame, ":event-type"))) {
            case "messageStart" -> sink.chunk(DeltaChunk.opening());
            case "contentBlockStart" -> {
                JsonNode use = event.path("start").path("toolUse");
                if (use.isObject()) {
                    int index = toolCallOfBlock.size();
                    toolCallOfBlock.put(event.path("contentBlockIndex").asInt(), index);
                    sink.chunk(DeltaChunk.toolCall(new ToolCall(index, use.path("toolUseId").asText(),
                            use.path("name").asText(), "")));
                }
            }
            case "contentBlockDelta" -> {
                JsonNode delta = event.path("delta");
                if (delta.has("text")) {
                    sink.chunk(DeltaChunk.content(delta.path("text").asText()));
                } else if (delta.has("toolUse")) {
                    Integer index = toolCallOfBlock.get(event.path("contentBlockIndex").asInt());
                    if (index != null) {
                        sink.chunk(DeltaChunk.toolCall(new ToolCall(index, null, null,
                                delta.get("toolUse").path("input").asText(""))));
                    }
                } else if (delta.path("reasoningContent").has("text")) {
                    sink.chunk(DeltaChunk.reasoning(delta.get("reasoningContent").get("text").asText()));
                } // reasoning signatures, redacted reasoning, citations: nothing an OpenAI client reads
            }
            case "messageStop" -> {
                stopped = true;
                String stop = event.path("stopReason").asText(null);
                sink.chunk(DeltaChunk.finish(ConverseAnswers.finishReason(stop == null ? "end_turn" : stop), stop));
            }
            case "metadata" -> {
                Usage usage = ConverseAnswers.usage(event.get("usage"));
                if (usage != null) {
                    sink.usage(usage);
                }
                metered = true;
            }
            default -> { } // contentBlockStop
        }
    }

    private static String header(Message frame, String name) {
        HeaderValue value = frame.getHeaders().get(name);
        return value == null ? null : value.getString();
    }

    private static String payload(Message frame) {
        return new String(frame.getPayload(), StandardCharsets.UTF_8);
    }

    private JsonNode read(Message frame) {
        try {
            JsonNode n = json.readTree(frame.getPayload());
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
