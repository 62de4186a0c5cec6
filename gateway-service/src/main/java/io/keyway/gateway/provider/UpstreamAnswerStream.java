package io.keyway.gateway.provider;

import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.vertx.core.http.HttpClientResponse;

/**
 * What every streamed answer shares, whatever its framing (server-sent events, AWS event stream): the upstream
 * exchange, its flow control, and ending it once — as failed ({@link #fail}), by the total timeout ({@link #abort}) or
 * because the client went away ({@link #cancel}), before or after {@link #start} handed it a sink.
 */
public abstract class UpstreamAnswerStream implements AnswerStream {

    protected final Head head;
    protected final HttpClientResponse upstream;
    /** Set by {@link #start}; null while the answer is only probed. */
    protected AnswerSink sink;
    private boolean done;

    protected UpstreamAnswerStream(Head head) {
        this.head = head;
        this.upstream = head.response();
    }

    @Override
    public void pause() {
        upstream.pause();
    }

    @Override
    public void resume() {
        if (!done) {
            upstream.resume();
        }
    }

    @Override
    public void abort() {
        fail("upstream did not finish within the total timeout");
    }

    @Override
    public void cancel() {
        if (done) {
            return;
        }
        done = true;
        head.abort(); // a reset: the connection is closed, not returned to the pool half read
    }

    /** Ends the stream as failed, once: the upstream exchange is reset and the sink, if started, told. */
    protected final void fail(String raw) {
        if (done) {
            return;
        }
        done = true;
        head.abort();
        if (sink != null) {
            sink.failed(raw);
        }
    }

    /** Ends the stream normally, once; false when it had already ended. */
    protected final boolean end() {
        if (done) {
            return false;
        }
        done = true;
        return true;
    }

    protected final boolean done() {
        return done;
    }
}
