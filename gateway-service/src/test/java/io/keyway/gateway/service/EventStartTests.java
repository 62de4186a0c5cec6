package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** DESIGN.md §2, streams fall back only before the first byte: SSE comments and blank lines are not that byte. */
class EventStartTests {

    @Test
    void keepAliveCommentsAndBlankLinesDoNotStartTheAnswerEvenWhenSplitAcrossReads() {
        var start = new CompletionExecutor.EventStart();
        assertFalse(start.reached(Buffer.buffer(": keep-")));
        assertFalse(start.reached(Buffer.buffer("alive: data: inside a comment\r\n\r\n")));
        assertFalse(start.reached(Buffer.buffer("\n: OPENROUTER PROCESSING\n\n")));
        assertTrue(start.reached(Buffer.buffer("da")), "the first byte of a data line starts the answer");
        assertEquals(": keep-alive: data: inside a comment\r\n\r\n\n: OPENROUTER PROCESSING\n\nda",
                start.received().toString(), "everything received is handed to the relay, which skips the comments");
    }

    @Test
    void aStreamThatBeginsWithAnEventStartsAtOnceAndIsNotCopied() {
        var start = new CompletionExecutor.EventStart();
        Buffer first = Buffer.buffer("data: {\"choices\":[]}\n\n");
        assertTrue(start.reached(first));
        assertTrue(first == start.received());
    }
}
