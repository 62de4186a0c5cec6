package io.keyway.gateway.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.provider.AnswerSink;
import io.keyway.gateway.provider.AnswerStream;
import io.keyway.gateway.provider.Chunk;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.service.CompletionExecutor;
import io.keyway.gateway.service.CompletionExecutor.Success;
import io.keyway.gateway.service.Generation;
import io.keyway.gateway.service.LoopTimeout;
import io.keyway.gateway.service.UsageAccounting;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Writes a streamed answer as OpenRouter's server-sent {@code chat.completion.chunk}s, whatever the upstream sent:
 * each chunk is the answer's own members followed by Keyway's ({@code id}, {@code object}, {@code created} unless the
 * chunk had it, {@code model}, {@code provider}; no {@code system_fingerprint} unless the upstream sent one, as
 * OpenRouter's chunk schema takes a string or nothing there, never null); the first
 * written chunk announces {@code role: "assistant"} (Keyway writes one when the upstream's first does not); the usage
 * (with cost) comes in a closing {@code choices: []} chunk before {@code [DONE]}. A failure after the first byte ends
 * the stream with an error chunk ({@code finish_reason: "error"}), never a silent 200. Chunks of one upstream read
 * leave in one write. If the client goes away the upstream exchange is ended at once — also while it is paused because
 * the client stopped reading — so the provider stops generating; an answer cut so (or by the upstream, or by the total
 * timeout) is metered for what was delivered ({@link UsageAccounting#cut}).
 */
final class ChunkStreamWriter implements AnswerSink {

    private static final Logger LOG = Logger.getLogger(ChunkStreamWriter.class);
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence TEXT_EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
    private static final CharSequence X_ACCEL_BUFFERING = HttpHeaders.createOptimized("X-Accel-Buffering");
    private static final CharSequence NO = HttpHeaders.createOptimized("no");

    private static final byte[] DONE = ascii("data: [DONE]\n\n");
    private static final byte[] EVENT_END = {'\n', '\n'};
    private static final byte[] DATA = ascii("data: ");
    private static final byte[] DATA_OPEN = ascii("data: {");
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ROLE_MEMBERS =
            ascii("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]");
    private static final byte[] SUFFIX_ID = ascii(",\"id\":\"");
    private static final byte[] SUFFIX_OBJECT = ascii("\",\"object\":\"chat.completion.chunk\"");
    private static final byte[] SUFFIX_MODEL = ascii(",\"model\":\"");
    private static final byte[] SUFFIX_PROVIDER = ascii("\",\"provider\":\"");
    private static final byte[] SUFFIX_END = ascii("\"}\n\n");
    private static final SerializedString CHUNK_OBJECT = new SerializedString("chat.completion.chunk");
    private static final SerializedString CHOICES = new SerializedString("choices");

    private final HttpServerResponse out;
    private final Success success;
    private final AnswerStream stream;
    private final Generation g;
    private final UsageAccounting accounting;
    private final ObjectMapper json;
    private final long totalTimeoutMs;
    private final long created = Instant.now().getEpochSecond();
    /** Keyway's members closing a chunk: with {@code created} (for a chunk without one) and without. */
    private byte[] suffixCreated;
    private byte[] suffix;
    private final Handler<Void> flushTask = v -> scheduledFlush();
    private Context context;
    private boolean flushScheduled;
    private Usage usage;
    private Buffer batch;
    private boolean roleWritten;
    private boolean clientGone;
    private boolean finished;
    private boolean timedOut;
    private LoopTimeout timer;
    /** Generated text relayed to the client so far (see {@link Chunk#textLength}), for an estimate if cut. */
    private long deliveredChars;
    private final JsonNode requestBody;

    ChunkStreamWriter(HttpServerResponse out, Success success, AnswerStream stream, Generation g,
                      UsageAccounting accounting, ObjectMapper json, long totalTimeoutMs, JsonNode requestBody) {
        this.out = out;
        this.success = success;
        this.stream = stream;
        this.g = g;
        this.accounting = accounting;
        this.json = json;
        this.totalTimeoutMs = totalTimeoutMs;
        this.requestBody = requestBody;
    }

    void start() {
        context = Vertx.currentContext();
        g.firstByteMs = g.elapsedMs();
        g.providerName = CompletionJsonWriter.providerName(success);
        out.setStatusCode(200).setChunked(true)
                .putHeader(CONTENT_TYPE, TEXT_EVENT_STREAM)
                .putHeader(CACHE_CONTROL, NO_CACHE)
                .putHeader(X_ACCEL_BUFFERING, NO);
        out.closeHandler(v -> clientWentAway());
        timer = LoopTimeout.start(totalTimeoutMs, () -> {
            timer = null;
            timedOut = true;
            stream.abort();
        });
        out.drainHandler(v -> stream.resume());
        stream.start(this);
    }

    @Override
    public void chunk(Chunk c) {
        if (finished || !c.hasChoices()) {
            return; // a usage-only chunk: ours follows at the end
        }
        if (c.finishReason() != null) {
            g.finishReason(c.finishReason());
            g.nativeFinishReason(c.nativeFinishReason());
        }
        if (clientGone || out.ended()) {
            return;
        }
        deliveredChars += c.textLength();
        if (batch == null) {
            batch = Buffer.buffer(2048);
        }
        if (!roleWritten) {
            roleWritten = true;
            if (!c.announcesRole()) {
                batch.appendBytes(DATA_OPEN).appendBytes(ROLE_MEMBERS).appendBytes(suffix(true));
            }
        }
        batch.appendBytes(DATA_OPEN);
        c.writeMembers(batch);
        byte[] tail = suffix(!c.hasCreated());
        int skip = c.hasMembers() ? 0 : 1; // no member before Keyway's: no comma
        batch.appendBytes(tail, skip, tail.length - skip);
        if (!flushScheduled) {
            if (context == null) {
                scheduledFlush();
            } else { // write once this read is done: the chunks of one upstream read leave in one write
                flushScheduled = true;
                context.runOnContext(flushTask);
            }
        }
    }

    @Override
    public void usage(Usage usage) {
        this.usage = usage;
    }

    @Override
    public void ended() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        accounting.served(g, success.attempt(), g.providerName, usage);
        if (!clientGone && !out.ended()) {
            if (!roleWritten) { // an answer without a single choice: still announced as the assistant's
                roleWritten = true;
                if (batch == null) {
                    batch = Buffer.buffer(1024);
                }
                batch.appendBytes(DATA_OPEN).appendBytes(ROLE_MEMBERS).appendBytes(suffix(true));
            }
            lastChunk();
        }
        end(DONE);
        g.cancelled = clientGone;
        accounting.finish(g, 200, true);
    }

    /** Mid-stream failure: an error chunk with finish_reason "error", never a silent 200. */
    @Override
    public void failed(String raw) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        if (!clientGone && !out.ended()) {
            writeChunk(gen -> {
                gen.writeObjectFieldStart("error");
                gen.writeNumberField("code", 502);
                gen.writeStringField("message", "Provider returned error");
                gen.writeObjectFieldStart("metadata");
                gen.writeStringField("provider_name", g.providerName);
                gen.writeBooleanField("is_byok", success.attempt().byok());
                gen.writeStringField("raw", CompletionExecutor.forTenant(raw, success.attempt(), false));
                gen.writeStringField("error_type", "provider_unavailable");
                gen.writeEndObject();
                gen.writeEndObject();
                gen.writeArrayFieldStart("choices");
                gen.writeStartObject();
                gen.writeNumberField("index", 0);
                gen.writeObjectFieldStart("delta");
                if (!roleWritten) {
                    gen.writeStringField("role", "assistant");
                }
                gen.writeStringField("content", "");
                gen.writeEndObject();
                gen.writeStringField("finish_reason", "error");
                gen.writeEndObject();
                gen.writeEndArray();
            });
        }
        end(null);
        // What reached the client is metered (and charged) although the answer failed.
        accounting.cut(g, success.attempt(), g.providerName, usage, deliveredChars, requestBody,
                timedOut ? UsageEvent.Interruption.TIMEOUT : UsageEvent.Interruption.UPSTREAM);
        g.finishReason("error");
        g.cancelled = clientGone;
        accounting.finish(g, 502, false);
    }

    /**
     * The client closed the connection: the upstream exchange is ended at once (nothing would resume a stream paused
     * for backpressure, and a provider keeps generating — and billing — for as long as it is read), and what was
     * delivered is metered as a success the client cut.
     */
    private void clientWentAway() {
        clientGone = true;
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        batch = null;
        stream.cancel();
        accounting.cut(g, success.attempt(), g.providerName, usage, deliveredChars, requestBody,
                UsageEvent.Interruption.CLIENT);
        g.cancelled = true;
        accounting.finish(g, 200, true);
    }

    private void scheduledFlush() {
        flushScheduled = false;
        Buffer b = batch;
        batch = null;
        if (b != null && b.length() > 0 && !clientGone && !out.ended()) {
            out.write(b);
            if (out.writeQueueFull()) {
                stream.pause();
            }
        }
    }

    /** Keyway's members closing a chunk: {@code ,"id":…,"object":…[,"created":…],"model":…,"provider":…}. */
    private byte[] suffix(boolean withCreated) {
        byte[] s = withCreated ? suffixCreated : suffix;
        if (s == null) {
            var quote = JsonStringEncoder.getInstance();
            byte[] id = quote.quoteAsUTF8(g.publicId());
            byte[] model = quote.quoteAsUTF8(success.attempt().model().id());
            byte[] provider = quote.quoteAsUTF8(g.providerName);
            byte[] createdField = withCreated ? ascii(",\"created\":" + created) : EMPTY;
            ByteArrayBuilder b = new ByteArrayBuilder(128);
            b.write(SUFFIX_ID);
            b.write(id);
            b.write(SUFFIX_OBJECT);
            b.write(createdField);
            b.write(SUFFIX_MODEL);
            b.write(model);
            b.write(SUFFIX_PROVIDER);
            b.write(provider);
            b.write(SUFFIX_END);
            s = b.toByteArray();
            if (withCreated) {
                suffixCreated = s;
            } else {
                suffix = s;
            }
        }
        return s;
    }

    /** Keyway's closing chunk: the stamp, {@code "choices":[]} and the usage. */
    private void lastChunk() {
        writeChunk(gen -> {
            gen.writeFieldName(CHOICES);
            gen.writeStartArray();
            gen.writeEndArray();
            gen.writeFieldName(CompletionJsonWriter.USAGE);
            accounting.writeUsage(gen, g, usage);
        });
    }

    /** What a chunk of Keyway's own carries after its stamp. */
    private interface ChunkBody {
        void write(JsonGenerator gen) throws IOException;
    }

    /** Adds a chunk of Keyway's own — its stamp, then {@code body} — to the batch; {@link #end} writes it. */
    private void writeChunk(ChunkBody body) {
        if (batch == null) {
            batch = Buffer.buffer(768);
        }
        batch.appendBytes(DATA);
        try (JsonGenerator gen = json.getFactory().createGenerator(new BufferOutput(batch))) {
            gen.writeStartObject();
            gen.writeFieldName(CompletionJsonWriter.ID);
            gen.writeString(g.publicId());
            gen.writeFieldName(CompletionJsonWriter.OBJECT);
            gen.writeString(CHUNK_OBJECT);
            gen.writeFieldName(CompletionJsonWriter.CREATED);
            gen.writeNumber(created);
            gen.writeFieldName(CompletionJsonWriter.MODEL);
            gen.writeString(success.attempt().model().id());
            gen.writeFieldName(CompletionJsonWriter.PROVIDER);
            gen.writeString(g.providerName);
            body.write(gen);
            gen.writeEndObject();
        } catch (IOException e) { // writing to memory: not expected
            LOG.warnf("Could not write a stream chunk (%s)", e.getClass().getSimpleName());
        }
        batch.appendBytes(EVENT_END);
    }

    /** Ends the response with what is batched, then {@code last} (if any): one write for the stream's tail. */
    private void end(byte[] last) {
        Buffer b = batch;
        batch = null;
        if (clientGone || out.ended()) {
            return;
        }
        if (b == null) {
            b = Buffer.buffer(last == null ? 0 : last.length);
        }
        if (last != null) {
            b.appendBytes(last);
        }
        out.end(b);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Lets a {@link JsonGenerator} write into a Vert.x buffer (the generator buffers, so this sees few calls). */
    private static final class BufferOutput extends OutputStream {
        private final Buffer buffer;

        BufferOutput(Buffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            buffer.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.appendBytes(b, off, len);
        }
    }
}
