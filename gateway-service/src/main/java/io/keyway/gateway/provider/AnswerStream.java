package io.keyway.gateway.provider;

/**
 * A streamed answer that has begun (its first event arrived, so falling back is no longer possible once it is
 * relayed), its upstream exchange paused until {@link #start}.
 */
public interface AnswerStream {

    /** Hands what arrived so far, then every later event, to {@code sink}; resumes reading. */
    void start(AnswerSink sink);

    /** Flow control: stop reading from the upstream until {@link #resume}. */
    void pause();

    void resume();

    /** Ends the upstream exchange (total timeout); the sink then sees {@link AnswerSink#failed} unless it ended. */
    void abort();

    /**
     * The client went away: ends the upstream exchange at once — paused for backpressure or not — so the provider stops
     * generating at its next write; the sink is told nothing more (its caller meters what was delivered).
     */
    void cancel();
}
