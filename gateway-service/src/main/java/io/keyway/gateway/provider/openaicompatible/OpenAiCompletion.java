package io.keyway.gateway.provider.openaicompatible;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.Completion;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.provider.openaicompatible.OpenAiJson.Found;
import java.io.IOException;

/** An OpenAI {@code chat.completion} body as Keyway's {@link Completion}: its own members copied token by token. */
final class OpenAiCompletion implements Completion {

    /** The answer's own members as a JSON object: the members are its bytes without the braces. */
    private final byte[] object;
    private final Found found;
    private final Usage usage;

    private OpenAiCompletion(byte[] object, Found found) {
        this.object = object;
        this.found = found;
        this.usage = Usage.ofOpenAi(found.usage);
    }

    /** Reads a body; throws IOException when it is not a JSON object. */
    static OpenAiCompletion read(byte[] body, ObjectMapper json) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder(body.length + 16);
        Found found;
        try (JsonParser p = json.getFactory().createParser(body);
             JsonGenerator gen = json.getFactory().createGenerator(out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            gen.writeStartObject();
            found = OpenAiJson.copyMembers(p, gen, false, json);
            gen.writeEndObject();
        }
        return new OpenAiCompletion(out.toByteArray(), found);
    }

    @Override
    public void writeMembers(ByteArrayBuilder out) {
        out.write(object, 1, object.length - 2);
    }

    @Override
    public boolean hasMembers() {
        return object.length > 2;
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public String finishReason() {
        return found.finishReason;
    }

    @Override
    public boolean hasCreated() {
        return found.hasCreated;
    }

    @Override
    public boolean hasSystemFingerprint() {
        return found.hasSystemFingerprint;
    }
}
