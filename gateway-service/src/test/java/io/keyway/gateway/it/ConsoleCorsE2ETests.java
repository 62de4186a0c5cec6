package io.keyway.gateway.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsStringIgnoringCase;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * On three ports (as locally) the console's origin — key-service's — may call the gateway and billing-service from the
 * browser, and no other origin may: CORS is limited to the console (KeywayServices sets it as services.sh does).
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class ConsoleCorsE2ETests {

    private static final String STRANGER = "http://127.0.0.1:1";

    private static RequestSpecification preflight(String origin, String method) {
        return given().header("Origin", origin).header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", "authorization,content-type");
    }

    @Test
    void gatewayAllowsTheConsolesOriginWithItsAuthorizationHeaderAndNoOtherOrigin() {
        preflight(KeywayServices.keyServiceUrl, "GET").options("/api/v1/generations").then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(KeywayServices.keyServiceUrl))
                .header("Access-Control-Allow-Headers", containsStringIgnoringCase("authorization"));
        given().header("Origin", KeywayServices.keyServiceUrl).get("/api/v1/models").then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(KeywayServices.keyServiceUrl));
        preflight(STRANGER, "GET").options("/api/v1/generations").then()
                .header("Access-Control-Allow-Origin", not(equalTo(STRANGER)));
        given().header("Origin", STRANGER).get("/api/v1/models").then()
                .header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void billingAllowsTheConsolesOriginAndNoOtherOrigin() {
        preflight(KeywayServices.keyServiceUrl, "GET").baseUri(KeywayServices.billingUrl).options("/api/v1/credits")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(KeywayServices.keyServiceUrl));
        // the ledger's CSV pages say whether more follow in X-Has-More: the browser may read it
        given().baseUri(KeywayServices.billingUrl).header("Origin", KeywayServices.keyServiceUrl).get("/q/health/live")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(KeywayServices.keyServiceUrl))
                .header("Access-Control-Expose-Headers", containsStringIgnoringCase("X-Has-More"));
        preflight(STRANGER, "GET").baseUri(KeywayServices.billingUrl).options("/api/v1/credits").then()
                .header("Access-Control-Allow-Origin", not(equalTo(STRANGER)));
    }

    @Test
    void keyServiceServesTheConsoleWithTheOtherServicesUrls() {
        given().baseUri(KeywayServices.keyServiceUrl).get("/console/config.json").then().statusCode(200)
                .body("gateway_url", equalTo(KeywayServices.gatewayUrl))
                .body("billing_url", equalTo(KeywayServices.billingUrl));
    }
}
