package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenRouter's fields on the gateway's own answers ({@code /key}, the endpoints' statistics) through the real
 * key-service and billing-service, each on its own; the OpenRouter SDK checks their shapes in
 * {@link OpenRouterSdkContractE2ETests}. Other tests share this gateway and its providers, so the statistics are
 * asserted as what one request must leave in them, whatever else ran.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class OpenRouterFieldsE2ETests extends GatewayE2E {

    @Test
    void keyAnswersItsCreatorTheAccountAsWorkspaceAndOpenRoutersNothingWhereKeywayHasNoData() {
        var key = new Seed.ApiKey[1];
        Seed.Account account = fundedAccount(key);
        given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/key").then().statusCode(200)
                .body("data.containsKey('creator_user_id')", equalTo(true))
                .body("data.creator_user_id", nullValue())
                .body("data.containsKey('organization_id')", equalTo(true))
                .body("data.organization_id", nullValue())
                .body("data.workspace_id", equalTo(account.id()))
                .body("data.allowed_data_regions", equalTo(List.of("global")))
                .body("data.free_model_daily_requests", equalTo(Map.of("limit", 0, "remaining", 0, "used", 0)))
                .body("data.rate_limit.requests", equalTo(-1))
                .body("data.rate_limit.interval", equalTo("10s"));
        var created = seed.apiKey(account, Map.of("creator_user_id", "user-42"));
        given().header("Authorization", "Bearer " + created.key()).get("/api/v1/key").then().statusCode(200)
                .body("data.creator_user_id", equalTo("user-42"));
    }

    @Test
    void endpointStatisticsComeFromTheGatewaysOwnAttempts() {
        var key = new Seed.ApiKey[1];
        Seed.Account account = fundedAccount(key);
        seed.byok(account, MID, secret("status500"), Map.of()); // MID's endpoint fails (a 5xx: the endpoint's fault)
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL, "provider", Map.of("order", List.of(MID, CHEAP)))).then().statusCode(200)
                .body("provider", equalTo("Cheap stand-in"));

        JsonPath endpoints = given().get("/api/v1/models/" + MODEL + "/endpoints").then().statusCode(200)
                .extract().jsonPath();
        String cheap = "data.endpoints.find { it.tag == '" + CHEAP + "' }";
        String mid = "data.endpoints.find { it.tag == '" + MID + "' }";
        assertTrue(endpoints.getDouble(cheap + ".uptime_last_5m") > 0, "CHEAP served: its uptime has data");
        assertTrue(endpoints.getDouble(cheap + ".latency_last_30m.p50") > 0);
        assertTrue(endpoints.getDouble(cheap + ".latency_last_30m.p99")
                >= endpoints.getDouble(cheap + ".latency_last_30m.p50"));
        assertTrue(endpoints.getDouble(cheap + ".throughput_last_30m.p50") > 0, "5 completion tokens were generated");
        assertNotNull(endpoints.get(mid + ".uptime_last_1d"));
        assertTrue(endpoints.getDouble(mid + ".uptime_last_5m") < 100, "MID's 500 counts against its uptime");
        given().get("/api/v1/models/" + MODEL + "/endpoints").then()
                .body(cheap + ".model_id", equalTo(MODEL))
                .body(cheap + ".supports_tool_choice.auto", equalTo(false)); // standin/alpha does not list tool_choice
    }
}
