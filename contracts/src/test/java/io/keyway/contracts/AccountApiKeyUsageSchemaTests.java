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
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccountApiKeyUsageSchemaTests {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    static JsonSchema schema() {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                AccountApiKeyUsage.class.getClassLoader().getResourceAsStream(AccountApiKeyUsage.SCHEMA_RESOURCE), config);
    }

    static AccountApiKeyUsage sample() {
        return new AccountApiKeyUsage(AccountApiKeyUsage.SCHEMA_VERSION, "acct-1", LocalDate.parse("2026-12-06"),
                List.of(new ApiKeyUsage("key-1", new BigDecimal("1.25"), new BigDecimal("0.5"), new BigDecimal("0.75"),
                        new BigDecimal("1"), new BigDecimal("30"), new BigDecimal("3"), new BigDecimal("10"),
                        new BigDecimal("20"))),
                42, Instant.parse("2026-12-06T10:15:30.123Z"));
    }

    @Test
    void serializedMessageValidatesAgainstTheSchemaWithTheDayAsADateAndMoneyAsDecimalStrings() {
        JsonNode node = JSON.valueToTree(sample());
        assertTrue(schema().validate(node).isEmpty(), () -> schema().validate(node).toString());
        assertEquals("2026-12-06", node.get("day").textValue());
        assertEquals("1.25", node.get("api_keys").get(0).get("usage").textValue());
        assertEquals("20", node.get("api_keys").get(0).get("byok_usage_monthly").textValue());
        assertEquals(42, node.get("sequence").asLong());
    }

    @Test
    void messageRoundTripsThroughJsonUnchanged() throws Exception {
        AccountApiKeyUsage u = sample();
        assertEquals(u, JSON.readValue(JSON.writeValueAsBytes(u), AccountApiKeyUsage.class));
    }

    @Test
    void schemaRejectsNumbersForMoneyAMissingFigureATimestampForTheDayAndUnknownVersion() {
        ObjectNode money = JSON.valueToTree(sample());
        ((ObjectNode) money.get("api_keys").get(0)).put("usage", 1.25);
        assertFalse(schema().validate(money).isEmpty(), "money as a JSON number");

        ObjectNode missing = JSON.valueToTree(sample());
        ((ObjectNode) missing.get("api_keys").get(0)).remove("byok_usage_weekly");
        assertFalse(schema().validate(missing).isEmpty(), "a figure missing");

        ObjectNode day = JSON.valueToTree(sample());
        day.put("day", "2026-12-06T00:00:00Z");
        assertFalse(schema().validate(day).isEmpty(), "day as a timestamp");

        ObjectNode version = JSON.valueToTree(sample());
        version.put("schema_version", 2);
        assertFalse(schema().validate(version).isEmpty(), "schema version 2");
    }

    @Test
    void aLaterSequenceOrTheSameSequenceComputedForALaterDaySupersedesTheHeldMessage() {
        AccountApiKeyUsage held = sample();
        AccountApiKeyUsage older = new AccountApiKeyUsage(1, "acct-1", held.day().plusDays(1), List.of(), 41,
                held.updatedAt());
        AccountApiKeyUsage newer = new AccountApiKeyUsage(1, "acct-1", held.day(), List.of(), 43, held.updatedAt());
        AccountApiKeyUsage nextDay = new AccountApiKeyUsage(1, "acct-1", held.day().plusDays(1), List.of(), 42,
                held.updatedAt());
        AccountApiKeyUsage dayBefore = new AccountApiKeyUsage(1, "acct-1", held.day().minusDays(1), List.of(), 42,
                held.updatedAt());
        assertFalse(older.supersedes(held), "a lower sequence, whatever its day");
        assertTrue(newer.supersedes(held));
        assertTrue(nextDay.supersedes(held), "same committed state, read on a later day (a republish at start)");
        assertFalse(dayBefore.supersedes(held));
        assertTrue(held.supersedes(null));
    }
}
