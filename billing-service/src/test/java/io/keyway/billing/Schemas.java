package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.keyway.contracts.AccountApiKeyUsage;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.Charge;

/** The JSON Schemas in contracts, used to check what billing-service produces. */
final class Schemas {

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonSchema ACCOUNT_STATE = load(AccountState.SCHEMA_RESOURCE);
    static final JsonSchema CHARGE = load(Charge.SCHEMA_RESOURCE);
    static final JsonSchema API_KEY_USAGE = load(AccountApiKeyUsage.SCHEMA_RESOURCE);

    private Schemas() {
    }

    private static JsonSchema load(String resource) {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Schemas.class.getClassLoader().getResourceAsStream(resource), config);
    }

    static JsonNode valid(JsonSchema schema, byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            var errors = schema.validate(node);
            assertTrue(errors.isEmpty(), "message does not match its schema: " + errors + " in " + node);
            return node;
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON", e);
        }
    }
}
