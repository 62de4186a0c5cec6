package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** billing's /internal/v1 has one caller, the gateway: only the gateway's token opens it. */
@QuarkusTest
class InternalApiTokenTests {

    private static final String PATH = "/internal/v1/api-keys/{k}/usage";

    @Test
    void theGatewaysTokenReadsAKeysUsage() {
        given().header("Authorization", "Bearer local-gateway-token").get(PATH, "key-unused-" + UsageEvents.id())
                .then().statusCode(200).body("data.usage", equalTo("0"));
    }

    @Test
    void billingsOwnTokenTheAdminTokenAndTheRetiredSharedTokenAreRefused() {
        for (String token : new String[] {"local-billing-token", "local-admin-token", "local-internal-token"}) {
            given().header("Authorization", "Bearer " + token).get(PATH, "key-unused")
                    .then().statusCode(401).contentType("application/json")
                    .body("error.message", containsString("gateway's internal token required"));
        }
    }
}
