package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.BRISK;
import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.LONG_MODEL;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.keyway.contracts.UsageEvent;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Long calls (issue 16 item 3) with the real services, Kafka and the upstream STAND-IN. The rule is shown at a small
 * scale instead of over minutes: the first-byte timeout is 1 s and the total timeout 5 s, and the stand-in's
 * {@code slow3000} credential answers after 3 s — a whole answer three times longer than the first-byte timeout, as a
 * 3-minute generation is under the default 60 s / 600 s. Provider {@link KeywayServices#BRISK} sets
 * {@code non_streamed_first_byte_timeout: 1s} in the catalog, so there the same answer times out after the upstream
 * accepted the request: an abandoned attempt, which the usage event lists.
 */
@QuarkusTest
@WithTestResource(value = KeywayServices.class, initArgs = {
        @ResourceArg(name = "keyway.gateway.upstream.first-byte-timeout", value = "1S"),
        @ResourceArg(name = "keyway.gateway.upstream.total-timeout", value = "5S")})
class LongCallsE2ETests extends GatewayE2E {

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private static JsonSchema schema() {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                UsageEvent.class.getClassLoader().getResourceAsStream(UsageEvent.SCHEMA_RESOURCE),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    private JsonNode event(ChatCompletionsApiTests.UsageTopic topic, String accountId) throws Exception {
        JsonNode event = json.readTree(topic.awaitForAccount(accountId, 1).get(0).value());
        var errors = schema().validate(event);
        assertTrue(errors.isEmpty(), () -> "schema violations: " + errors + " in " + event);
        return event;
    }

    @Test
    void aWholeAnswerThreeTimesLongerThanTheFirstByteTimeoutIsServedByItsOneCallUncut() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String slow = secret("slow3000");
        seed.byok(account, CHEAP, slow, Map.of("position", 0));
        seed.byok(account, CHEAP, secret("ok"), Map.of("position", 1));
        try (var topic = new ChatCompletionsApiTests.UsageTopic(bootstrap)) {
            chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                    .body("usage.is_byok", equalTo(true))
                    .body("usage.completion_tokens", equalTo(UpstreamStandIn.COMPLETION_TOKENS));
            assertEquals(List.of(slow), called(), "one call: not cut at the 1 s first-byte timeout, not retried");
            JsonNode event = event(topic, account.id());
            assertEquals("success", event.get("status").asText());
            assertEquals(0, event.get("abandoned_attempts").size());
        }
    }

    @Test
    void aStreamStillHasToBeginWithinTheFirstByteTimeout() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String slow = secret("slow3000");
        String next = secret("ok");
        seed.byok(account, CHEAP, slow, Map.of("position", 0));
        seed.byok(account, CHEAP, next, Map.of("position", 1));
        chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200);
        assertEquals(List.of(slow, next), called(), "silent for 1 s before its first event: cut and retried");
    }

    @Test
    void aWholeAnswerTimedOutAfterAcceptanceIsNotRetriedWhenAllowFallbacksIsFalseAndItsEventListsTheAbandonedAttempt()
            throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String slow = secret("slow3000");
        String slowId = seed.byok(account, BRISK, slow, Map.of("position", 0));
        seed.pooled(BRISK, secret("ok"));
        try (var topic = new ChatCompletionsApiTests.UsageTopic(bootstrap)) {
            chat(key[0], body(LONG_MODEL, "provider", Map.of("allow_fallbacks", false))).then().statusCode(504)
                    .body("error.metadata.attempts.size()", equalTo(1));
            assertEquals(List.of(slow), called(), "the provider may still be generating it: not asked again");
            JsonNode event = event(topic, account.id());
            assertEquals("error", event.get("status").asText());
            assertEquals(0, event.get("completion_tokens").asLong());
            JsonNode abandoned = event.get("abandoned_attempts");
            assertEquals(1, abandoned.size(), event::toString);
            assertEquals(BRISK, abandoned.get(0).get("provider").asText());
            assertEquals(LONG_MODEL, abandoned.get(0).get("model").asText());
            assertTrue(abandoned.get(0).get("is_byok").asBoolean());
            assertEquals(slowId, abandoned.get(0).get("byok_key_id").asText(), "finance sees which key may pay");
            assertEquals("timeout", abandoned.get(0).get("reason").asText());
            assertTrue(abandoned.get(0).get("latency_ms").asLong() >= 900, event::toString);
        }
    }

    @Test
    void withFallbacksAWholeAnswerTimedOutAfterAcceptanceSkipsTheTenantsOtherKeysOfItsProviderAndPooledCapacityServes()
            throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String slow = secret("slow3000");
        String second = secret("ok");
        String pool = secret("ok");
        seed.byok(account, BRISK, slow, Map.of("position", 0));
        seed.byok(account, BRISK, second, Map.of("position", 1));
        seed.pooled(BRISK, pool);
        try (var topic = new ChatCompletionsApiTests.UsageTopic(bootstrap)) {
            chat(key[0], body(LONG_MODEL)).then().statusCode(200).body("usage.is_byok", equalTo(false));
            assertEquals(List.of(slow, pool), called(),
                    "the tenant's second key of the same provider would pay it again for an answer as long");
            JsonNode event = event(topic, account.id());
            assertEquals("success", event.get("status").asText());
            assertEquals(3, event.get("attempts").asInt(), "timeout, skipped_after_timeout, success");
            assertEquals(1, event.get("abandoned_attempts").size(), event::toString);
        }
    }
}
