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

    private final byte[] members;
    private final Found found;
    private final Usage usage;

    private OpenAiCompletion(byte[] members, Found found) {
        this.members = members;
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
        byte[] object = out.toByteArray();
        byte[] members = new byte[object.length - 2];
        System.arraycopy(object, 1, members, 0, members.length);
        return new OpenAiCompletion(members, found);
    }

    @Override
    public void writeMembers(ByteArrayBuilder out) {
        out.write(members);
    }

    @Override
    public boolean hasMembers() {
        return members.length > 0;
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
