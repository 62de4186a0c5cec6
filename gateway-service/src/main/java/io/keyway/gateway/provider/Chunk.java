package io.keyway.gateway.provider;

import io.vertx.core.buffer.Buffer;

/**
 * One streamed chunk of an answer in Keyway's normalized form: OpenAI's {@code chat.completion.chunk} members that
 * belong to the answer ({@code choices}, and {@code created} or {@code system_fingerprint} when the upstream has
 * them), without the members Keyway owns ({@code id}, {@code object}, {@code model}, {@code provider}, {@code usage}),
 * which the stream writer adds. An adapter hands a chunk to its {@link AnswerSink} and may reuse the object once
 * {@link AnswerSink#chunk} returns.
 */
public interface Chunk {

    /** Appends the members, comma-separated, without braces; nothing when there are none. */
    void writeMembers(Buffer out);

    /** False for a chunk without members (nothing to write but Keyway's own). */
    boolean hasMembers();

    /** False for a chunk whose {@code choices} is an empty array (a usage-only chunk): the writer drops it. */
    boolean hasChoices();

    /** The first choice's finish reason in OpenAI's words, or null. */
    String finishReason();

    /** The provider's own finish reason (OpenRouter's {@code native_finish_reason}); an OpenAI-shaped upstream's is its own. */
    default String nativeFinishReason() {
        return finishReason();
    }

    /** The first choice's delta carries {@code role}. */
    boolean announcesRole();

    boolean hasCreated();

    /**
     * How much generated text the chunk carries (content, reasoning, tool-call arguments), in characters — for an
     * upstream's own JSON, the bytes of its string values —, to estimate the tokens of an answer cut before the
     * upstream reported usage. 0 when unknown.
     */
    default int textLength() {
        return 0;
    }
}
