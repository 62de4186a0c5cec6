package io.keyway.keys.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.keys.NoSecretInSuiteLogs;
import io.keyway.keys.secrets.TestSecrets;
import io.keyway.keys.service.KeyMaterial;
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
        String storeSecret = TestSecrets.fakeSecret();
        for (String secret : List.of(apiKey, managementKey, token, storeSecret, Api.randomToken("{\"api_key\":\""))) {
            List<String> found = NoSecretInSuiteLogs.leaks(List.of(line("ok"), line("creating key=" + secret + " now")));
            assertEquals(1, found.size(), "a secret of length " + secret.length() + " was not found");
            assertTrue(found.get(0).startsWith("line 2 (io.ke.ke.se.ByokKeyService): "), found.get(0));
            assertFalse(found.get(0).contains(secret.substring(secret.length() - 12)), "the report repeats the secret");
        }
    }

    static String jsonLine(String message) throws Exception {
        var line = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("timestamp", "2026-12-06T11:00:00Z").put("loggerName", "io.keyway.keys.service.ByokKeyService")
                .put("level", "DEBUG").put("message", message);
        line.putObject("mdc").put("traceId", "0af7651916cd43dd8448eb211c80319c");
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(line);
    }

    @Test
    void theSuiteLogCheckFindsSecretsInJsonLinesEvenWhenAValueEscapesThem() throws Exception {
        String token = Api.randomToken("sk-");
        String apiKey = KeyMaterial.newApiKey();
        // the first hex digit of the random part written as a JSON unicode escape: only decoding finds it
        int at = token.indexOf('-') + 1;
        String escaped = jsonLine("key=" + token.substring(0, at) + "#" + token.substring(at + 1))
                .replace("#", String.format("\\u%04x", (int) token.charAt(at)));
        assertFalse(escaped.contains(token), "the raw line hides the secret behind an escape");
        for (String line : List.of(jsonLine("creating key=" + token), jsonLine("key " + apiKey), escaped)) {
            List<String> found = NoSecretInSuiteLogs.leaks(List.of(jsonLine("ok"), line));
            assertEquals(1, found.size(), line.length() + " chars: not found");
            assertTrue(found.get(0).startsWith("line 2 (io.keyway.keys.service.ByokKeyService): "), found.get(0));
        }
        assertEquals(List.of(), NoSecretInSuiteLogs.leaks(List.of(jsonLine("label " + KeyMaterial.label(apiKey)))));
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
