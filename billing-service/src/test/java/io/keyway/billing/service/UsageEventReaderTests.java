package io.keyway.billing.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.UsageEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Which usage records billing refuses (to the dead-letter topic), and why. */
class UsageEventReaderTests {

    private static final String GOOD = """
            {"schema_version":1,"event_id":"8f7a2c4e-1b2d-4c3e-9f00-0123456789ab","occurred_at":"2026-11-30T23:59:59.999Z",\
            "account_id":"acct-1","api_key_id":"key-1","model":"openai/gpt-4o","provider":"openai","is_byok":true,\
            "byok_key_id":"b1","prompt_tokens":10,"completion_tokens":5,"list_cost":"0.000150","status":"success",\
            "http_status":200,"latency_ms":100,"streamed":false,"attempts":1}""";

    private final UsageEventReader reader = new UsageEventReader(new ObjectMapper());

    private UsageEventReader.Read read(String json) {
        return reader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void wellFormedEventIsReadWithExactMoney() {
        UsageEventReader.Read r = read(GOOD);
        assertTrue(r.ok(), r.reason());
        assertEquals(new BigDecimal("0.000150"), r.event().listCost());
        assertEquals(UsageEvent.Status.SUCCESS, r.event().status());
        assertEquals("2026-11-30T23:59:59.999Z", r.event().occurredAt().toString());
    }

    @Test
    void version2EventIsReadWithItsAbandonedAttemptsInterruptionAndEstimateFlag() {
        String v2 = GOOD.replace("\"schema_version\":1", "\"schema_version\":2").replace("\"attempts\":1}",
                "\"attempts\":2,\"abandoned_attempts\":[{\"model\":\"openai/gpt-4o\",\"provider\":\"openai\","
                        + "\"is_byok\":true,\"byok_key_id\":\"b0\",\"reason\":\"timeout\",\"latency_ms\":300000}],"
                        + "\"interrupted\":\"upstream\",\"tokens_estimated\":true}");
        UsageEventReader.Read r = read(v2);
        assertTrue(r.ok(), r.reason());
        assertEquals(2, r.event().schemaVersion());
        assertEquals(UsageEvent.Interruption.UPSTREAM, r.event().interrupted());
        assertTrue(r.event().tokensEstimated());
        assertEquals(1, r.event().abandonedAttempts().size());
        assertEquals("b0", r.event().abandonedAttempts().get(0).byokKeyId());
        assertEquals(300000, r.event().abandonedAttempts().get(0).latencyMs());
        assertEquals("interrupted must be client, upstream, timeout or null",
                read(v2.replace("\"interrupted\":\"upstream\"", "\"interrupted\":\"gremlins\"")).reason());
        assertEquals("abandoned_attempts is not an array of objects",
                read(v2.replace("\"abandoned_attempts\":[", "\"abandoned_attempts\":7,\"x\":[")).reason());
    }

    @Test
    void version1EventIsStillReadWithNothingAbandonedNotInterruptedAndUpstreamTokens() {
        UsageEventReader.Read r = read(GOOD);
        assertTrue(r.ok(), r.reason());
        assertEquals(1, r.event().schemaVersion());
        assertEquals(List.of(), r.event().abandonedAttempts());
        assertNull(r.event().interrupted());
        assertFalse(r.event().tokensEstimated());
    }

    @Test
    void version3EventIsReadWithTheBudgetLeasesItWasReservedAgainstLowerCased() {
        String v3 = GOOD.replace("\"schema_version\":1", "\"schema_version\":3")
                .replace("\"attempts\":1", "\"attempts\":1,\"budget_leases\":[\"0B6F6C3E-3F1E-4A3F-9D7E-1C2B3A4D5E6F\"]");
        UsageEventReader.Read r = read(v3);
        assertTrue(r.ok(), r.reason());
        assertEquals(3, r.event().schemaVersion());
        assertEquals(List.of("0b6f6c3e-3f1e-4a3f-9d7e-1c2b3a4d5e6f"), r.event().budgetLeases());
        assertEquals(List.of(), read(GOOD.replace("\"attempts\":1", "\"attempts\":1,\"budget_leases\":[\"x\"]"))
                .event().budgetLeases(), "a version-1 event's member of that name is unknown and ignored");
    }

    @Test
    void version3EventWhoseBudgetLeasesAreNotLeaseIdsIsRefused() {
        String v3 = GOOD.replace("\"schema_version\":1", "\"schema_version\":3");
        assertEquals("budget_leases holds a lease id that is not a UUID",
                read(v3.replace("\"attempts\":1", "\"attempts\":1,\"budget_leases\":[\"lease-1\"]")).reason());
        assertEquals("budget_leases is not an array of at most two lease ids",
                read(v3.replace("\"attempts\":1", "\"attempts\":1,\"budget_leases\":\"x\"")).reason());
        assertEquals("budget_leases is not an array of at most two lease ids",
                read(v3.replace("\"attempts\":1", "\"attempts\":1,\"budget_leases\":[1]")).reason());
    }

    private static final String DETAIL = "\"generation\":{\"provider_name\":\"OpenAI\",\"finish_reason\":\"stop\","
            + "\"native_finish_reason\":\"end_turn\",\"first_byte_ms\":80,\"cached_tokens\":4,\"reasoning_tokens\":null,"
            + "\"cancelled\":false,\"user\":\"user-7\",\"http_referer\":\"https://app.example.test/\",\"attempts\":["
            + "{\"model\":\"openai/gpt-4o\",\"provider\":\"openai\",\"credential\":\"byok_prioritized\","
            + "\"byok_key_id\":\"b0\",\"status\":429,\"outcome\":\"rate_limited\",\"latency_ms\":12},"
            + "{\"model\":\"openai/gpt-4o\",\"provider\":\"openai\",\"credential\":\"pooled\",\"byok_key_id\":null,"
            + "\"status\":200,\"outcome\":\"success\",\"latency_ms\":100}]}";

    private static String v3WithDetail(String detail) {
        return GOOD.replace("\"schema_version\":1", "\"schema_version\":3")
                .replace("\"attempts\":1}", "\"attempts\":2,\"budget_leases\":[]," + detail + "}");
    }

    @Test
    void version3EventIsReadWithItsGenerationDetailEveryAttemptInOrder() {
        UsageEventReader.Read r = read(v3WithDetail(DETAIL));
        assertTrue(r.ok(), r.reason());
        UsageEvent.GenerationDetail d = r.event().generation();
        assertEquals("OpenAI", d.providerName());
        assertEquals(80L, d.firstByteMs());
        assertEquals(4L, d.cachedTokens());
        assertNull(d.reasoningTokens());
        assertEquals("https://app.example.test/", d.httpReferer());
        assertEquals(List.of(
                new UsageEvent.AttemptDetail("openai/gpt-4o", "openai", "byok_prioritized", "b0", 429, "rate_limited", 12),
                new UsageEvent.AttemptDetail("openai/gpt-4o", "openai", "pooled", null, 200, "success", 100)),
                d.attempts());
        assertNull(read(v3WithDetail("\"generation\":null")).event().generation(),
                "a version-3 event without detail is still applied (billing keeps what its members say)");
        assertNull(read(GOOD.replace("\"attempts\":1}", "\"attempts\":1," + DETAIL + "}")).event().generation(),
                "a version-1 event's member of that name is unknown and ignored");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"credential\":\"pooled\"|\"credential\":\"borrowed\"|generation attempts holds a credential that is not byok_prioritized, pooled or byok_fallback",
            "\"outcome\":\"success\"|\"outcome\":\"Success!\"|generation attempts holds an outcome that is not a short lower-case word",
            "\"status\":200|\"status\":700|generation attempts holds a status outside 0-599 or a negative latency",
            "\"user\":\"user-7\"|\"user\":\"u\\u0000\"|generation user contains a NUL character",
            "\"first_byte_ms\":80|\"first_byte_ms\":-1|generation first_byte_ms is not a count",
            "\"cached_tokens\":4|\"cached_tokens\":\"4\"|generation cached_tokens is not a count",
            "\"attempts\":[|\"attempts\":7,\"x\":[|generation attempts is not an array",
            "\"generation\":{|\"generation\":[1],\"y\":{|generation is not an object"})
    void version3EventWithABadGenerationDetailIsRefusedWithItsReason(String from, String to, String reason) {
        assertEquals(reason, read(v3WithDetail(DETAIL.replace(from, to))).reason());
    }

