package io.keyway.gateway.provider.openaicompatible;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.AnswerSink;
import io.keyway.gateway.provider.Chunk;
import io.keyway.gateway.provider.SseAnswerStream;
import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.provider.openaicompatible.OpenAiJson.Found;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * An OpenAI {@code chat.completion.chunk} stream as Keyway's {@link Chunk}s. The common shape is relayed without
 * copying: {@link ChunkSplice} validates the chunk and finds its members, and {@link Spliced} writes them straight
 * from the read buffer. Anything else (an {@code error} member, escaped keys, …) is read token by token — same output.
 * Any {@code data:} payload begins the answer; an {@code error} chunk after that ends the stream as failed.
 */
final class OpenAiStream extends SseAnswerStream {

    private final ObjectMapper json;
    private final ChunkSplice splice = new ChunkSplice();
    private final Spliced spliced = new Spliced();

    OpenAiStream(Head head, ObjectMapper json) {
        super(head);
        this.json = json;
    }

    @Override
    protected Probe probe(byte[] b, int from, int to) {
        return Probe.BEGINS;
    }

    @Override
    protected void data(byte[] b, int from, int to, AnswerSink sink) {
        if (splice.scan(b, from, to)) {
            if (splice.usageFrom >= 0) {
                try {
                    Usage usage = Usage.ofOpenAi(json.readTree(b, splice.usageFrom, splice.usageTo - splice.usageFrom));
                    if (usage != null) {
                        sink.usage(usage);
                    }
                } catch (IOException e) {
                    return; // cannot happen: the scan validated it
                }
            }
            if (splice.choicesArray && splice.choices == 0) {
                return; // a usage-only chunk
            }
            spliced.b = b;
            sink.chunk(spliced);
            spliced.b = null;
        } else {
            tokens(b, from, to, sink);
        }
    }

    /** A chunk of an uncommon shape, read token by token. */
    private void tokens(byte[] b, int from, int to, AnswerSink sink) {
        ByteArrayBuilder out = new ByteArrayBuilder(to - from + 16);
        Found f;
        try (JsonParser p = json.getFactory().createParser(b, from, to - from);
             JsonGenerator gen = json.getFactory().createGenerator(out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            gen.writeStartObject();
            f = OpenAiJson.copyMembers(p, gen, true, json);
            gen.writeEndObject();
        } catch (IOException e) {
            return; // not JSON: nothing a client could use
        }
        Usage usage = Usage.ofOpenAi(f.usage);
        if (usage != null) {
            sink.usage(usage);
        }
        if (f.error != null) {
            JsonNode e = f.error;
            fail("upstream error in stream: " + (e.isObject() ? e.path("message").asText() : e.asText()));
            return;
        }
        if (f.choicesArray && f.choices == 0) {
            return;
        }
        byte[] object = out.toByteArray();
        sink.chunk(new Copied(object, f));
    }

    /** The spliced chunk of the current payload: valid only during {@link AnswerSink#chunk}. */
    private final class Spliced implements Chunk {
        byte[] b;

        @Override
        public void writeMembers(Buffer out) {
            ChunkSplice s = splice;
            for (int i = 0; i < s.fields; i++) {
                if (i > 0) {
                    out.appendByte((byte) ',');
                }
                int from = s.spans[2 * i];
                out.appendBytes(b, from, s.spans[2 * i + 1] - from);
            }
        }

        @Override
        public boolean hasMembers() {
            return splice.fields > 0;
        }

        @Override
        public boolean hasChoices() {
            return !(splice.choicesArray && splice.choices == 0);
        }

        @Override
        public String finishReason() {
            return splice.finishReason;
        }

        @Override
        public boolean announcesRole() {
            return splice.announcesRole;
        }

        @Override
        public boolean hasCreated() {
            return splice.hasCreated;
        }

        @Override
        public int textLength() {
            return splice.deltaTextBytes;
        }

    }

    /** A chunk read token by token: its members copied out (the object's bytes without its braces). */
    private record Copied(byte[] object, Found f) implements Chunk {

        @Override
        public void writeMembers(Buffer out) {
            out.appendBytes(object, 1, object.length - 2);
        }

        @Override
        public boolean hasMembers() {
            return f.wroteMembers;
        }

        @Override
        public boolean hasChoices() {
            return !(f.choicesArray && f.choices == 0);
        }

        @Override
        public String finishReason() {
            return f.finishReason;
        }

        @Override
        public boolean announcesRole() {
            return f.announcesRole;
        }

        @Override
        public boolean hasCreated() {
            return f.hasCreated;
        }

    }
}
