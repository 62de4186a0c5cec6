package io.keyway.gateway.provider;

import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * A streamed answer framed as server-sent events, for the adapters whose providers stream that way: splits the
 * upstream's bytes into lines (a line may span reads), hands each {@code data:} payload to the adapter, and keeps the
 * exchange's flow control and failures in one place. Before the answer has begun ({@link #begin}), the adapter's
 * {@link #probe} says whether a payload starts it; SSE comments, blank lines and {@code event:} lines never do, so an
 * upstream that fails after only those is still a failure before the first byte, and the next attempt is tried. The
 * bytes read while probing are kept and handed to {@link #data} once {@link #start} is called. Runs on the request's
 * event loop. Bounded: at most {@code Limits.beforeFirstEvent} bytes before the answer begins (a retryable failure),
 * and lines of at most {@code Limits.sseLine} bytes once it has (the stream ends with an error chunk).
 */
public abstract class SseAnswerStream extends UpstreamAnswerStream {

    /** What a payload read before the answer began means. */
    protected enum Probe { BEGINS, WAITS }

    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private Buffer received;
    private int probed;
    private byte[] carry = new byte[0];
    private int carryLen;

    protected SseAnswerStream(Head head) {
        super(head);
    }

    /**
     * Reads until a payload begins the answer: completes with this stream (paused), or fails with what the adapter's
     * probe threw ({@link UpstreamError}) or an {@link UpstreamException} when the stream breaks or ends first.
     */
    public Future<Answer> begin() {
        Promise<Answer> begun = Promise.promise();
        upstream.handler(buf -> {
            if (begun.future().isComplete() || buf.length() == 0) {
                return;
            }
            received = received == null ? buf : Buffer.buffer(received.length() + buf.length())
                    .appendBuffer(received).appendBuffer(buf);
            if (received.length() > head.limits().beforeFirstEvent()) {
                begun.tryFail(head.tooLarge("stream prefix without an event", head.limits().beforeFirstEvent()));
                head.abort();
                return;
            }
            try {
                if (probeLines()) {
                    upstream.pause(); // before completing: the listeners may start the stream, which resumes it
                    begun.complete(new Answer.Streamed(this));
                }
            } catch (UpstreamError e) {
                head.abort();
                begun.tryFail(e);
            }
        });
        upstream.exceptionHandler(t -> begun.tryFail(UpstreamException.of(t)));
        upstream.endHandler(v -> begun.tryFail(
                new UpstreamException(UpstreamException.Kind.RESET, "stream ended before any data")));
        upstream.resume();
        return begun.future();
    }

    /** Probes the complete lines not probed yet; true once one begins the answer. */
    private boolean probeLines() {
        byte[] b = received.getBytes();
        int lineStart = probed;
        for (int i = probed; i < b.length; i++) {
            if (b[i] == '\n') {
                int to = trimEnd(b, lineStart, i);
                int from = dataStart(b, lineStart, to);
                lineStart = i + 1;
                probed = lineStart;
                if (from >= 0 && !isDone(b, from, to) && probe(b, from, to) == Probe.BEGINS) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void start(AnswerSink sink) {
        this.sink = sink;
        upstream.handler(this::onData);
        upstream.exceptionHandler(t -> fail("upstream connection failed after the stream started ("
                + t.getClass().getSimpleName() + ")"));
        upstream.endHandler(v -> {
            if (end()) {
                ended(sink);
            }
        });
        Buffer first = received;
        received = null;
        onData(first);
        resume();
    }

    /** A payload read before the answer began. May throw {@link UpstreamError} to fail the attempt. */
    protected abstract Probe probe(byte[] b, int from, int to);

    /** One {@code data:} payload {@code b[from, to)} (never {@code [DONE]}), once the stream is started. */
    protected abstract void data(byte[] b, int from, int to, AnswerSink sink);

    /** The upstream closed the stream normally. */
    protected void ended(AnswerSink sink) {
        sink.ended();
    }

    private void onData(Buffer buf) {
        if (done()) {
            return;
        }
        // The upstream's bytes in place (a heap buffer of this read), without copying them out first.
        ByteBuf bb = buf.getByteBuf();
        byte[] b;
        int from;
        int len;
        if (bb.hasArray()) {
            b = bb.array();
            from = bb.arrayOffset() + bb.readerIndex();
            len = bb.readableBytes();
        } else {
            b = buf.getBytes();
            from = 0;
            len = b.length;
        }
        if (carryLen > 0) { // a line that started in an earlier read
            byte[] joined = Arrays.copyOf(carry, carryLen + len);
            System.arraycopy(b, from, joined, carryLen, len);
            b = joined;
            from = 0;
            len = joined.length;
            carryLen = 0;
        }
        int end = from + len;
        int lineStart = from;
        for (int i = from; i < end && !done(); i++) {
            if (b[i] == '\n') {
                line(b, lineStart, i);
                lineStart = i + 1;
            }
        }
        if (!done() && lineStart < end) {
            int rest = end - lineStart;
            if (rest > head.limits().sseLine()) {
                // A line without end: the answer has begun, so the stream ends with an error chunk.
                head.tooLarge("server-sent-events line", head.limits().sseLine());
                fail("upstream stream line longer than " + head.limits().sseLine() + " bytes");
                return;
            }
            if (carry.length < rest) {
                carry = new byte[Math.max(rest, 2 * carry.length)];
            }
            System.arraycopy(b, lineStart, carry, 0, rest);
            carryLen = rest;
        }
    }

    private void line(byte[] b, int lineFrom, int lineTo) {
        int to = trimEnd(b, lineFrom, lineTo);
        int from = dataStart(b, lineFrom, to);
        if (from >= 0 && !isDone(b, from, to)) {
            data(b, from, to, sink);
        }
    }

    private static int trimEnd(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] & 0xff) <= ' ') {
            to--;
        }
        return to;
    }

    /** Where the payload of a {@code data:} line {@code b[from, to)} starts; -1 for any other line or an empty one. */
    private static int dataStart(byte[] b, int from, int to) {
        while (from < to && (b[from] & 0xff) <= ' ') {
            from++;
        }
        if (to - from < 5 || b[from] != 'd' || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a'
                || b[from + 4] != ':') {
            return -1;
        }
        from += 5;
        while (from < to && (b[from] & 0xff) <= ' ') {
            from++;
        }
        return from == to ? -1 : from;
    }

    private static boolean isDone(byte[] b, int from, int to) {
        return Arrays.equals(b, from, to, DONE, 0, DONE.length);
    }
}
