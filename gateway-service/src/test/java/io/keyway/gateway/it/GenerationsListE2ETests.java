package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/generations}: the console's activity list — the account's latest requests, newest first, with
 * every attempt; a management key sees the whole account, an API key only its own requests, nobody another account's.
 * Listed from billing-service once it has applied the requests' usage events (the tests wait for that).
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class GenerationsListE2ETests extends GatewayE2E {

    private static JsonPath list(String bearer, String query) {
        return given().header("Authorization", "Bearer " + bearer).get("/api/v1/generations" + query)
                .then().statusCode(200).extract().jsonPath();
    }

    /** The list once it holds {@code ids} (billing applies usage events within a moment). */
    private static JsonPath listed(String bearer, String query, List<String> ids) {
        return Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> list(bearer, query), page -> page.getList("data.id").equals(ids));
    }

    @Test
    void managementKeyListsTheAccountsRequestsNewestFirstWithEveryAttempt() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String failing = secret("status500");
        String ok = secret("ok");
        seed.byok(account, CHEAP, failing, Map.of());
        seed.byok(account, CHEAP, ok, Map.of());
        String first = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .extract().jsonPath().getString("id");
        String second = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .extract().jsonPath().getString("id");

        JsonPath page = listed(account.managementKey(), "", List.of(second, first));
        assertEquals(List.of(second, first), page.getList("data.id"));
        assertEquals(true, page.getBoolean("data[0].is_byok"));
        assertEquals(MODEL, page.getString("data[0].model"));
        assertEquals(200, page.getInt("data[0].status"));
        assertEquals(List.of(500, 200), page.getList("data[0].provider_responses.status"));
        assertEquals(key[0].id(), page.getString("data[0].api_key_id"));
        assertEquals(List.of(second), list(account.managementKey(), "?limit=1").getList("data.id"));
    }

    @Test
    void apiKeySeesOnlyItsOwnRequestsAndAnotherAccountSeesNone() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        var other = seed.apiKey(account);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        String mine = chat(key[0], body(MODEL)).then().statusCode(200).extract().jsonPath().getString("id");
        String theirs = chat(other, body(MODEL)).then().statusCode(200).extract().jsonPath().getString("id");

        listed(account.managementKey(), "", List.of(theirs, mine));
        assertEquals(List.of(mine), list(key[0].key(), "").getList("data.id"));
        assertEquals(List.of(theirs), list(other.key(), "").getList("data.id"));
        Seed.Account stranger = seed.account();
        assertEquals(List.of(), list(stranger.managementKey(), "").getList("data.id"));
    }

    @Test
    void badLimitIs400NamingItAndNoKeyIs401() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/generations?limit=0")
                .then().statusCode(400).body("error.message", containsString("'limit'"));
        given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/generations?limit=ten")
                .then().statusCode(400).body("error.code", equalTo(400));
        given().get("/api/v1/generations").then().statusCode(401);
    }
}
