package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.AZURE;
import static io.keyway.gateway.it.KeywayServices.GPT_4O;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.gateway.standin.AzureStandIn;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The azure adapter end to end: Azure keys (seed 002's JSON) created through key-service, requests through the gateway
 * to the Azure stand-in over HTTPS (itself checked by the OpenAI SDK in Azure mode), answers held to OpenRouter's
 * schemas.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class AzureE2ETests extends GatewayE2E {

    @BeforeEach
    void resetAzure() {
        KeywayServices.azure.reset();
    }

    /** One deployment of seed 002's format, in the Azure OpenAI URL form. */
    static String deployment(String modelSlug, String apiKey) {
        return "{\"model_slug\":\"" + modelSlug + "\",\"endpoint_url\":\""
                + KeywayServices.azure.deploymentUrl("gpt-4o", "2024-10-21") + "\",\"api_key\":\"" + apiKey
                + "\",\"model_id\":\"gpt-4o\"}";
    }

    private static List<String> behavioursCalled() {
        return KeywayServices.azure.apiKeysCalled().stream().map(k -> k.substring(0, k.indexOf('-'))).toList();
    }

    @Test
    void plainAnswerFromADeploymentWithTheApiKeyHeader() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String apiKey = secret("ok");
        seed.byok(account, AZURE, deployment(GPT_4O, apiKey), Map.of());
        JsonNode answer = Answers.completion(chat(key[0], body(GPT_4O)).then().statusCode(200).extract().asString());
        assertEquals(GPT_4O, answer.get("model").asText());
        assertEquals("Azure stand-in", answer.get("provider").asText());
        assertTrue(answer.at("/usage/is_byok").asBoolean());
        assertTrue(answer.at("/usage/prompt_tokens").asInt() > 0);
        var call = KeywayServices.azure.calls().get(0);
        assertEquals("/openai/deployments/gpt-4o/chat/completions", call.path());
        assertEquals("2024-10-21", call.apiVersion());
        assertEquals(apiKey, call.apiKey());
    }

    @Test
    void streamedAnswerSkipsAzuresFilterAnnotationChunkAndEndsWithUsage() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, AZURE, deployment(GPT_4O, secret("ok")), Map.of());
        List<JsonNode> chunks = Answers.chunks(chat(key[0], body(GPT_4O, "stream", true)).then().statusCode(200)
                .extract().asString());
        assertTrue(Answers.text(chunks).length() > 0);
        assertTrue(Answers.usage(chunks).get("prompt_tokens").asInt() > 0);
        assertTrue(chunks.stream().allMatch(c -> GPT_4O.equals(c.get("model").asText())));
        assertTrue(Answers.read(KeywayServices.azure.calls().get(0).body().encode()).at("/stream_options/include_usage").asBoolean());
    }

    @Test
    void foundryModelsUrlNamesTheModelInTheBody() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, AZURE, "[{\"model_slug\":\"" + GPT_4O + "\",\"endpoint_url\":\""
                + KeywayServices.azure.modelsUrl("2024-05-01-preview") + "\",\"api_key\":\"" + secret("ok")
                + "\",\"model_id\":\"gpt-4o\"}]", Map.of());
        Answers.completion(chat(key[0], body(GPT_4O)).then().statusCode(200).extract().asString());
        var call = KeywayServices.azure.calls().get(0);
        assertEquals("/models/chat/completions", call.path());
        assertEquals("gpt-4o", call.bodyModel());
    }

    @Test
    void aKeyWithoutADeploymentForTheModelIsLeftOutWithoutACall() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String other = secret("ok");
        seed.byok(account, AZURE, deployment("openai/gpt-4o-mini", other), Map.of());
        String serving = secret("ok");
        seed.byok(account, AZURE, deployment(GPT_4O, serving), Map.of("is_fallback", true));
        Answers.completion(chat(key[0], body(GPT_4O)).then().statusCode(200).extract().asString());
        assertEquals(List.of(serving), KeywayServices.azure.apiKeysCalled());
        chat(key[0], body(GPT_4O)).then().statusCode(200)
                .body("id", org.hamcrest.Matchers.startsWith("gen-"));
    }

    @Test
    void rateLimitedAndUnavailableDeploymentsFallBackContentFilterIsReturnedAtOnce() {
        for (String failing : List.of("status429", "status401", "status503")) {
            KeywayServices.azure.reset();
            var key = new Seed.ApiKey[1];
            var account = fundedAccount(key);
            seed.byok(account, AZURE, deployment(GPT_4O, secret(failing)), Map.of());
            seed.byok(account, AZURE, deployment(GPT_4O, secret("ok")), Map.of());
            Answers.completion(chat(key[0], body(GPT_4O)).then().statusCode(200).extract().asString());
            assertEquals(List.of(failing, "ok"), behavioursCalled());
        }
        KeywayServices.azure.reset();
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, AZURE, deployment(GPT_4O, secret("contentfilter")), Map.of());
        seed.byok(account, AZURE, deployment(GPT_4O, secret("ok")), Map.of());
        chat(key[0], body(GPT_4O)).then().statusCode(400).body("error.metadata.provider_name", equalTo("Azure stand-in"));
        assertEquals(List.of("contentfilter"), behavioursCalled());
    }

    @Test
    void aDeploymentThatBreaksMidStreamEndsWithAnErrorChunk() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, AZURE, deployment(GPT_4O, secret("midstream")), Map.of());
        List<JsonNode> chunks = Answers.chunks(chat(key[0], body(GPT_4O, "stream", true)).then().statusCode(200)
                .extract().asString());
        assertEquals("error", chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText());
    }

    @Test
    void anAzureKeyInTheWrongFormatIsRefusedByKeyServiceNamingTheField() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        io.restassured.RestAssured.given().baseUri(KeywayServices.keyServiceUrl)
                .contentType(io.restassured.http.ContentType.JSON)
                .header("Authorization", "Bearer " + account.managementKey())
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("provider", AZURE, "key", "just-a-token", "name", "wrong"))
                .post("/api/v1/byok").then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("key"));
    }
}
