package io.keyway.gateway.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.Completion;
import io.keyway.gateway.service.CompletionExecutor.Success;
import io.keyway.gateway.service.Generation;
import io.keyway.gateway.service.UsageAccounting;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * Writes a whole answer as OpenRouter's {@code chat.completion}, whatever the upstream sent: the answer's own members,
 * then Keyway's — {@code id}, {@code model} (the catalog id), {@code provider}, {@code object}, {@code created} and
 * {@code system_fingerprint} (null) when the answer had none, and {@code usage} with cost.
 */
@Singleton
public class CompletionJsonWriter {

    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    static final SerializedString ID = new SerializedString("id");
    static final SerializedString MODEL = new SerializedString("model");
    static final SerializedString PROVIDER = new SerializedString("provider");
    static final SerializedString OBJECT = new SerializedString("object");
    static final SerializedString CREATED = new SerializedString("created");
    static final SerializedString SYSTEM_FINGERPRINT = new SerializedString("system_fingerprint");
    static final SerializedString USAGE = new SerializedString("usage");
    private static final SerializedString COMPLETION_OBJECT = new SerializedString("chat.completion");

    private final UsageAccounting accounting;
    private final ObjectMapper json;

    public CompletionJsonWriter(UsageAccounting accounting, ObjectMapper json) {
        this.accounting = accounting;
        this.json = json;
    }

    public void write(HttpServerResponse response, Success success, Completion completion, Generation g) {
        accounting.served(g, success.attempt(), providerName(success), completion.usage());
        g.finishReason(completion.finishReason());
        g.nativeFinishReason(completion.nativeFinishReason());
        ByteArrayBuilder out = new ByteArrayBuilder(1024);
        out.append('{');
        if (completion.hasMembers()) {
            completion.writeMembers(out);
            out.append(',');
        }
        // Keyway's members follow in the same buffer: the generator's own opening brace is left out
        try (JsonGenerator gen = json.getFactory().createGenerator(new WithoutFirstByte(out))) {
            gen.writeStartObject();
            gen.writeFieldName(ID);
            gen.writeString(g.publicId());
            gen.writeFieldName(MODEL);
            gen.writeString(success.attempt().model().id());
            gen.writeFieldName(PROVIDER);
            gen.writeString(g.providerName);
            gen.writeFieldName(OBJECT);
            gen.writeString(COMPLETION_OBJECT);
            if (!completion.hasCreated()) {
                gen.writeFieldName(CREATED);
                gen.writeNumber(Instant.now().getEpochSecond());
            }
            if (!completion.hasSystemFingerprint()) {
                gen.writeFieldName(SYSTEM_FINGERPRINT);
                gen.writeNull();
            }
            gen.writeFieldName(USAGE);
            accounting.writeUsage(gen, g, completion.usage());
            gen.writeEndObject();
        } catch (IOException e) { // writing to memory
            throw new IllegalStateException("cannot write the answer", e);
        }
        if (!response.ended() && !response.closed()) {
            response.setStatusCode(200).putHeader(CONTENT_TYPE, APPLICATION_JSON).end(Buffer.buffer(out.toByteArray()));
        }
        accounting.finish(g, 200, true);
    }

    /** Passes on everything written to it but the first byte. */
    private static final class WithoutFirstByte extends OutputStream {
        private final OutputStream out;
        private boolean skipped;

        WithoutFirstByte(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (skipped) {
                out.write(b);
            } else {
                skipped = true;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!skipped && len > 0) {
                skipped = true;
                off++;
                len--;
            }
            out.write(b, off, len);
        }
    }

    static String providerName(Success s) {
        return s.provider().name() != null ? s.provider().name() : s.provider().slug();
    }
}
