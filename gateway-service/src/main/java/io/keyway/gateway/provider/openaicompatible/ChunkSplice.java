package io.keyway.gateway.provider.openaicompatible;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level rewrite of one stream chunk ({@code data:} payload) for the common shape: a JSON object whose top-level
 * fields are copied verbatim, except Keyway's own ({@code id}, {@code model}, {@code provider}, {@code object}) and
 * {@code usage}, which are dropped (the usage span is remembered). Validates the JSON grammar while scanning (strings,
 * escapes, numbers, literals, nesting) and notes what the relay needs: the first choice's {@code finish_reason}, the
 * number of choices, whether {@code created} is present. Anything else — an {@code error} field, an escaped key or
 * finish_reason, a first choice without finish_reason (Gemini's and Bedrock's OpenAI-compatible streams leave it out
 * until the end; the token rewrite adds the null OpenRouter's chunk requires), deep nesting, trailing bytes, invalid
 * JSON — makes {@link #scan} return false and the relay uses the token rewrite instead (same output, same error
 * handling). One instance per stream, reused for every chunk.
 */
final class ChunkSplice {

    private static final int MAX_DEPTH = 64;
    private static final byte[] ID = bytes("id");
    private static final byte[] MODEL = bytes("model");
    private static final byte[] PROVIDER = bytes("provider");
    private static final byte[] OBJECT = bytes("object");
    private static final byte[] USAGE = bytes("usage");
    private static final byte[] ERROR = bytes("error");
    private static final byte[] CHOICES = bytes("choices");
    private static final byte[] CREATED = bytes("created");
    private static final byte[] FINISH_REASON = bytes("finish_reason");
    private static final byte[] SYSTEM_FINGERPRINT = bytes("system_fingerprint");
    private static final byte[] DELTA = bytes("delta");
    private static final byte[] ROLE = bytes("role");

    private byte[] b;
    private int pos;
    private int end;
    private boolean escaped; // the last string scanned held an escape

    /** Spans [start, end) of the kept top-level fields ({@code "name":value}), in order. */
    int[] spans = new int[16];
    int fields;
    int usageFrom;
    int usageTo;
    boolean choicesArray;
    int choices;
    String finishReason;
    boolean hasCreated;
    /** The first choice's delta has a {@code role} member. */
    boolean announcesRole;
    /** Bytes of the first choice's delta's string values other than its role (its text, escapes included). */
    int deltaTextBytes;
    private boolean firstChoiceHasFinishReason;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Scans {@code data[from, to)}; true if it is a JSON object of the common shape (see the class comment). */
    boolean scan(byte[] data, int from, int to) {
        b = data;
        pos = from;
        end = to;
        fields = 0;
        usageFrom = -1;
        usageTo = -1;
        choicesArray = false;
        choices = 0;
        finishReason = null;
        hasCreated = false;
        announcesRole = false;
        deltaTextBytes = 0;
        firstChoiceHasFinishReason = false;
        ws();
        if (pos >= end || b[pos] != '{') {
            return false;
        }
        pos++;
        ws();
        if (pos < end && b[pos] == '}') {
            pos++;
        } else {
            while (true) {
                int fieldStart = pos;
                if (!string() || escaped) {
                    return false;
                }
                int keyFrom = fieldStart + 1;
                int keyLen = pos - 1 - keyFrom;
                ws();
                if (pos >= end || b[pos] != ':') {
                    return false;
                }
                pos++;
                ws();
                int valueFrom = pos;
                boolean ok;
                if (is(keyFrom, keyLen, CHOICES) && pos < end && b[pos] == '[') {
                    ok = choices();
                } else {
                    ok = value(1);
                }
                if (!ok) {
                    return false;
                }
                if (is(keyFrom, keyLen, ERROR)) {
                    return false; // an error chunk: the token rewrite reads and reports it
                } else if (is(keyFrom, keyLen, USAGE)) {
                    usageFrom = valueFrom;
                    usageTo = pos;
                } else if (!is(keyFrom, keyLen, ID) && !is(keyFrom, keyLen, MODEL)
                        && !is(keyFrom, keyLen, PROVIDER) && !is(keyFrom, keyLen, OBJECT)
                        && !(is(keyFrom, keyLen, SYSTEM_FINGERPRINT) && b[valueFrom] == 'n')) {
                    // a null system_fingerprint is dropped: OpenRouter's chunk takes a string or nothing there
                    hasCreated |= is(keyFrom, keyLen, CREATED);
                    if (fields * 2 + 2 > spans.length) {
                        spans = java.util.Arrays.copyOf(spans, spans.length * 2);
                    }
                    spans[fields * 2] = fieldStart;
                    spans[fields * 2 + 1] = pos;
                    fields++;
                }
                int next = afterMember((byte) '}');
                if (next == MALFORMED) {
                    return false;
                }
                if (next == CLOSED) {
                    break;
                }
            }
        }
        ws();
        return pos == end && (choices == 0 || firstChoiceHasFinishReason);
    }

    private static final int MORE = 0;
    private static final int CLOSED = 1;
    private static final int MALFORMED = -1;

    /** After an object member or array element: {@code close} ends the container, a comma means another follows. */
    private int afterMember(byte close) {
        ws();
        if (pos >= end) {
            return MALFORMED;
        }
        byte c = b[pos++];
        if (c == close) {
            return CLOSED;
        }
        if (c != ',') {
            return MALFORMED;
        }
        ws();
        return MORE;
    }

    private boolean is(int from, int len, byte[] name) {
        if (len != name.length) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (b[from + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** The {@code choices} array: counts its elements, reads the first one's finish_reason. */
    private boolean choices() {
        choicesArray = true;
        pos++; // '['
        ws();
        if (pos < end && b[pos] == ']') {
            pos++;
            return true;
        }
        while (true) {
            boolean ok = choices == 0 && pos < end && b[pos] == '{' ? firstChoice() : value(2);
            if (!ok) {
                return false;
            }
            choices++;
            int next = afterMember((byte) ']');
            if (next == MALFORMED) {
                return false;
            }
            if (next == CLOSED) {
                return true;
            }
        }
    }

    private boolean firstChoice() {
        pos++; // '{'
        ws();
        if (pos < end && b[pos] == '}') {
            pos++;
            return true;
        }
        while (true) {
            int keyFrom = pos + 1;
            if (!string()) {
                return false;
            }
            int keyLen = pos - 1 - keyFrom;
            boolean finish = !escaped && is(keyFrom, keyLen, FINISH_REASON);
            firstChoiceHasFinishReason |= finish;
            boolean delta = !escaped && is(keyFrom, keyLen, DELTA);
            ws();
            if (pos >= end || b[pos] != ':') {
                return false;
            }
            pos++;
            ws();
            if (finish && pos < end && b[pos] == '"') {
                int from = pos + 1;
                if (!string() || escaped) {
                    return false;
                }
                finishReason = new String(b, from, pos - 1 - from, StandardCharsets.UTF_8);
            } else if (delta && pos < end && b[pos] == '{') {
                if (!delta()) {
                    return false;
                }
            } else if (!value(3)) {
                return false;
            }
            int next = afterMember((byte) '}');
            if (next == MALFORMED) {
                return false;
            }
            if (next == CLOSED) {
                return true;
            }
        }
    }

    /** The first choice's delta object: notes whether it has a {@code role} member. */
    private boolean delta() {
        pos++; // '{'
        ws();
        if (pos < end && b[pos] == '}') {
            pos++;
            return true;
        }
        while (true) {
            int keyFrom = pos + 1;
            if (!string()) {
                return false;
            }
            boolean role = !escaped && is(keyFrom, pos - 1 - keyFrom, ROLE);
            announcesRole |= role;
            ws();
            if (pos >= end || b[pos] != ':') {
                return false;
            }
            pos++;
            ws();
            int valueFrom = pos;
            if (!value(4)) {
                return false;
            }
            if (!role && b[valueFrom] == '"') {
                deltaTextBytes += pos - valueFrom - 2; // between the quotes
            }
            int next = afterMember((byte) '}');
            if (next == MALFORMED) {
                return false;
            }
            if (next == CLOSED) {
                return true;
            }
        }
    }

    private void ws() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    private boolean value(int depth) {
        if (pos >= end || depth > MAX_DEPTH) {
            return false;
        }
        byte c = b[pos];
        switch (c) {
            case '"':
                return string();
            case '{': {
                pos++;
                ws();
                if (pos < end && b[pos] == '}') {
                    pos++;
                    return true;
                }
                while (true) {
                    if (!string()) {
                        return false;
                    }
                    ws();
                    if (pos >= end || b[pos] != ':') {
                        return false;
                    }
                    pos++;
                    ws();
                    if (!value(depth + 1)) {
                        return false;
                    }
                    ws();
                    if (pos >= end) {
                        return false;
                    }
                    byte n = b[pos++];
                    if (n == '}') {
                        return true;
                    }
                    if (n != ',') {
                        return false;
                    }
                    ws();
                }
            }
            case '[': {
                pos++;
                ws();
                if (pos < end && b[pos] == ']') {
                    pos++;
                    return true;
                }
                while (true) {
                    if (!value(depth + 1)) {
                        return false;
                    }
                    ws();
                    if (pos >= end) {
                        return false;
                    }
                    byte n = b[pos++];
                    if (n == ']') {
                        return true;
                    }
                    if (n != ',') {
                        return false;
                    }
                    ws();
                }
            }
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number();
        }
    }

    private boolean literal(String word) {
        int n = word.length();
        if (pos + n > end) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        pos += n;
        return true;
    }

    /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} */
    private boolean number() {
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        if (pos >= end) {
            return false;
        }
        if (b[pos] == '0') {
            pos++;
        } else if (b[pos] >= '1' && b[pos] <= '9') {
            digits();
        } else {
            return false;
        }
        if (pos < end && b[pos] == '.') {
            pos++;
            if (digits() == 0) {
                return false;
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                return false;
            }
        }
        return true;
    }

    private int digits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    /** A string starting at {@code pos} (which must be its opening quote); leaves {@code pos} after the closing one. */
    private boolean string() {
        escaped = false;
        if (pos >= end || b[pos] != '"') {
            return false;
        }
        pos++;
        while (pos < end) {
            byte c = b[pos];
            if (c == '"') {
                pos++;
                return true;
            }
            if (c == '\\') {
                escaped = true;
                if (pos + 1 >= end) {
                    return false;
                }
                byte e = b[pos + 1];
                if (e == 'u') {
                    if (pos + 6 > end) {
                        return false;
                    }
                    for (int i = pos + 2; i < pos + 6; i++) {
                        byte h = b[i];
                        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                            return false;
                        }
                    }
                    pos += 6;
                    continue;
                }
                if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                    return false;
                }
                pos += 2;
                continue;
            }
            if (c >= 0 && c < 0x20) {
                return false; // unescaped control character
            }
            pos++;
        }
        return false;
    }
}
