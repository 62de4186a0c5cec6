package io.keyway.gateway.provider.openaicompatible;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte-level scan of stream chunks: what it keeps, what it notes, and every shape it leaves to the token rewrite. */
class ChunkSpliceTests {

    private static String kept(ChunkSplice s, byte[] b) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.fields; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(new String(b, s.spans[2 * i], s.spans[2 * i + 1] - s.spans[2 * i], StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsUpstreamFieldsVerbatimAndDropsKeywaysOwnAndUsage() {
        byte[] b = utf8("xx{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"up\",\"provider\":\"p\",\"system_fingerprint\":\"fp\\\"x\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"h\\u00e9 \\n\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":-1.5e3}}yy");
        ChunkSplice s = new ChunkSplice();
        assertTrue(s.scan(b, 2, b.length - 2));
        assertEquals("\"created\":1700000000,\"system_fingerprint\":\"fp\\\"x\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"h\\u00e9 \\n\"},\"finish_reason\":\"stop\"}]", kept(s, b));
        assertEquals("stop", s.finishReason);
        assertTrue(s.hasCreated);
        assertTrue(s.choicesArray);
        assertEquals(1, s.choices);
        assertEquals("{\"prompt_tokens\":3,\"completion_tokens\":-1.5e3}",
                new String(b, s.usageFrom, s.usageTo - s.usageFrom, StandardCharsets.UTF_8));
    }

    @Test
    void notesAUsageOnlyChunkAsZeroChoicesAndANullFinishReasonAsNone() {
        ChunkSplice s = new ChunkSplice();
        byte[] b = utf8("{ \"choices\" : [ ] , \"usage\" : null }");
        assertTrue(s.scan(b, 0, b.length));
        assertTrue(s.choicesArray);
        assertEquals(0, s.choices);
        assertFalse(s.hasCreated);
        byte[] c = utf8("{\"choices\":[{\"delta\":{},\"finish_reason\":null},{\"finish_reason\":\"x\"}]}");
        assertTrue(s.scan(c, 0, c.length));
        assertNull(s.finishReason);
        assertEquals(2, s.choices);
        byte[] d = utf8("{\"id\":\"x\"}");
        assertTrue(s.scan(d, 0, d.length));
        assertEquals(0, s.fields);
    }

    @Test
    void leavesErrorChunksEscapedNamesAndInvalidJsonToTheTokenRewrite() {
        ChunkSplice s = new ChunkSplice();
        for (String chunk : new String[] {
                "{\"error\":{\"message\":\"boom\"},\"choices\":[]}", // error chunk: reported by the token rewrite
                "{\"i\\u0064\":\"x\"}", // escaped key (could be one of Keyway's)
                "{\"choices\":[{\"finish_reason\":\"st\\u006fp\"}]}", // escaped finish_reason
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\"}}]}", // no finish_reason: the rewrite adds null
                "not json", "[1,2]", "{\"a\":1", "{\"a\":1}x", "{\"a\":01}", "{\"a\":1.}", "{\"a\":tru}",
                "{\"a\":\"\\q\"}", "{\"a\":\"x\ny\"}", "{\"a\" 1}", "{\"a\":1,}", "{\"a\":[1,]}",
                "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}"}) {
            byte[] b = utf8(chunk);
            assertFalse(s.scan(b, 0, b.length), chunk);
        }
    }
}
