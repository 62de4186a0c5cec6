package io.keyway.contracts.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Malformed input for the fuzz pass (issue 18, item 9): bodies mutated from an endpoint's valid example (a field's
 * value swapped for a wrong type, a huge or odd number, unicode, NUL, deep nesting, a huge array; fields added,
 * dropped or named twice), raw junk (invalid UTF-8, truncated JSON, empty), wrong content types, hostile query values
 * ({@code -1}, {@code 1e99}, {@code NaN}, …) and odd path segments. Everything comes from one {@link Random}, so a
 * seed replays a run exactly (see {@link FuzzPass}).
 */
public final class HostileInput {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Scalars of every JSON type that break a field expecting another type or a sane range. */
    private static final String[] NUMBERS = {"-1", "0", "-0", "1e99", "-1e99", "1e400", "1e-400", "0.0000000000001",
        "9223372036854775808", "-9223372036854775809", "2147483648", "123456789012345678901234567890.123456789",
        "1.5", "3.4028235E39", "1E+2147483647"};

    /** Query values: a number where a word is expected and the reverse, out of range, encoded oddities. */
    private static final String[] QUERY_VALUES = {"-1", "0", "1e99", "NaN", "Infinity", "-Infinity", "", "%20",
        "2147483648", "9223372036854775808", "-9223372036854775809", "0x10", "1.5", "00000000001", "true", "null",
        "%00", "%FF%FE", "%E2%80%AE", "%F0%9F%92%A5", "a%00b", "%27%20OR%201%3D1--", "..%2F..%2F", "%22%7D",
        "x".repeat(5000), "9".repeat(400), "%2B1", "-0", "1,2", "%5B%5D"};

    /** Path segments (already percent-encoded): NUL, invalid UTF-8, traversal, huge, RTL override, emoji, a UUID-ish. */
    private static final String[] PATH_SEGMENTS = {"%00", "%FF", "%C0%AF", "..", "%2E%2E", "..%2F..%2Fetc",
        "%E2%80%AE", "%F0%9F%92%A5", "a%20b", "x".repeat(3000), "00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-00000000000G", "-1", "1e99", "NaN", "%25", "%3B", "%3F", "null", "%7B%7D",
        "0".repeat(64), "G".repeat(64), "9999-99", "2026-13", "0000-00", "2026-1", "%5C", "%0A", "%22"};

    private static final String[] CONTENT_TYPES = {null, "text/plain", "application/xml",
        "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/json; charset=bogus",
        "multipart/form-data; boundary=x", "*/*", "application/octet-stream", "application/json;;;",
        "application", "\u00e9/\u00e9"};

    private final Random random;

    public HostileInput(Random random) {
        this.random = random;
    }

    /** One malformed body for an endpoint whose valid body is {@code example} (null: the endpoint takes none). */
    public byte[] body(String example) {
        JsonNode valid = example == null ? NODES.objectNode() : parse(example);
        return switch (random.nextInt(11)) {
            case 0 -> rawJunk(valid);
            case 1 -> utf8(duplicateField(valid));
            case 2 -> utf8(nested(random.nextInt(3) == 0 ? 100_000 : 1 + random.nextInt(1500)));
            case 3 -> invalidUtf8Inside(valid);
            case 4 -> utf8(everyStringOdd(valid));
            default -> utf8(mutateFields(valid));
        };
    }

    /** A content type that is wrong or odd for a JSON body; null means send none. */
    public String contentType() {
        return CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
    }

    public String queryValue() {
        return QUERY_VALUES[random.nextInt(QUERY_VALUES.length)];
    }

    public String pathSegment() {
        return PATH_SEGMENTS[random.nextInt(PATH_SEGMENTS.length)];
    }

    /** A header value (Idempotency-Key, If-Match, If-None-Match, Authorization) that is odd but sendable. */
    public String headerValue() {
        String[] values = {"", " ", "W/\"1\"", "\"-1\"", "\"1e99\"", "\"" + "9".repeat(40) + "\"", "*",
            "k".repeat(4000), "Bearer", "Bearer ", "Bearer \u00e9", "bearer x", "Basic Zm9vOmJhcg==", "null",
            "\"NaN\"", "1,2,3", "\u00ff\u00fe"};
        return values[random.nextInt(values.length)];
    }

