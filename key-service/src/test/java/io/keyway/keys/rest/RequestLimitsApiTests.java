package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request limits (issue 16, item 2): an API key's {@code rate_limit} ({@code {"requests": N, "interval": "10s"}}, as
 * OpenRouter's key object shows it) and {@code max_concurrent_requests} on /api/v1/keys, the account's own on the
 * operator's settings; both reach the gateway (key resolution, routing view). Wrong values are a 400 naming the field.
 */
@QuarkusTest
class RequestLimitsApiTests {

    private static Map<String, Object> rate(Object requests, Object interval) {
        Map<String, Object> r = new HashMap<>();
        r.put("requests", requests);
        r.put("interval", interval);
        return r;
    }

    @Test
    void keyLimitsGivenOnCreateAreStoredShownAndSentToTheGateway() {
        Api.Account a = Api.newAccount();
        var created = a.mgmt().body(Map.of("name", "limited", "rate_limit", rate(50, "10s"),
                "max_concurrent_requests", 4)).post("/api/v1/keys").then().statusCode(201)
                .body("data.rate_limit.requests", equalTo(50))
                .body("data.rate_limit.interval", equalTo("10s"))
                .body("data.max_concurrent_requests", equalTo(4)).extract();
        String hash = created.path("data.hash");
        a.mgmt().get("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.rate_limit.requests", equalTo(50))
                .body("data.rate_limit.interval", equalTo("10s"))
                .body("data.max_concurrent_requests", equalTo(4));
        assertEquals(1, Api.nativeCount("select count(*) from api_keys where hash = '" + hash
                + "' and rate_limit_requests = 50 and rate_limit_interval = '10s' and max_concurrent_requests = 4"));
        given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + hash).then().statusCode(200)
                .body("rate_limit.requests", equalTo(50))
                .body("rate_limit.interval", equalTo("10s"))
                .body("max_concurrent_requests", equalTo(4));
    }

    @Test
    void aKeyWithoutLimitsShowsThemAsNull() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "plain")[0];
        a.mgmt().get("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data", org.hamcrest.Matchers.hasKey("rate_limit"))
                .body("data.rate_limit", nullValue())
                .body("data.max_concurrent_requests", nullValue());
    }

    @Test
    void patchSetsChangesAndNullClearsKeyLimitsAndOmittedOnesStay() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        a.mgmt().body(Map.of("rate_limit", rate(3, "1m"), "max_concurrent_requests", 2))
                .patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.rate_limit.requests", equalTo(3)).body("data.rate_limit.interval", equalTo("1m"))
                .body("data.max_concurrent_requests", equalTo(2));
        a.mgmt().body(Map.of("name", "renamed")).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.rate_limit.requests", equalTo(3)).body("data.max_concurrent_requests", equalTo(2));
        Map<String, Object> clear = new HashMap<>();
        clear.put("rate_limit", null);
        a.mgmt().body(clear).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.rate_limit", nullValue()).body("data.max_concurrent_requests", equalTo(2));
        clear = new HashMap<>();
        clear.put("max_concurrent_requests", null);
        a.mgmt().body(clear).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.max_concurrent_requests", nullValue());
        assertEquals(1, Api.nativeCount("select count(*) from api_keys where hash = '" + hash
                + "' and rate_limit_requests is null and rate_limit_interval is null and max_concurrent_requests is null"));
    }

    /** Intervals that are not a positive whole number of s, m or h up to one hour. */
    @ParameterizedTest
    @ValueSource(strings = {"10", "0s", "-1s", "1.5s", "10ms", "2h", "61m", "3601s", "s", "1d", " 1s", "1S", ""})
    void aBadIntervalIsA400NamingRateLimitInterval(String interval) {
        Api.Account a = Api.newAccount();
        a.mgmt().body(Map.of("name", "k", "rate_limit", rate(5, interval))).post("/api/v1/keys").then()
                .statusCode(400).body("error.code", equalTo(400))
                .body("error.message", containsString("rate_limit.interval"));
    }

    @Test
    void intervalsFromOneSecondToOneHourAreAccepted() {
        Api.Account a = Api.newAccount();
        for (String interval : List.of("1s", "59s", "1m", "60m", "1h", "3600s")) {
            a.mgmt().body(Map.of("name", "k", "rate_limit", rate(1, interval))).post("/api/v1/keys").then()
                    .statusCode(201).body("data.rate_limit.interval", equalTo(interval));
        }
    }

    @Test
    void requestsThatAreNotAPositiveIntegerAreA400NamingRateLimitRequests() {
        Api.Account a = Api.newAccount();
        for (Object requests : new Object[] {0, -3, 1.5, "10", null, 10_000_000_000L}) {
            a.mgmt().body(Map.of("name", "k", "rate_limit", rate(requests, "10s"))).post("/api/v1/keys").then()
                    .statusCode(400).body("error.message", containsString("rate_limit.requests"));
        }
    }

    @Test
    void aRateLimitThatIsNotAnObjectOrHasUnknownFieldsIsA400() {
        Api.Account a = Api.newAccount();
        a.mgmt().body(Map.of("name", "k", "rate_limit", 50)).post("/api/v1/keys").then().statusCode(400)
                .body("error.message", containsString("'rate_limit'"));
        a.mgmt().body(Map.of("name", "k", "rate_limit", Map.of("requests", 5, "interval", "1s", "burst", 9)))
                .post("/api/v1/keys").then().statusCode(400).body("error.message", containsString("rate_limit.burst"));
    }

    @Test
    void maxConcurrentRequestsThatIsNotAPositiveIntegerIsA400NamingIt() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        for (Object bad : new Object[] {0, -1, 2.5, "4", true}) {
            a.mgmt().body(Map.of("name", "k", "max_concurrent_requests", bad)).post("/api/v1/keys").then()
                    .statusCode(400).body("error.message", containsString("max_concurrent_requests"));
            a.mgmt().body(Map.of("max_concurrent_requests", bad)).patch("/api/v1/keys/" + hash).then()
                    .statusCode(400).body("error.message", containsString("max_concurrent_requests"));
        }
    }

    @Test
    void accountLimitsAreAnOperatorSettingShownToTheAccountAndSentInTheRoutingView() {
        Api.Account a = Api.newAccount();
        Api.admin().body(Map.of("rate_limit", rate(100, "1m"), "max_concurrent_requests", 10))
                .patch("/admin/v1/accounts/" + a.id() + "/settings").then().statusCode(200)
                .body("data.rate_limit.requests", equalTo(100)).body("data.rate_limit.interval", equalTo("1m"))
                .body("data.max_concurrent_requests", equalTo(10));
        a.mgmt().get("/api/v1/settings").then().statusCode(200)
                .body("data.rate_limit.requests", equalTo(100)).body("data.max_concurrent_requests", equalTo(10));
        Api.routingView(a.id()).then().statusCode(200)
                .body("rate_limit.requests", equalTo(100)).body("rate_limit.interval", equalTo("1m"))
                .body("max_concurrent_requests", equalTo(10));
        Map<String, Object> clear = new HashMap<>();
        clear.put("rate_limit", null);
        clear.put("max_concurrent_requests", null);
        Api.admin().body(clear).patch("/admin/v1/accounts/" + a.id() + "/settings").then().statusCode(200)
                .body("data.rate_limit", nullValue()).body("data.max_concurrent_requests", nullValue());
        Api.routingView(a.id()).then().statusCode(200).body("rate_limit", nullValue())
                .body("max_concurrent_requests", nullValue());
    }

    @Test
    void anAccountCannotSetItsOwnAccountLimitsWithItsManagementKey() {
        Api.Account a = Api.newAccount();
        a.mgmt().body(Map.of("max_concurrent_requests", 1000)).patch("/api/v1/settings").then().statusCode(403)
                .body("error.message", containsString("max_concurrent_requests"));
        a.mgmt().body(Map.of("rate_limit", rate(1000, "1s"))).patch("/api/v1/settings").then().statusCode(403)
                .body("error.message", containsString("rate_limit"));
        a.mgmt().get("/api/v1/settings").then().statusCode(200).body("data.max_concurrent_requests", nullValue());
    }

    @Test
    void aBadAccountLimitIsA400NamingTheField() {
        Api.Account a = Api.newAccount();
        Api.admin().body(Map.of("rate_limit", rate(5, "2h"))).patch("/admin/v1/accounts/" + a.id() + "/settings")
                .then().statusCode(400).body("error.message", containsString("rate_limit.interval"));
        Api.admin().body(Map.of("max_concurrent_requests", 0)).patch("/admin/v1/accounts/" + a.id() + "/settings")
                .then().statusCode(400).body("error.message", containsString("max_concurrent_requests"));
    }
}
