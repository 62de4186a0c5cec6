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
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UsageEventSchemaTests {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    static JsonSchema schema() {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(UsageEvent.class.getClassLoader().getResourceAsStream(UsageEvent.SCHEMA_RESOURCE), config);
    }

    static UsageEvent sample() {
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
        version.put("schema_version", 2);
        assertFalse(schema().validate(version).isEmpty());
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