    @Test
    void version3EventWithMoreThan64AttemptsOrALongAttributionIsRefused() {
        String attempt = "{\"model\":\"m/x\",\"provider\":\"p\",\"credential\":\"pooled\",\"byok_key_id\":null,"
                + "\"status\":502,\"outcome\":\"upstream_error\",\"latency_ms\":1}";
        String many = DETAIL.substring(0, DETAIL.indexOf("\"attempts\":[") + 12)
                + String.join(",", java.util.Collections.nCopies(65, attempt)) + "]}";
        assertEquals("generation attempts has more than 64 items", read(v3WithDetail(many)).reason());
        assertEquals("generation http_referer is longer than 256 characters", read(v3WithDetail(
                DETAIL.replace("https://app.example.test/", "h".repeat(257)))).reason());
    }

    @Test
    void idLongerThan128CharactersIsRefusedBecauseItIsPartOfAPrimaryKey() {
        assertEquals("api_key_id is longer than 128 characters",
                read(GOOD.replace("\"api_key_id\":\"key-1\"", "\"api_key_id\":\"" + "k".repeat(129) + "\"")).reason());
        assertEquals("account_id is longer than 128 characters",
                read(GOOD.replace("\"account_id\":\"acct-1\"", "\"account_id\":\"" + "a".repeat(129) + "\"")).reason());
        assertTrue(read(GOOD.replace("\"account_id\":\"acct-1\"", "\"account_id\":\"" + "a".repeat(128) + "\"")).ok());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"schema_version\":1,|malformed JSON||",
            "[1,2]|malformed JSON: not an object||",
            "\"schema_version\":1|schema_version|\"schema_version\":4|unknown schema_version 4",
            "\"prompt_tokens\":10|prompt_tokens|\"prompt_tokens\":-1|negative token count",
            "\"completion_tokens\":5|completion_tokens|\"completion_tokens\":-5|negative token count",
            "\"list_cost\":\"0.000150\"|list_cost|\"list_cost\":\"1,50\"|list_cost is not a decimal number",
            "\"list_cost\":\"0.000150\"|list_cost|\"list_cost\":0.5|list_cost missing or not a decimal string",
            "\"list_cost\":\"0.000150\"|list_cost|\"list_cost\":\"-0.1\"|list_cost is negative",
            "\"list_cost\":\"0.000150\"|list_cost|\"list_cost\":\"0.0000000000001\"|list_cost has more than 12 decimal places",
            "\"event_id\":\"8f7a2c4e-1b2d-4c3e-9f00-0123456789ab\"|event_id|\"event_id\":\"1-1-1-1-1\"|event_id is not a UUID",
            "\"occurred_at\":\"2026-11-30T23:59:59.999Z\"|occurred_at|\"occurred_at\":\"yesterday\"|occurred_at is not an RFC 3339 UTC time",
            "\"status\":\"success\"|status|\"status\":\"ok\"|status must be success or error",
            "\"model\":\"openai/gpt-4o\"|model|\"model\":\"gpt\\u0000x\"|model contains a NUL character",
            "\"occurred_at\":\"2026-11-30T23:59:59.999Z\"|occurred_at|\"occurred_at\":\"-5000-01-01T00:00:00Z\"|occurred_at is outside the years 2000-9999",
            "\"occurred_at\":\"2026-11-30T23:59:59.999Z\"|occurred_at|\"occurred_at\":\"+10000-01-01T00:00:00Z\"|occurred_at is outside the years 2000-9999"})
    void badEventIsRefusedWithItsReason(String a, String b, String c, String d) {
        String json;
        String reason;
        if (c == null) {
            json = a;
            reason = b;
        } else {
            json = GOOD.replace(a, c);
            reason = d;
        }
        UsageEventReader.Read r = read(json);
        assertEquals(reason, r.reason());
    }
}
