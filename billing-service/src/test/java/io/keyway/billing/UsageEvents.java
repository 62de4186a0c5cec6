package io.keyway.billing;

import java.util.UUID;

/** Usage event JSON as gateway-service publishes it (contracts/schemas/usage-event.v1.schema.json; {@link #cutByUpstream}: v2). */
final class UsageEvents {

    private UsageEvents() {
    }

    static String newAccount() {
        return "acct-" + UUID.randomUUID();
    }

    static String byok(String eventId, String account, String occurredAt, String listCost) {
        return event(eventId, account, "key-" + account, occurredAt, true, listCost, "success");
    }

    static String nonByok(String eventId, String account, String occurredAt, String listCost) {
        return event(eventId, account, "key-" + account, occurredAt, false, listCost, "success");
    }

    static String event(String eventId, String account, String apiKeyId, String occurredAt, boolean byok,
            String listCost, String status) {
        return """
                {"schema_version":1,"event_id":"%s","occurred_at":"%s","account_id":"%s","api_key_id":"%s",\
                "model":"openai/gpt-4o-mini","provider":"%s","is_byok":%s,"byok_key_id":%s,"prompt_tokens":120,\
                "completion_tokens":30,"list_cost":"%s","status":"%s","http_status":%d,"latency_ms":420,\
                "streamed":false,"attempts":1}"""
                .formatted(eventId, occurredAt, account, apiKeyId, byok ? "openai" : "io-net", byok,
                        byok ? "\"byok-1\"" : "null", listCost, status, "success".equals(status) ? 200 : 502);
    }

    /**
     * A version-2 failure whose stream the upstream broke after part of the answer reached the client: estimated
     * tokens, {@code interrupted: "upstream"}, and one abandoned attempt before it.
     */
    static String cutByUpstream(String eventId, String account, String occurredAt, boolean byok, String listCost) {
        return """
                {"schema_version":2,"event_id":"%s","occurred_at":"%s","account_id":"%s","api_key_id":"key-%s",\
                "model":"openai/gpt-4o-mini","provider":"openai","is_byok":%s,"byok_key_id":%s,"prompt_tokens":3,\
                "completion_tokens":2,"list_cost":"%s","status":"error","http_status":502,"latency_ms":420,\
                "streamed":true,"attempts":2,"abandoned_attempts":[{"model":"openai/gpt-4o-mini","provider":"openai",\
                "is_byok":true,"byok_key_id":"byok-0","reason":"timeout","latency_ms":300}],"interrupted":"upstream",\
                "tokens_estimated":true}"""
                .formatted(eventId, occurredAt, account, account, byok, byok ? "\"byok-1\"" : "null", listCost);
    }

    static String id() {
        return UUID.randomUUID().toString();
    }
}
