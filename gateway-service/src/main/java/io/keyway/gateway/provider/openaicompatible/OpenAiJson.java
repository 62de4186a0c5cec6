package io.keyway.gateway.provider.openaicompatible;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The token-by-token reading of an OpenAI answer or chunk (no tree): copies every member to a generator except the
 * ones Keyway owns ({@code id}, {@code model}, {@code provider}, {@code object}) and {@code usage}, which is returned;
 * in a chunk {@code error} is returned instead of copied. Notes what the writers need of the first choice, and gives it
 * the {@code finish_reason} (null) that some upstreams leave out.
 */
final class OpenAiJson {

    /** What {@link #copyMembers} saw of the members it does not copy, and of the first choice. */
    static final class Found {
        JsonNode usage;
        JsonNode error;
        boolean choicesArray;
        int choices;
        String finishReason;
        boolean hasCreated;
        boolean hasSystemFingerprint;
        boolean announcesRole;
        boolean wroteMembers;
    }

    private OpenAiJson() {
    }

    /** Copies the members of the object whose START_OBJECT {@code p} is on, up to its END_OBJECT. */
    static Found copyMembers(JsonParser p, JsonGenerator gen, boolean chunk, ObjectMapper json) throws IOException {
        Found f = new Found();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "id", "model", "provider", "object" -> p.skipChildren();
                case "usage" -> f.usage = json.readTree(p);
                case "choices" -> {
                    gen.writeFieldName(name);
                    copyChoices(p, gen, f, json);
                    f.wroteMembers = true;
                }
                default -> {
                    if (chunk && name.equals("error")) {
                        f.error = json.readTree(p);
                    } else if (chunk && name.equals("system_fingerprint") && p.currentToken() == JsonToken.VALUE_NULL) {
                        continue; // OpenRouter's chunk takes a string or nothing there, never null
                    } else {
                        f.hasCreated |= name.equals("created");
                        f.hasSystemFingerprint |= name.equals("system_fingerprint");
                        gen.writeFieldName(name);
                        gen.copyCurrentStructure(p);
                        f.wroteMembers = true;
                    }
                }
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("unterminated object");
        }
        return f;
    }

    private static void copyChoices(JsonParser p, JsonGenerator gen, Found f, ObjectMapper json) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            gen.copyCurrentStructure(p);
            return;
        }
        f.choicesArray = true;
        gen.writeStartArray();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("unterminated array");
            }
            if (f.choices == 0 && t == JsonToken.START_OBJECT) {
                gen.writeStartObject();
                boolean finishReason = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    finishReason |= field.equals("finish_reason");
                    gen.writeFieldName(field);
                    JsonToken v = p.nextToken();
                    if (v == JsonToken.VALUE_STRING && field.equals("finish_reason")) {
                        f.finishReason = p.getText();
                    }
                    if (v == JsonToken.START_OBJECT && field.equals("delta")) {
                        JsonNode delta = json.readTree(p);
                        f.announcesRole = delta.has("role");
                        gen.writeTree(delta);
                    } else {
                        gen.copyCurrentStructure(p);
                    }
                }
                if (!finishReason) { // OpenRouter's shapes require it: null until the answer ends
                    gen.writeNullField("finish_reason");
                }
                gen.writeEndObject();
            } else {
                gen.copyCurrentStructure(p);
            }
            f.choices++;
        }
        gen.writeEndArray();
    }
}
