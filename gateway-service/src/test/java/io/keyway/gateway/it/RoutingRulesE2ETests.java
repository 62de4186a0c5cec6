package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.keyway.gateway.it.KeywayServices.OTHER_MODEL;
import static io.keyway.gateway.it.KeywayServices.PRICEY;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.vertx.core.json.JsonObject;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §2 end to end: the real key-service (accounts, BYOK keys, pooled credentials, settings) and the real
 * billing-service (credits → account state) behind the gateway, the upstream stand-in as every provider.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class RoutingRulesE2ETests extends GatewayE2E {

    @Test
    void prioritizedByokKeyIsTriedBeforePooledCapacity() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String byok = secret("status500");
        String pool = secret("ok");
        seed.byok(account, CHEAP, byok, Map.of());
        seed.pooled(CHEAP, pool);
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false))
                .body("provider", equalTo("Cheap stand-in"));
        assertEquals(List.of(byok, pool), called());
    }

    @Test
    void fallbackKeysAreTriedOnlyAfterPooledCapacity() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String fallback = secret("ok");
        String pool = secret("status503");
        seed.byok(account, CHEAP, fallback, Map.of("is_fallback", true));
        seed.pooled(CHEAP, pool);
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(true));
        assertEquals(List.of(pool, fallback), called());
    }

    @Test
    void alwaysUseKeyFailureIsReturnedAsIsWithoutPooledFallback() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String alwaysUse = secret("status429");
        seed.byok(account, CHEAP, alwaysUse, Map.of("always_use", true));
        seed.pooled(CHEAP, secret("ok"));
        seed.pooled(MID, secret("ok"));
        chat(key[0], body(MODEL)).then().statusCode(429)
                .body("error.message", equalTo("Provider returned error"))
                .body("error.metadata.is_byok", equalTo(true))
                .body("error.metadata.provider_name", equalTo("Cheap stand-in"))
                .body("error.metadata.raw", containsString("stand-in status 429"));
        assertEquals(List.of(alwaysUse), called());
    }

    @Test
    void modelFilterExcludesKeyForOtherModels() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String onlyBeta = secret("ok");
        String pool = secret("ok");
        seed.byok(account, CHEAP, onlyBeta, Map.of("allowed_models", List.of(OTHER_MODEL)));
        seed.pooled(CHEAP, pool);
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false));
        chat(key[0], body(OTHER_MODEL)).then().statusCode(200).body("usage.is_byok", equalTo(true));
        assertEquals(List.of(pool, onlyBeta), called());
    }

    @Test
    void apiKeyFilterExcludesKeyForOtherCallers() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        var otherCaller = seed.apiKey(account);
        String pinned = secret("ok");
        String pool = secret("ok");
        seed.byok(account, CHEAP, pinned, Map.of("allowed_api_key_hashes", List.of(otherCaller.hash())));
        seed.pooled(CHEAP, pool);
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false));
        chat(otherCaller, body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(true));
        assertEquals(List.of(pool, pinned), called());
    }

    @Test
    void disabledKeyIsNeverTried() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String disabled = secret("ok");
        String pool = secret("ok");
        seed.byok(account, CHEAP, disabled, Map.of("disabled", true));
        seed.pooled(CHEAP, pool);
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false));
        assertEquals(List.of(pool), called());
    }

    @Test
    void orderFirstPrecedenceTriesProvidersStrictlyInOrder() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String midKey = secret("ok");
        String cheapPool = secret("ok");
        seed.byok(account, MID, midKey, Map.of());
        seed.pooled(CHEAP, cheapPool);
        seed.settings(account, Map.of("byok_precedence", "order_first"));
        chat(key[0], body(MODEL, "provider", Map.of("order", List.of(CHEAP, MID)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false));
        assertEquals(List.of(cheapPool), called());
    }

    @Test
    void byokFirstPrecedenceTriesPrioritizedKeysOfLaterProvidersBeforeThePool() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String midKey = secret("ok");
        seed.byok(account, MID, midKey, Map.of());
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL, "provider", Map.of("order", List.of(CHEAP, MID)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(true)).body("provider", equalTo("Mid stand-in"));
        assertEquals(List.of(midKey), called());
    }

    @Test
    void accountIgnoredProvidersGive404WithAvailableAndRequestedProviders() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        seed.settings(account, Map.of("ignored_providers", List.of(CHEAP)));
        chat(key[0], body(OTHER_MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(404)
                .body("error.code", equalTo(404))
                .body("error.message", containsString("No allowed providers"))
                .body("error.metadata.available_providers", hasItem(CHEAP))
                .body("error.metadata.requested_providers", hasItem(CHEAP));
        assertTrue(called().isEmpty());
    }

    @Test
    void allowFallbacksFalseReturnsTheOnlyProvidersFailure() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(PRICEY, secret("status502"));
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(PRICEY), "allow_fallbacks", false)))
                .then().statusCode(502).body("error.metadata.provider_name", equalTo("Pricey stand-in"));
        assertEquals(1, called().size());
    }

    @Test
    void modelsFallbackMovesToTheNextModelWhenEveryAttemptFails() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String alphaKey = secret("status500");
        String betaKey = secret("ok");
        seed.byok(account, CHEAP, alphaKey, Map.of("allowed_models", List.of(MODEL)));
        seed.byok(account, CHEAP, betaKey, Map.of("allowed_models", List.of(OTHER_MODEL)));
        chat(key[0], body(MODEL, "models", List.of(OTHER_MODEL), "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).body("model", equalTo(OTHER_MODEL));
        assertEquals(List.of(alphaKey, betaKey), called());
    }

    @Test
    void requestErrorFromUpstreamIsReturnedAtOnceWithoutFallback() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String bad = secret("status400");
        seed.byok(account, CHEAP, bad, Map.of());
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL)).then().statusCode(400).body("error.message", equalTo("Provider returned error"));
        assertEquals(List.of(bad), called());
    }

    @Test
    void connectionResetAndSlowFirstByteAreRetryable() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String reset = secret("reset");
        String slow = secret("slow5000");
        String pool = secret("ok");
        seed.byok(account, CHEAP, reset, Map.of("position", 0));
        seed.byok(account, CHEAP, slow, Map.of("position", 1));
        seed.pooled(CHEAP, pool);
        // Streamed: a stream's first event must come within the first-byte timeout (2 s here); a whole answer may take
        // the total timeout (LongCallsE2ETests).
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP)))).then()
                .statusCode(200).extract().asString();
        assertTrue(sse.contains("\"is_byok\":false"), sse);
        assertEquals(List.of(reset, slow, pool), called());
    }

    @Test
    void streamFallsBackOnlyBeforeFirstByte() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String reset = secret("reset");
        String pool = secret("ok");
        seed.byok(account, CHEAP, reset, Map.of());
        seed.pooled(CHEAP, pool);
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).extract().asString();
        assertTrue(sse.contains("from the stand-in"), sse);
        assertTrue(sse.trim().endsWith("data: [DONE]"), sse);
        assertEquals(List.of(reset, pool), called());
    }

    @Test
    void streamStillFallsBackAfterKeepAliveCommentsBecauseTheyAreNotTheFirstByteOfTheAnswer() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String onlyComments = secret("commentreset");
        String pool = secret("ok");
        seed.byok(account, CHEAP, onlyComments, Map.of());
        seed.pooled(CHEAP, pool);
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).extract().asString();
        assertTrue(sse.contains("from the stand-in"), sse);
        assertFalse(sse.contains("\"finish_reason\":\"error\""), sse);
        assertTrue(sse.trim().endsWith("data: [DONE]"), sse);
        assertEquals(List.of(onlyComments, pool), called());
    }

    @Test
    void streamWhoseUpstreamSendsKeepAliveCommentsFirstIsRelayedWhole() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String commenting = secret("commentstream");
        seed.byok(account, CHEAP, commenting, Map.of());
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).extract().asString();
        assertTrue(sse.contains("Hello ") && sse.contains("from the stand-in"), sse);
        assertTrue(sse.contains("\"usage\""), sse);
        assertTrue(sse.trim().endsWith("data: [DONE]"), sse);
        assertEquals(List.of(commenting), called());
    }

    @Test
    void streamFailureAfterFirstByteEndsWithErrorChunkAndNoFallback() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String dies = secret("midstream");
        seed.byok(account, CHEAP, dies, Map.of());
        seed.pooled(CHEAP, secret("ok"));
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).extract().asString();
        assertTrue(sse.contains("\"finish_reason\":\"error\""), sse);
        assertTrue(sse.contains("Provider returned error"), sse);
        assertFalse(sse.contains("[DONE]"), sse);
        assertEquals(List.of(dies), called());
        // The error chunk is one JSON event with Keyway's stamp and OpenRouter's error metadata.
        String last = sse.lines().filter(l -> l.startsWith("data: ")).reduce((a, b) -> b).orElseThrow();
        JsonObject chunk = new JsonObject(last.substring(6));
        assertTrue(chunk.getString("id").startsWith("gen-"), last);
        assertEquals("chat.completion.chunk", chunk.getString("object"), last);
        assertEquals(MODEL, chunk.getString("model"), last);
        assertEquals(502, chunk.getJsonObject("error").getInteger("code"), last);
        var metadata = chunk.getJsonObject("error").getJsonObject("metadata");
        assertEquals(true, metadata.getBoolean("is_byok"), last);
        assertTrue(metadata.getString("provider_name") != null && !metadata.getString("raw").isEmpty(), last);
        assertEquals("error", chunk.getJsonArray("choices").getJsonObject(0).getString("finish_reason"), last);
    }

    @Test
    void alwaysUseKeyFailureFallsThroughToTheOtherPrioritizedKeysOfItsProviderFirst() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String alwaysUse = secret("status429");
        String second = secret("ok");
        seed.byok(account, CHEAP, alwaysUse, Map.of("always_use", true, "position", 0));
        seed.byok(account, CHEAP, second, Map.of("position", 1));
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(true));
        assertEquals(List.of(alwaysUse, second), called());
    }

    @Test
    void changeFeedDropsTheCachedRoutingViewSoANewByokKeyIsUsedWithoutWaitingForItsTtl() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        var only = body(MODEL, "provider", Map.of("only", List.of(CHEAP)));
        chat(key[0], only).then().statusCode(200).body("usage.is_byok", equalTo(false)); // the view is now cached
        String byok = secret("ok");
        seed.byok(account, CHEAP, byok, Map.of());
        // The routing-view TTL is 30 s: well within it, only key-service's change event can make the key visible.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> chat(key[0], only).then().statusCode(200).extract().<Boolean>path("usage.is_byok"));
        assertEquals(byok, called().get(called().size() - 1));
    }
}