    private JsonNode mutateFields(JsonNode valid) {
        JsonNode copy = valid.deepCopy();
        if (!(copy instanceof ObjectNode object) || object.isEmpty() || random.nextInt(6) == 0) {
            // the whole body is of the wrong type, or an object of unknown fields
            return random.nextBoolean() ? value(0) : unknownFields();
        }
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            if (names.isEmpty()) {
                break;
            }
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(8)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(odd(), value(0));
                default -> object.set(name, value(0));
            }
        }
        return copy;
    }

    /** The valid body with each of its string fields (top level) set to one odd string, the rest left valid. */
    private JsonNode everyStringOdd(JsonNode valid) {
        JsonNode copy = valid.deepCopy();
        if (copy instanceof ObjectNode object) {
            String odd = odd();
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (object.get(name).isTextual()) {
                    object.put(name, odd);
                }
            }
        }
        return copy;
    }

    /** A hostile JSON value: wrong type, huge, odd number, unicode, NUL, nested, a big array. */
    JsonNode value(int depth) {
        return switch (random.nextInt(depth > 2 ? 6 : 10)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(new BigDecimal(NUMBERS[random.nextInt(NUMBERS.length)]));
            case 3 -> NODES.numberNode(BigInteger.TEN.pow(random.nextInt(400)).negate());
            case 4, 5 -> NODES.textNode(odd());
            case 6 -> {
                ArrayNode array = NODES.arrayNode();
                int n = random.nextInt(4) == 0 ? 20_000 + random.nextInt(60_000) : random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    array.add(n > 10 ? NODES.numberNode(i) : value(depth + 1));
                }
                yield array;
            }
            case 7 -> {
                ObjectNode object = NODES.objectNode();
                object.set(odd(), value(depth + 1));
                yield object;
            }
            case 8 -> NODES.textNode("x".repeat(1 << (10 + random.nextInt(9))));
            default -> {
                JsonNode inner = NODES.textNode("deep");
                for (int i = 0, n = 10 + random.nextInt(300); i < n; i++) {
                    inner = random.nextBoolean() ? NODES.arrayNode().add(inner) : NODES.objectNode().set("a", inner);
                }
                yield inner;
            }
        };
    }

    /** A string that is valid JSON but hostile to what reads it. */
    String odd() {
        String[] strings = {"", " ", "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\u202e\u0644\u0627",
            "\ud83d\udca5\ud83e\udd16", "e\u0301\u0301\u0301", "\ufeff", "\u00a0", "\t\n\r", "'; drop table accounts; --",
            "../../etc/passwd", "%s%n%x", "{\"nested\":\"json\"}", "${env:HOME}", "<script>x</script>", "NaN",
            "-1", "1e99", "true", "null", "0x7fffffff", "\u0130\u0131", "\uffff", "x".repeat(70_000),
            "2026-02-30T25:61:61Z", "\\", "\""};
        return strings[random.nextInt(strings.length)];
    }

    private ObjectNode unknownFields() {
        ObjectNode object = NODES.objectNode();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
            object.set(odd() + i, value(1));
        }
        return object;
    }

    private byte[] rawJunk(JsonNode valid) {
        String text = valid.toString();
        String[] junk = {"", " ", "{", "}", "[", "null", "true", "42", "\"text\"", "{\"a\":}", "{'a':1}", "{a:1}",
            "{\"a\":1,}", "[1,2", "NaN", "Infinity", "{\"a\":NaN}", "{\"a\":01}", "{\"a\":1e}", "\u0000",
            "{\"a\":\"\\uZZZZ\"}", "{\"a\":\"\\ud800\"}", "/* comment */ {}", text + text, text + "garbage",
            text.substring(0, Math.max(0, text.length() / 2)), "\ufeff" + text, "<xml/>", "a=1&b=2"};
        return utf8(junk[random.nextInt(junk.length)]);
    }

    private byte[] invalidUtf8Inside(JsonNode valid) {
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0,
            (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
        byte[] insert = bad[random.nextInt(bad.length)];
        String text = valid instanceof ObjectNode o && !o.isEmpty() ? valid.toString() : "{\"name\":\"x\"}";
        // inside the first string value: after the first ':"'
        int at = text.indexOf(":\"");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = utf8(text);
        int cut = at < 0 ? bytes.length / 2 : utf8(text.substring(0, at + 2)).length;
        out.write(bytes, 0, cut);
        out.writeBytes(insert);
        out.write(bytes, cut, bytes.length - cut);
        return out.toByteArray();
    }

    private String duplicateField(JsonNode valid) {
        Iterator<String> names = valid.fieldNames();
        String name = names.hasNext() ? names.next() : "name";
        String text = valid instanceof ObjectNode o && !o.isEmpty() ? valid.toString() : "{\"name\":\"x\"}";
        return "{\"" + name + "\":" + value(2) + "," + text.substring(1);
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static JsonNode parse(String example) {
        try {
            return JSON.readTree(example);
        } catch (Exception e) {
            throw new IllegalArgumentException("the example body is not JSON: " + example, e);
        }
    }

    static byte[] utf8(Object text) {
        return String.valueOf(text).getBytes(StandardCharsets.UTF_8);
    }
}
