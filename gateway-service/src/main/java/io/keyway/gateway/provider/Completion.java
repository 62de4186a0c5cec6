package io.keyway.gateway.provider;

import com.fasterxml.jackson.core.util.ByteArrayBuilder;

/**
 * A whole non-streamed answer in Keyway's normalized form: OpenAI's {@code chat.completion} members that belong to
 * the answer ({@code choices}, and {@code created} or {@code system_fingerprint} when known), without the members
 * Keyway owns ({@code id}, {@code object}, {@code model}, {@code provider}, {@code usage}); the usage apart.
 */
public interface Completion {

    /** Appends the members, comma-separated, without braces; nothing when there are none. */
    void writeMembers(ByteArrayBuilder out);

    boolean hasMembers();

    /** What the upstream reported, or null. */
    Usage usage();

    /** The first choice's finish reason in OpenAI's words, or null. */
    String finishReason();

    /** The provider's own finish reason (OpenRouter's {@code native_finish_reason}); an OpenAI-shaped upstream's is its own. */
    default String nativeFinishReason() {
        return finishReason();
    }

    boolean hasCreated();

    boolean hasSystemFingerprint();
}
