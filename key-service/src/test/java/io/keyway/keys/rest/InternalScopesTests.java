package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.keyway.keys.service.KeyMaterial;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Each caller of /internal/v1 is held to its scopes: routing views (every secret of an account) are the gateway's
 * only; API-key lookups serve the gateway and billing.
 */
@QuarkusTest
class InternalScopesTests {

    @Test
    void billingsTokenCannotReadARoutingViewAnswering403NamingTheScope() {
        Api.Account a = Api.newAccount();
        Api.newByokId(a, "openai", Api.randomToken("sk-scope-"));

        given().header("Authorization", Api.BILLING).get("/internal/v1/accounts/" + a.id() + "/routing-view")
                .then().statusCode(403).contentType("application/json")
                .body("error.code", equalTo(403))
                .body("error.message", containsString("lacks scope 'routing-view'"))
                .body("error.message", containsString("granted to: gateway"))
                .body("error.metadata.scope", equalTo("routing-view"))
                .body("error.metadata.caller", equalTo("billing"))
                .body("data", equalTo(null));
    }

    @Test
    void theGatewaysTokenReadsTheRoutingView() {
        Api.Account a = Api.newAccount();

        given().header("Authorization", Api.INTERNAL).get("/internal/v1/accounts/" + a.id() + "/routing-view")
                .then().statusCode(200).body("account_id", equalTo(a.id()));
    }

    @Test
    void billingsTokenLooksUpApiKeysByHashAndById() {
        Api.Account a = Api.newAccount();
        String hash = KeyMaterial.sha256Hex(a.managementKey());

        String id = given().header("Authorization", Api.BILLING).get("/internal/v1/api-keys/" + hash)
                .then().statusCode(200).body("account_id", equalTo(a.id())).extract().path("api_key_id");
        given().header("Authorization", Api.BILLING).get("/internal/v1/api-keys/by-id/" + id)
                .then().statusCode(200).body("account_id", equalTo(a.id()));
    }

    @Test
    void theRetiredSharedInternalTokenAndTheAdminTokenOpenNothingInternal() {
        Api.Account a = Api.newAccount();
        for (String token : new String[] {"Bearer local-internal-token", Api.ADMIN}) {
            given().header("Authorization", token).get("/internal/v1/accounts/" + a.id() + "/routing-view")
                    .then().statusCode(401).body("error.message", equalTo("invalid internal token"));
            given().header("Authorization", token).get("/internal/v1/api-keys/" + "0".repeat(64))
                    .then().statusCode(401);
        }
    }
}
