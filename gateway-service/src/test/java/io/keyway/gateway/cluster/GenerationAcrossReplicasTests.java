package io.keyway.gateway.cluster;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.it.GenerationAnswers;
import io.keyway.gateway.it.KeywayServices;
import io.keyway.gateway.it.Seed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 19's durable {@code /api/v1/generation}, across replicas: two gateway processes (this module's packaged jar)
 * with the real key-service, billing-service, broker and PostgreSQL. A request served by replica A is looked up through
 * replica B, which never saw it: B asks billing, which kept it with its charge. The answer is the one A gives from its
 * memory, member for member; and the listing is the same whichever replica answers it.
 */
@ExtendWith(TwoReplicas.class)
class GenerationAcrossReplicasTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> urls;
    private static final Seed seed = new Seed();

    @BeforeAll
    static void replicas() {
        urls = TwoReplicas.urls();
    }

    @AfterAll
    static void cleanUp() {
        seed.cleanUp();
    }

    @Test
    void requestServedByReplicaAIsAnsweredByReplicaBFromBillingExactlyAsReplicaAShowsIt() throws Exception {
        Seed.Account account = seed.account();
        Seed.ApiKey key = seed.apiKey(account);
        seed.topUp(account, "10.00");
        seed.byok(account, KeywayServices.CHEAP, "status500-" + UUID.randomUUID().toString().replace("-", ""), Map.of());
        seed.byok(account, KeywayServices.CHEAP, "ok-" + UUID.randomUUID().toString().replace("-", ""), Map.of());
        String a = urls.get(0);
        String b = urls.get(1);
        awaitBalance(a, key);
        String body = JSON.writeValueAsString(Map.of("model", KeywayServices.MODEL, "user", "user-7",
                "provider", Map.of("only", List.of(KeywayServices.CHEAP)),
                "messages", List.of(Map.of("role", "user", "content", "Say hello"))));
        String id = given().baseUri(a).header("Authorization", "Bearer " + key.key())
                .header("HTTP-Referer", "https://app.example.test/").contentType("application/json").body(body)
                .post("/api/v1/chat/completions").then().statusCode(200).extract().jsonPath().getString("id");

        JsonNode fromA = JSON.readTree(given().baseUri(a).header("Authorization", "Bearer " + key.key())
                .queryParam("id", id).get("/api/v1/generation").then().statusCode(200).extract().asString()).get("data");
        JsonNode fromB = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> lookup(b, key, id), r -> r != null).get("data");

        assertEquals(List.of(500, 200), statuses(fromB), "every attempt, in order: " + fromB);
        assertEquals("user-7", fromB.path("external_user").asText());
        assertEquals("https://app.example.test/", fromB.path("http_referer").asText());
        GenerationAnswers.assertSameGeneration(fromA, fromB);

        String other = seed.apiKey(seed.account()).key();
        given().baseUri(b).header("Authorization", "Bearer " + other).queryParam("id", id).get("/api/v1/generation")
                .then().statusCode(404);

        List<String> listedByA = given().baseUri(a).header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/generations").then().statusCode(200).extract().jsonPath().getList("data.id");
        List<String> listedByB = given().baseUri(b).header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/generations").then().statusCode(200).extract().jsonPath().getList("data.id");
        assertEquals(List.of(id), listedByA);
        assertEquals(listedByA, listedByB);
    }

    /** B's answer once billing has the request (null while B answers 404). */
    private static JsonNode lookup(String replica, Seed.ApiKey key, String id) throws Exception {
        var r = given().baseUri(replica).header("Authorization", "Bearer " + key.key()).queryParam("id", id)
                .get("/api/v1/generation");
        if (r.statusCode() == 404) {
            return null;
        }
        assertEquals(200, r.statusCode(), r.asString());
        return JSON.readTree(r.asString());
    }

    private static List<Integer> statuses(JsonNode generation) {
        List<Integer> out = new ArrayList<>();
        generation.path("provider_responses").forEach(p -> out.add(p.path("status").asInt()));
        return out;
    }

    private static void awaitBalance(String url, Seed.ApiKey key) {
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() ->
                given().baseUri(url).header("Authorization", "Bearer " + key.key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
    }
}
