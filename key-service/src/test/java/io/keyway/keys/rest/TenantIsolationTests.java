package io.keyway.keys.rest;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Account A can never read, list, update, rotate, delete or resolve account B's keys: B's ids look unknown (404). */
@QuarkusTest
class TenantIsolationTests {

    @Test
    void anotherAccountsByokKeyIsNotFoundForEveryOperationAndStaysUnchanged() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String secret = Api.randomToken("sk-b-");
        String bKey = Api.newByokId(b, "openai", secret);

        a.mgmt().get("/api/v1/byok/" + bKey).then().statusCode(404).body("error.code", equalTo(404));
        a.mgmt().body(Map.of("name", "hijack")).patch("/api/v1/byok/" + bKey).then().statusCode(404);
        a.mgmt().body(Map.of("key", Api.randomToken("sk-a-"))).post("/api/v1/byok/" + bKey + "/rotate").then().statusCode(404);
        a.mgmt().delete("/api/v1/byok/" + bKey).then().statusCode(404);
        a.mgmt().get("/api/v1/byok").then().statusCode(200).body("data.id", not(hasItem(bKey)));

        b.mgmt().get("/api/v1/byok/" + bKey).then().statusCode(200).body("data.name", equalTo(null)).body("data.version", equalTo(0));
        Api.routingView(b.id()).then().body("byok_keys[0].credential.secret", equalTo(secret));
        Api.routingView(a.id()).then().body("byok_keys.id", not(hasItem(bKey)));
    }

    @Test
    void anotherAccountsApiKeyIsNotFoundForEveryOperation() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String bHash = Api.newApiKey(b, "b-app")[0];

        a.mgmt().get("/api/v1/keys/" + bHash).then().statusCode(404);
        a.mgmt().body(Map.of("disabled", true)).patch("/api/v1/keys/" + bHash).then().statusCode(404);
        a.mgmt().delete("/api/v1/keys/" + bHash).then().statusCode(404);
        a.mgmt().get("/api/v1/keys").then().body("data.hash", not(hasItem(bHash)));
        b.mgmt().get("/api/v1/keys/" + bHash).then().statusCode(200).body("data.disabled", equalTo(false));
    }

    @Test
    void guessedAndMalformedIdsAreNotFound() {
        Api.Account a = Api.newAccount();
        a.mgmt().get("/api/v1/byok/" + java.util.UUID.randomUUID()).then().statusCode(404);
        a.mgmt().get("/api/v1/byok/not-a-uuid").then().statusCode(404).body("error.code", equalTo(404));
        a.mgmt().get("/api/v1/keys/" + "f".repeat(64)).then().statusCode(404);
        a.mgmt().get("/api/v1/keys/short").then().statusCode(404);
    }

    @Test
    void settingsAndResolutionBelongToTheCallersAccountOnly() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        a.mgmt().body(Map.of("ignored_providers", java.util.List.of("deepinfra"))).patch("/api/v1/settings").then().statusCode(200);
        b.mgmt().get("/api/v1/settings").then().body("data.ignored_providers", equalTo(java.util.List.of()));
        String[] bKey = Api.newApiKey(b, "b");
        String owner = RestAssured.given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + bKey[0])
                .then().statusCode(200).extract().path("account_id");
        assertEquals(b.id(), owner);
        // A's management key cannot read B's account through the admin API either.
        a.mgmt().get("/admin/v1/accounts/" + b.id() + "/settings").then().statusCode(401);
    }
}
