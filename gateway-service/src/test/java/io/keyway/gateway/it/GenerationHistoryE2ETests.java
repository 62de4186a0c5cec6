package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Durable {@code /api/v1/generation}, {@code /generations} and {@code /activity} (issue 19): this gateway keeps only its
 * last two requests in memory ({@code generation-cache-size} 2), so anything older is answered from billing-service —
 * in the very shape the ring gives. Listings come from billing, newest first, with a cursor and filters; activity sums
 * an account's requests per UTC day, model and provider; another account's ids are 404; bad parameters are 400s that
 * name the parameter.
 */
@QuarkusTest
@WithTestResource(value = KeywayServices.class, initArgs = {
        @ResourceArg(name = "keyway.gateway.generation-cache-size", value = "2")})
class GenerationHistoryE2ETests extends GatewayE2E {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode generation(String bearer, String id) throws Exception {
        String body = given().header("Authorization", "Bearer " + bearer).queryParam("id", id)
                .get("/api/v1/generation").then().statusCode(200).extract().asString();
        return JSON.readTree(body).get("data");
    }

    /** Waits until billing has applied the usage events of these requests (they are then listed). */
    private static void awaitKept(Seed.Account account, List<String> ids) {
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() ->
                given().header("Authorization", "Bearer " + account.managementKey()).queryParam("limit", 200)
                        .get("/api/v1/generations").then().statusCode(200).extract().jsonPath()
                        .getList("data.id").containsAll(ids));
    }

    private String served(Seed.ApiKey key, String provider) {
        return chat(key, body(MODEL, "user", "user-7", "provider", Map.of("only", List.of(provider))))
                .then().statusCode(200).extract().jsonPath().getString("id");
    }

    @Test
    void requestOlderThanTheRingIsAnsweredFromBillingInTheShapeTheRingGave() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("status500"), Map.of());
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        String first = served(key[0], CHEAP);
        JsonNode fromRing = generation(key[0].key(), first);
        String second = served(key[0], CHEAP);
        String third = served(key[0], CHEAP); // the ring holds two: the first request has left it
        awaitKept(account, List.of(first, second, third));

        JsonNode fromBilling = generation(key[0].key(), first);
        assertEquals(List.of(500, 200), List.of(fromBilling.at("/provider_responses/0/status").asInt(),
                fromBilling.at("/provider_responses/1/status").asInt()));
        assertEquals("byok_prioritized", fromBilling.at("/provider_responses/0/credential").asText());
        assertEquals("user-7", fromBilling.path("external_user").asText());
        GenerationAnswers.assertSameGeneration(fromRing, fromBilling);
        // the bare UUID is accepted too, as by the ring
        assertEquals(first, generation(key[0].key(), first.substring(4)).path("id").asText());
    }

    @Test
    void anotherAccountsRequestIs404FromTheRingAndFromBillingAlike() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        String old = served(key[0], CHEAP);
        served(key[0], CHEAP);
        String recent = served(key[0], CHEAP);
        awaitKept(account, List.of(old, recent));
        var strangerKey = new Seed.ApiKey[1];
        fundedAccount(strangerKey);
        for (String id : List.of(old, recent)) {
            given().header("Authorization", "Bearer " + strangerKey[0].key()).queryParam("id", id)
                    .get("/api/v1/generation").then().statusCode(404).body("error.code", equalTo(404));
        }
        given().header("Authorization", "Bearer " + key[0].key()).queryParam("id", "gen-00000000-0000-4000-8000-000000000000")
                .get("/api/v1/generation").then().statusCode(404);
    }

    @Test
    void listingIsNewestFirstAndTheCursorWalksEveryRequestOnceWithFiltersByModelProviderAndStatus() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        seed.byok(account, MID, secret("ok"), Map.of());
        List<String> newestFirst = new ArrayList<>();
        for (String provider : List.of(CHEAP, MID, CHEAP, MID)) {
            newestFirst.add(0, served(key[0], provider));
        }
        awaitKept(account, newestFirst);

        List<String> walked = new ArrayList<>();
        String cursor = null;
        do {
            var req = given().header("Authorization", "Bearer " + account.managementKey()).queryParam("limit", 3);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get("/api/v1/generations").then().statusCode(200).extract().jsonPath();
            walked.addAll(page.getList("data.id"));
            cursor = page.getString("next_cursor");
        } while (cursor != null);
        assertEquals(newestFirst, walked);

        JsonPath mid = given().header("Authorization", "Bearer " + account.managementKey())
                .queryParam("provider", MID).queryParam("model", MODEL).queryParam("status", "success")
                .get("/api/v1/generations").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(newestFirst.get(0), newestFirst.get(2)), mid.getList("data.id"));
        assertEquals(List.of(), given().header("Authorization", "Bearer " + account.managementKey())
                .queryParam("status", "error").get("/api/v1/generations").jsonPath().getList("data.id"));
        assertEquals(List.of(), given().header("Authorization", "Bearer " + account.managementKey())
                .queryParam("model", "standin/none").get("/api/v1/generations").jsonPath().getList("data.id"));
    }

    @Test
    void activitySumsTheAccountsRequestsPerUtcDayModelAndProviderForApiAndManagementKeys() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        var second = seed.apiKey(account);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        List<String> ids = List.of(served(key[0], CHEAP), served(key[0], CHEAP), served(second, CHEAP));
        awaitKept(account, ids);

        JsonPath activity = given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/activity")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(1, activity.getList("data").size(), activity.prettify());
        assertEquals(LocalDate.now(ZoneOffset.UTC).toString(), activity.getString("data[0].date"));
        assertEquals(MODEL, activity.getString("data[0].model"));
        assertEquals(MODEL, activity.getString("data[0].model_permaslug"));
        assertEquals(CHEAP + ":" + MODEL, activity.getString("data[0].endpoint_id"));
        assertEquals(3, activity.getInt("data[0].requests"));
        assertTrue(activity.getInt("data[0].prompt_tokens") > 0);
        assertTrue(activity.getDouble("data[0].byok_usage_inference") > 0, "BYOK requests' list cost");
        assertNotNull(activity.get("data[0].usage"));
        assertNotNull(activity.get("data[0].provider_name"));

        assertEquals(activity.getList("data"), given().header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/activity").then().statusCode(200).extract().jsonPath().getList("data"),
                "a management key sees the same account");
        assertEquals(List.of(1), given().header("Authorization", "Bearer " + account.managementKey())
                .queryParam("api_key_hash", second.hash()).get("/api/v1/activity").jsonPath().getList("data.requests"));
        var strangerKey = new Seed.ApiKey[1];
        fundedAccount(strangerKey);
        assertEquals(List.of(), given().header("Authorization", "Bearer " + strangerKey[0].key())
                .get("/api/v1/activity").jsonPath().getList("data"), "another account sees none of it");
        assertEquals(List.of(), given().header("Authorization", "Bearer " + strangerKey[0].key())
                .queryParam("api_key_hash", second.hash()).get("/api/v1/activity").jsonPath().getList("data"),
                "nor by naming one of its keys");
    }

    @Test
    void badParametersAre400NamingTheParameter() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String mk = "Bearer " + account.managementKey();
        for (String[] bad : new String[][] {{"limit", "0"}, {"limit", "201"}, {"limit", "ten"}, {"status", "maybe"},
            {"cursor", "not a cursor!"}, {"model", "a\u0001b"}}) {
            given().header("Authorization", mk).queryParam(bad[0], bad[1]).get("/api/v1/generations")
                    .then().statusCode(400).body("error.metadata.parameter", equalTo(bad[0]))
                    .body("error.message", containsString(bad[0]));
        }
        // a cursor of the right form that this API never gave: billing names it
        given().header("Authorization", mk).queryParam("cursor", "bm90LWEtY3Vyc29y").get("/api/v1/generations")
                .then().statusCode(400).body("error.metadata.parameter", equalTo("cursor"))
                .body("error.message", containsString("cursor"));
        for (String[] bad : new String[][] {{"date", "yesterday"}, {"date", "2020-01-01"},
            {"api_key_hash", "not-a-hash"}}) {
            given().header("Authorization", mk).queryParam(bad[0], bad[1]).get("/api/v1/activity")
                    .then().statusCode(400).body("error.metadata.parameter", equalTo(bad[0]))
                    .body("error.message", containsString(bad[0]));
        }
        given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/generation")
                .then().statusCode(400).body("error.message", containsString("id"));
        given().get("/api/v1/activity").then().statusCode(401);
    }
}
