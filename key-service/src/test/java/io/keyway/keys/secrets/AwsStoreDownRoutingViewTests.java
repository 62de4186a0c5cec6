package io.keyway.keys.secrets;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 5, one store down: with AWS Secrets Manager unreachable (moto behind a relay the test cuts) and no
 * copy of its secrets left, an account's routing view is still served — pooled credentials and keys kept in the
 * local store with their secrets, the aws key with none and named in {@code left_out} — under a version of its own,
 * so the gateway gets the full view once the store is back.
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
@QuarkusTestResource(AwsRelayResource.class)
class AwsStoreDownRoutingViewTests {

    static final String ADMIN = "Bearer local-admin-token";
    static final String GATEWAY = "Bearer local-gateway-token";

    @Inject
    SecretStores stores;

    @Inject
    CircuitBreakerMaintenance breakers;

    @AfterEach
    void storeBack() throws Exception {
        AwsRelayResource.relay.restore();
        breakers.resetAll();
    }

    private static String fakeSecret(String prefix) {
        return prefix + "-fake-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static Response view(String accountId, String ifNoneMatch) {
        var request = given().header("Authorization", GATEWAY);
        if (ifNoneMatch != null) {
            request = request.header("If-None-Match", ifNoneMatch);
        }
        return request.get("/internal/v1/accounts/" + accountId + "/routing-view");
    }

    @Test
    void withTheAwsStoreDownTheViewKeepsPooledAndLocalKeysAndNamesTheAwsKeyAsLeftOut() throws Exception {
        Response account = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "aws-down-" + UUID.randomUUID())).post("/admin/v1/accounts");
        account.then().statusCode(201);
        String accountId = account.path("data.id");
        var mgmt = given().header("Authorization", "Bearer " + account.path("management_key"))
                .contentType(ContentType.JSON);
        String localSecret = fakeSecret("local");
        String awsSecret = fakeSecret("aws");
        String pooledSecret = fakeSecret("pooled");
        String localKey = mgmt.body(Map.of("provider", "openai", "key", localSecret, "secret_store", "local"))
                .post("/api/v1/byok").then().statusCode(201).extract().path("data.id");
        String awsKey = given().header("Authorization", "Bearer " + account.path("management_key"))
                .contentType(ContentType.JSON)
                .body(Map.of("provider", "openai", "key", awsSecret, "secret_store", "aws", "is_fallback", true))
                .post("/api/v1/byok").then().statusCode(201).extract().path("data.id");
        String pooledProvider = "aws-down-pool-" + UUID.randomUUID().toString().substring(0, 8);
        String pooledId = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", pooledProvider, "key", pooledSecret, "secret_store", "local"))
                .post("/admin/v1/pooled-credentials").then().statusCode(201).extract().path("data.id");
        try {
            Response full = view(accountId, null);
            full.then().statusCode(200).body("left_out", equalTo(java.util.List.of()))
                    .body("byok_keys.find { it.id == '" + awsKey + "' }.credential.secret", equalTo(awsSecret));
            String fullVersion = full.path("version");

            stores.clearCaches(); // no copy within the stale window: the store itself must answer
            AwsRelayResource.relay.cut();

            // a gateway that holds the full view keeps it: nothing changed, no secret is read
            view(accountId, "\"" + fullVersion + "\"").then().statusCode(304);
            // a gateway without a copy gets what can be served
            Response partial = view(accountId, null);
            partial.then().statusCode(200)
                    .body("version", startsWith(fullVersion + ".partial-"))
                    .body("byok_keys.find { it.id == '" + localKey + "' }.credential.secret", equalTo(localSecret))
                    .body("pooled.find { it.id == '" + pooledId + "' }.credential.secret", equalTo(pooledSecret))
                    .body("byok_keys.find { it.id == '" + awsKey + "' }.credential", nullValue())
                    .body("byok_keys.find { it.id == '" + awsKey + "' }.section", equalTo("FALLBACK"))
                    .body("left_out.find { it.id == '" + awsKey + "' }.kind", equalTo("byok_key"))
                    .body("left_out.find { it.id == '" + awsKey + "' }.provider", equalTo("openai"))
                    .body("left_out.find { it.id == '" + awsKey + "' }.reason", equalTo("secret_store_unavailable"))
                    .body("left_out.id", not(hasItem(localKey)))
                    .body("left_out.id", not(hasItem(pooledId)));
            String partialVersion = partial.path("version");
            assertFalse(partial.asString().contains(awsSecret));
            partial.then().header("ETag", "\"" + partialVersion + "\"");

            AwsRelayResource.relay.restore();
            breakers.resetAll();
            // the gateway revalidates its partial view: never a 304, the full view now
            view(accountId, "\"" + partialVersion + "\"").then().statusCode(200)
                    .body("version", equalTo(fullVersion))
                    .body("left_out", equalTo(java.util.List.of()))
                    .body("byok_keys.find { it.id == '" + awsKey + "' }.credential.secret", equalTo(awsSecret));
            view(accountId, "\"" + fullVersion + "\"").then().statusCode(304);
        } finally {
            given().header("Authorization", ADMIN).delete("/admin/v1/pooled-credentials/" + pooledId);
        }
    }
}
