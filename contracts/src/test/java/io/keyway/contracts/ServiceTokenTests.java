package io.keyway.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ServiceTokenTests {

    private static final String SETTING = "keyway.example.token";
    private static final String ENV = "KEYWAY_EXAMPLE_TOKEN";

    @Test
    void aMissingOrBlankTokenIsRefusedNamingTheSettingAndItsEnvironmentVariable() {
        for (Optional<String> value : java.util.List.of(Optional.<String>empty(), Optional.of("   "))) {
            String message = assertThrows(IllegalStateException.class,
                    () -> ServiceToken.required(SETTING, ENV, value)).getMessage();
            assertTrue(message.startsWith(SETTING + " (env " + ENV + ") is not set"), message);
        }
    }

    @Test
    void aTokenMatchesOnlyItsOwnBearerHeaderAndNeverPrintsItsValue() {
        String value = "t-" + UUID.randomUUID();
        ServiceToken token = ServiceToken.required(SETTING, ENV, Optional.of(value));

        assertTrue(token.matches("Bearer " + value));
        assertTrue(token.matches("bearer " + value));
        assertFalse(token.matches(value));
        assertFalse(token.matches("Bearer " + value + "x"));
        assertFalse(token.matches(null));
        assertEquals("Bearer " + value, token.authorization());
        assertEquals(SETTING + "=****", token.toString());
    }

    @Test
    void twoSettingsWithOneValueAreRefusedNamingBoth() {
        String value = "t-" + UUID.randomUUID();
        String message = assertThrows(IllegalStateException.class, () -> ServiceToken.requireDistinct(
                ServiceToken.required("a.token", "A", Optional.of(value)),
                ServiceToken.required("b.token", "B", Optional.of("u-" + UUID.randomUUID())),
                ServiceToken.required("c.token", "C", Optional.of(value)))).getMessage();

        assertTrue(message.startsWith("a.token and c.token have the same value"), message);
        assertFalse(message.contains(value), message);
    }
}
