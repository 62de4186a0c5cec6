package io.keyway.gateway.provider;

/** A successful attempt's answer: whole (non-streamed) or begun (streamed). */
public sealed interface Answer {

    record Whole(Completion completion) implements Answer {
    }

    record Streamed(AnswerStream stream) implements Answer {
    }
}
