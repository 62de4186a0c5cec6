package io.keyway.gateway.provider.openaicompatible;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI's Chat Completions wire format, both directions, for every adapter whose provider speaks it (OpenAI-compatible
 * providers, Azure deployments, Vertex's OpenAI-compatible endpoint): the upstream body written from the client's
 * (which is never changed), and the answer read into Keyway's normalized form, failures classified by status.
 */
@Singleton
public class OpenAiWire {

    /** Most of an upstream error body kept for {@code metadata.raw}. */
    public static final int MAX_RAW_CHARS = 2000;

    private final ObjectMapper json;

    public OpenAiWire(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The client's body with the upstream's model id (when not null) and, for streams, {@code stream: true} and
     * {@code stream_options.include_usage} (usage in the last chunk); written fresh, the client's body untouched.
     */
    public Buffer body(ObjectNode request, String model, boolean stream) {
        // A shallow copy: the client's members are shared, not copied, and the client's object is left as it was
        ObjectNode upstream = json.createObjectNode();
        upstream.setAll(request);
        if (model != null) {
            upstream.put("model", model);
        }
        if (stream) {
            upstream.put("stream", true);
            upstream.putObject("stream_options").put("include_usage", true);
        } else {
            upstream.remove("stream");
            upstream.remove("stream_options");
        }
        try {
            return Buffer.buffer(json.writeValueAsBytes(upstream));
        } catch (IOException e) { // writing to memory
            throw new IllegalStateException("cannot write the upstream request", e);
        }
    }

    /**
     * A 200 is the answer — read whole, or as a stream once it has begun; anything else fails with an
     * {@link UpstreamError} classified by status (DESIGN.md §2), its body as the raw text.
     */
    public Future<Answer> answer(Head head, boolean stream) {
        if (head.status() == 200) {
            if (stream) {
                return new OpenAiStream(head, json).begin();
            }
            return head.body().compose(body -> {
                try {
                    return Future.succeededFuture(new Answer.Whole(OpenAiCompletion.read(body.getBytes(), json)));
                } catch (IOException e) {
                    return Future.failedFuture(new UpstreamError(502, "Provider returned an invalid response", false,
                            UpstreamError.Blame.ENDPOINT));
                }
            });
        }
        return head.body().compose(body -> Future.failedFuture(UpstreamError.ofStatus(head.status(), raw(body))));
    }

    public static String raw(Buffer body) {
        String s = body.toString(StandardCharsets.UTF_8);
        return s.length() <= MAX_RAW_CHARS ? s : s.substring(0, MAX_RAW_CHARS);
    }
}
