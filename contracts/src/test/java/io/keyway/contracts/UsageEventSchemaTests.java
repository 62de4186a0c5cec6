package io.keyway.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UsageEventSchemaTests {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    static JsonSchema schema() {
        return schema(UsageEvent.SCHEMA_RESOURCE);
    }

    static JsonSchema schema(String resource) {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(UsageEvent.class.getClassLoader().getResourceAsStream(resource), config);
    }

    static UsageEvent sample() {
        return new UsageEvent(UsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(),
                Instant.parse("2026-11-30T23:59:59.999Z"), "acct-1", "key-1", "openai/gpt-4o-mini", "openai", true,
                "byok-1", 120, 30, new BigDecimal("0.000036000"), UsageEvent.Status.SUCCESS, 200, 412, true, 2,
                List.of(new UsageEvent.AbandonedAttempt("openai/gpt-4o-mini", "openai", true, "byok-0", "timeout", 300000)),
                UsageEvent.Interruption.CLIENT, true,
                List.of("0b6f6c3e-3f1e-4a3f-9d7e-1c2b3a4d5e6f", "7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
                detail());
    }

    static UsageEvent.GenerationDetail detail() {
        return new UsageEvent.GenerationDetail("OpenAI", "stop", "end_turn", 120L, 40L, null, true, "user-7",
                "https://app.example.test/", List.of(
                        new UsageEvent.AttemptDetail("openai/gpt-4o-mini", "openai", "byok_prioritized", "byok-0", 0,
                                "timeout", 300000),
                        new UsageEvent.AttemptDetail("openai/gpt-4o-mini", "openai", "pooled", null, 200, "success",
                                412)));
    }

    static UsageEvent sampleV1() {
        return new UsageEvent(1, UUID.randomUUID().toString(), Instant.parse("2026-11-30T23:59:59.999Z"),
                "acct-1", "key-1", "openai/gpt-4o-mini", "openai", true, "byok-1", 120, 30,
                new BigDecimal("0.000036000"), UsageEvent.Status.SUCCESS, 200, 412, true, 2);
    }

    @Test
    void serializedEventValidatesAgainstTheSchemaWithMoneyAsDecimalString() throws Exception {
        JsonNode node = JSON.valueToTree(sample());
        assertTrue(schema().validate(node).isEmpty(), () -> schema().validate(node).toString());
        assertEquals("0.000036000", node.get("list_cost").textValue());
        assertEquals("2026-11-30T23:59:59.999Z", node.get("occurred_at").textValue());
        assertEquals("success", node.get("status").textValue());
    }

    @Test
    void eventRoundTripsThroughJsonUnchanged() throws Exception {
        UsageEvent e = sample();
        assertEquals(e, JSON.readValue(JSON.writeValueAsBytes(e), UsageEvent.class));
    }

    @Test
    void schemaRejectsFloatingPointMoneyNegativeTokensAndUnknownVersion() {
        ObjectNode money = JSON.valueToTree(sample());
        money.put("list_cost", 0.5);
        assertFalse(schema().validate(money).isEmpty());

        ObjectNode tokens = JSON.valueToTree(sample());
        tokens.put("prompt_tokens", -1);
        assertFalse(schema().validate(tokens).isEmpty());

        ObjectNode version = JSON.valueToTree(sample());
        version.put("schema_version", 4);
        assertFalse(schema().validate(version).isEmpty());

        ObjectNode reason = JSON.valueToTree(sample());
        ((ObjectNode) reason.get("abandoned_attempts").get(0)).put("reason", "bored");
        assertFalse(schema().validate(reason).isEmpty(), "an abandoned attempt's reason is one of the listed");

        ObjectNode interrupted = JSON.valueToTree(sample());
        interrupted.put("interrupted", "gremlins");
        assertFalse(schema().validate(interrupted).isEmpty());

        ObjectNode lease = JSON.valueToTree(sample());
        ((com.fasterxml.jackson.databind.node.ArrayNode) lease.get("budget_leases")).add("not-a-lease-id");
        assertFalse(schema().validate(lease).isEmpty(), "budget leases are lease ids (UUIDs), at most two");
    }

    @Test
    void version3EventCarriesWhatGenerationShowsEveryAttemptWithItsCredentialKindAndNoSecret() throws Exception {
        JsonNode node = JSON.valueToTree(sample());
        JsonNode g = node.get("generation");
        assertEquals("OpenAI", g.get("provider_name").textValue());
        assertEquals(120, g.get("first_byte_ms").intValue());
        assertTrue(g.get("reasoning_tokens").isNull(), "null, not missing, when the upstream reported none");
        assertEquals("byok_prioritized", g.get("attempts").get(0).get("credential").textValue());
        assertEquals("byok-0", g.get("attempts").get(0).get("byok_key_id").textValue());
        assertTrue(g.get("attempts").get(1).get("byok_key_id").isNull());
        assertEquals(sample().generation(), JSON.treeToValue(node, UsageEvent.class).generation());
    }

    @Test
    void schemaRejectsAGenerationDetailWithUnknownCredentialTooManyAttemptsOrLongAttribution() {
        ObjectNode credential = JSON.valueToTree(sample());
        ((ObjectNode) credential.at("/generation/attempts/0")).put("credential", "borrowed");
        assertFalse(schema().validate(credential).isEmpty(), "credential is byok_prioritized, pooled or byok_fallback");

        ObjectNode many = JSON.valueToTree(sample());
        var attempts = (com.fasterxml.jackson.databind.node.ArrayNode) many.at("/generation/attempts");
        while (attempts.size() <= UsageEvent.MAX_ATTEMPT_DETAILS) {
            attempts.add(attempts.get(0).deepCopy());
        }
        assertFalse(schema().validate(many).isEmpty(), "at most 64 attempts");

        ObjectNode user = JSON.valueToTree(sample());
        ((ObjectNode) user.get("generation")).put("user", "u".repeat(UsageEvent.MAX_ATTRIBUTION + 1));
        assertFalse(schema().validate(user).isEmpty(), "user is cut to 256 characters by the producer");

        ObjectNode outcome = JSON.valueToTree(sample());
        ((ObjectNode) outcome.at("/generation/attempts/1")).put("outcome", "Success!");
        assertFalse(schema().validate(outcome).isEmpty(), "an outcome is a short lower-case word");

        ObjectNode missing = JSON.valueToTree(sample());
        missing.remove("generation");
        assertFalse(schema().validate(missing).isEmpty(), "a version-3 event carries its generation detail");
    }

    @Test
    void version3EventNamesTheBudgetLeasesItsWorstCaseWasReservedAgainst() throws Exception {
        JsonNode node = JSON.valueToTree(sample());
        assertEquals(3, node.get("schema_version").intValue());
        assertEquals("0b6f6c3e-3f1e-4a3f-9d7e-1c2b3a4d5e6f", node.get("budget_leases").get(0).textValue());
        ObjectNode v2 = JSON.valueToTree(sample());
        v2.put("schema_version", 2);
        v2.remove(List.of("budget_leases", "generation"));
        assertTrue(schema(UsageEvent.SCHEMA_RESOURCE_V2).validate(v2).isEmpty(),
                () -> schema(UsageEvent.SCHEMA_RESOURCE_V2).validate(v2).toString());
        assertFalse(schema().validate(v2).isEmpty(), "a version-2 event is not a version-3 one");
        assertEquals(List.of(), JSON.treeToValue(v2, UsageEvent.class).budgetLeases(), "read with no leases");
    }

    @Test
    void version2EventCarriesAbandonedAttemptsInterruptionAndTheEstimateFlag() {
        JsonNode node = JSON.valueToTree(sample());
        assertEquals("timeout", node.get("abandoned_attempts").get(0).get("reason").textValue());
        assertEquals("byok-0", node.get("abandoned_attempts").get(0).get("byok_key_id").textValue());
        assertEquals("client", node.get("interrupted").textValue());
        assertTrue(node.get("tokens_estimated").booleanValue());
        ObjectNode complete = JSON.valueToTree(new UsageEvent(UsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(),
                Instant.parse("2026-11-30T23:59:59Z"), "a", "k", "m/x", "p", false, null, 1, 1, BigDecimal.ONE,
                UsageEvent.Status.SUCCESS, 200, 1, false, 1));
        assertTrue(complete.get("interrupted").isNull(), "null, not missing: every member is always written");
        complete.set("generation", JSON.valueToTree(detail()));
        assertTrue(schema().validate(complete).isEmpty(), () -> schema().validate(complete).toString());
    }

    @Test
    void version1EventsStillValidateAgainstTheirOwnSchemaAndReadWithVersion2Defaults() throws Exception {
        ObjectNode v1 = JSON.valueToTree(sampleV1());
        v1.remove(List.of("abandoned_attempts", "interrupted", "tokens_estimated", "budget_leases",
                "generation"));
        assertTrue(schema(UsageEvent.SCHEMA_RESOURCE_V1).validate(v1).isEmpty(),
                () -> schema(UsageEvent.SCHEMA_RESOURCE_V1).validate(v1).toString());
        assertFalse(schema().validate(v1).isEmpty(), "a version-1 event is not a version-3 one");
        UsageEvent read = JSON.treeToValue(v1, UsageEvent.class);
        assertEquals(1, read.schemaVersion());
        assertEquals(List.of(), read.abandonedAttempts());
        assertEquals(null, read.interrupted());
        assertFalse(read.tokensEstimated());
    }

    @Test
    void billableEventsAreSuccessesAndFailuresCutAfterPartOfTheAnswerReachedTheClient() {
        assertTrue(sampleV1().billable());
        var failed = new UsageEvent(UsageEvent.SCHEMA_VERSION, "e", Instant.EPOCH, "a", "k", "m", "p", false, null, 0,
                0, BigDecimal.ZERO, UsageEvent.Status.ERROR, 502, 1, true, 1);
        assertFalse(failed.billable());
        var cut = new UsageEvent(UsageEvent.SCHEMA_VERSION, "e", Instant.EPOCH, "a", "k", "m", "p", false, null, 10,
                4, BigDecimal.ONE, UsageEvent.Status.ERROR, 502, 1, true, 1, List.of(),
                UsageEvent.Interruption.UPSTREAM, true);
        assertTrue(cut.billable());
    }

    @Test
    void schemaLimitsAccountAndApiKeyIdsTo128CharactersAsBillingStoresThem() {
        for (String field : new String[] {"account_id", "api_key_id"}) {
            ObjectNode longest = JSON.valueToTree(sample());
            longest.put(field, "a".repeat(128));
            assertTrue(schema().validate(longest).isEmpty(), () -> field + ": " + schema().validate(longest));

            ObjectNode tooLong = JSON.valueToTree(sample());
            tooLong.put(field, "a".repeat(129));
            assertFalse(schema().validate(tooLong).isEmpty(), field + " of 129 characters");
        }
    }
}
