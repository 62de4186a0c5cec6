package io.keyway.gateway.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes JSON object members (comma-separated, no braces) with a generator, for answers an adapter builds itself:
 * the writers splice them with Keyway's own members.
 */
public final class Members {

    private static final JsonFactory JSON = new JsonFactory();

    /** What writes the members, as fields of an open object. */
    public interface Writer {
        void write(JsonGenerator gen) throws IOException;
    }

    private Members() {
    }

    /** Ends a choice: OpenAI's finish reason (null while unfinished) and the provider's own word, when known. */
    static void finish(JsonGenerator gen, String finishReason, String nativeFinishReason) throws IOException {
        gen.writeStringField("finish_reason", finishReason);
        if (nativeFinishReason != null) {
            gen.writeStringField("native_finish_reason", nativeFinishReason);
        }
    }

    public static byte[] of(Writer writer) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            gen.writeStartObject();
            writer.write(gen);
            gen.writeEndObject();
        } catch (IOException e) { // writing to memory
            throw new UncheckedIOException(e);
        }
        byte[] object = out.toByteArray();
        byte[] members = new byte[object.length - 2];
        System.arraycopy(object, 1, members, 0, members.length);
        return members;
    }
}
