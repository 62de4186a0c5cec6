package io.keyway.gateway.provider;

/**
 * Where a streamed answer goes, in Keyway's normalized form; the stream writer implements it. Calls come on the
 * request's event loop, in order: any number of {@link #chunk} and {@link #usage}, then exactly one of {@link #ended}
 * or {@link #failed}.
 */
public interface AnswerSink {

    void chunk(Chunk chunk);

    /** The latest usage the upstream reported (a later call replaces an earlier one). */
    void usage(Usage usage);

    /** The upstream failed after the answer began; {@code raw} is safe to show (no secret, no request data). */
    void failed(String raw);

    /** The upstream finished the answer. */
    void ended();
}
