package io.keyway.keys.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.keys.NoSecretInSuiteLogs;
import io.keyway.keys.service.KeyMaterial;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The suite-wide log check (NoSecretInSuiteLogs) recognises every kind of secret the tests make, and only those. */
class SuiteLogCheckTests {

    static String line(String message) {
        return "11:00:00.000 DEBUG [io.ke.ke.se.ByokKeyService] (vert.x-eventloop-thread-1) " + message;
    }

    @Test
    void theSuiteLogCheckFindsKeywayKeysAndTestSecretsWithoutRepeatingThem() {
        String apiKey = KeyMaterial.newApiKey();
        String managementKey = KeyMaterial.newManagementKey();
        String token = Api.randomToken("sk-");
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        String storeSecret = "sk-test-" + HexFormat.of().formatHex(bytes);
        for (String secret : List.of(apiKey, managementKey, token, storeSecret, Api.randomToken("{\"api_key\":\""))) {
            List<String> found = NoSecretInSuiteLogs.leaks(List.of(line("ok"), line("creating key=" + secret + " now")));
            assertEquals(1, found.size(), "a secret of length " + secret.length() + " was not found");
            assertTrue(found.get(0).startsWith("line 2 (io.ke.ke.se.ByokKeyService): "), found.get(0));
            assertFalse(found.get(0).contains(secret.substring(secret.length() - 12)), "the report repeats the secret");
        }
    }

    @Test
    void theSuiteLogCheckLeavesLabelsHashesAndIdsAlone() {
        String apiKey = KeyMaterial.newApiKey();
        String token = Api.randomToken("sk-");
        List<String> lines = List.of(
                line("created api key " + KeyMaterial.label(apiKey) + " hash " + KeyMaterial.sha256Hex(apiKey)),
                line("byok key " + java.util.UUID.randomUUID() + " label sk-..." + token.substring(token.length() - 4)),
                line("hash of a test secret " + KeyMaterial.sha256Hex(token)));
        assertEquals(List.of(), NoSecretInSuiteLogs.leaks(lines));
    }
}
