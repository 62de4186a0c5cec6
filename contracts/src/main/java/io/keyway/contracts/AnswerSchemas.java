package io.keyway.contracts;

/**
 * Where the JSON Schemas of the gateway's chat answers are on the class path: the non-streamed completion and one
 * streamed chunk, in OpenRouter's shapes as strict as the official @openrouter/sdk reads them (DESIGN.md §5). Tests
 * load them with a validator of their own; contracts carries no validator at run time.
 */
public final class AnswerSchemas {

    /** The answer to a chat completion without {@code stream}. */
    public static final String COMPLETION_RESOURCE = "schemas/chat-completion.schema.json";

    /** One {@code data:} event of a streamed chat completion (not the final {@code [DONE]}). */
    public static final String CHUNK_RESOURCE = "schemas/chat-completion-chunk.schema.json";

    private AnswerSchemas() {
    }
}
