package io.keyway.billing.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.keyway.contracts.UsageEvent;
import io.keyway.contracts.UsageEvent.AttemptDetail;
import io.keyway.contracts.UsageEvent.GenerationDetail;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a version-3 event's {@code generation} member (schemas/usage-event.v3.schema.json) with the streaming parser,
 * and checks what billing stores of it: bounded strings without NUL (PostgreSQL's jsonb and text cannot hold one), at
 * most {@link UsageEvent#MAX_ATTEMPT_DETAILS} attempts, known credential kinds, short outcome words, counts not below
 * zero. A problem is the event's dead-letter reason: the gateway cuts and cleans these values before it publishes.
 */
final class GenerationDetailReader {

    /** A detail, or why it is refused (then {@code detail} is null); null as a whole when the member is null. */
    record Result(GenerationDetail detail, String reason) {
    }

    private static final Set<String> CREDENTIALS = Set.of("byok_prioritized", "pooled", "byok_fallback");
    private static final Pattern OUTCOME = Pattern.compile("^[a-z0-9_]{1,64}$");

    private GenerationDetailReader() {
    }

    /** Reads the value at {@code t}; the parser is left on its last token. */
    static Result read(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return new Result(null, "is not an object");
        }
        String providerName = null;
        String finish = null;
        String nativeFinish = null;
        String user = null;
        String referer = null;
        Long firstByte = null;
        Long cached = null;
        Long reasoning = null;
        boolean cancelled = false;
        List<AttemptDetail> attempts = List.of();
        String bad = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "provider_name" -> providerName = text(p, v);
                case "finish_reason" -> finish = text(p, v);
                case "native_finish_reason" -> nativeFinish = text(p, v);
                case "user" -> user = text(p, v);
                case "http_referer" -> referer = text(p, v);
                case "first_byte_ms" -> firstByte = count(p, v);
                case "cached_tokens" -> cached = count(p, v);
                case "reasoning_tokens" -> reasoning = count(p, v);
                case "cancelled" -> cancelled = v == JsonToken.VALUE_TRUE;
                case "attempts" -> {
                    if (v != JsonToken.START_ARRAY) {
                        p.skipChildren();
                        bad = "attempts is not an array";
                    } else {
                        attempts = new ArrayList<>(2);
                        String problem = attempts(p, attempts);
                        bad = bad == null ? problem : bad;
                    }
                }
                default -> p.skipChildren();
            }
            if (bad == null && (firstByte != null && firstByte < 0 || cached != null && cached < 0
                    || reasoning != null && reasoning < 0)) {
                bad = name + " is not a count";
            }
        }
        if (bad != null) {
            return new Result(null, bad);
        }
        String problem = checkText("provider_name", providerName, 256);
        problem = problem != null ? problem : checkText("finish_reason", finish, UsageEvent.MAX_FINISH_REASON);
        problem = problem != null ? problem
                : checkText("native_finish_reason", nativeFinish, UsageEvent.MAX_FINISH_REASON);
        problem = problem != null ? problem : checkText("user", user, UsageEvent.MAX_ATTRIBUTION);
        problem = problem != null ? problem : checkText("http_referer", referer, UsageEvent.MAX_ATTRIBUTION);
        if (problem != null) {
            return new Result(null, problem);
        }
        return new Result(new GenerationDetail(providerName, finish, nativeFinish, firstByte, cached, reasoning,
                cancelled, user, referer, attempts), null);
    }

    /** A non-negative integer, null, or -1 for anything else (refused by the caller). */    private static Long count(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v == JsonToken.VALUE_NUMBER_INT) {
            try {
                long n = p.getLongValue();
                return n >= 0 ? n : -1L;
            } catch (IOException e) { // beyond a long
                return -1L;
            }
        }
        p.skipChildren();
        return -1L;
    }

    /** A string member's text; a number or boolean as its text, an object or array skipped (null). */
    private static String text(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        return p.getText();
    }

    private static String checkText(String field, String value, int max) {
        if (value == null) {
            return null;
        }
        if (value.length() > max) {
            return field + " is longer than " + max + " characters";
        }
        if (value.indexOf('\u0000') >= 0) {
            return field + " contains a NUL character";
        }
        return null;
    }

    /** Reads the attempts array (its START_ARRAY is the current token); the reason it is refused, or null. */
    private static String attempts(JsonParser p, List<AttemptDetail> into) throws IOException {
        String bad = null;
        JsonToken item;
        while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
            if (item != JsonToken.START_OBJECT) {
                p.skipChildren();
                bad = bad == null ? "attempts holds something that is not an object" : bad;
                continue;
            }
            String model = null;
            String provider = null;
            String credential = null;
            String keyId = null;
            String outcome = null;
            long status = -1;
            long latency = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "model" -> model = text(p, v);
                    case "provider" -> provider = text(p, v);
                    case "credential" -> credential = text(p, v);
                    case "byok_key_id" -> keyId = text(p, v);
                    case "outcome" -> outcome = text(p, v);
                    case "status" -> status = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : skip(p);
                    case "latency_ms" -> latency = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : skip(p);
                    default -> p.skipChildren();
                }
            }
            if (bad != null) {
                continue;
            }
            if (into.size() >= UsageEvent.MAX_ATTEMPT_DETAILS) {
                bad = "attempts has more than " + UsageEvent.MAX_ATTEMPT_DETAILS + " items";
            } else if (model == null || model.isEmpty() || provider == null || provider.isEmpty()) {
                bad = "attempts holds an attempt without model or provider";
            } else if (credential == null || !CREDENTIALS.contains(credential)) {
                bad = "attempts holds a credential that is not byok_prioritized, pooled or byok_fallback";
            } else if (outcome == null || !OUTCOME.matcher(outcome).matches()) {
                bad = "attempts holds an outcome that is not a short lower-case word";
            } else if (status < 0 || status > 599 || latency < 0) {
                bad = "attempts holds a status outside 0-599 or a negative latency";
            } else {
                String text = checkText("attempts model", model, 256);
                text = text != null ? text : checkText("attempts provider", provider, 128);
                text = text != null ? text : checkText("attempts byok_key_id", keyId, 128);
                if (text != null) {
                    bad = text;
                } else {
                    into.add(new AttemptDetail(model, provider, credential, keyId, (int) status, outcome, latency));
                }
            }
        }
        return bad;
    }

    private static long skip(JsonParser p) throws IOException {
        p.skipChildren();
        return -1;
    }
}
