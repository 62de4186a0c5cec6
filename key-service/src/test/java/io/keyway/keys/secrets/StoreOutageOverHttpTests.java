package io.keyway.keys.secrets;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A secret store that is down, seen through the HTTP API: a write is a clear 503 that names the store, nothing
 * half-written; a routing view is still served, and a credential it could not read is never silently missing (it is
 * named in {@code left_out}); a secret read within the stale window is still served.
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class StoreOutageOverHttpTests {

    static final String ADMIN = "Bearer local-admin-token";
    static final String INTERNAL = "Bearer local-gateway-token";

    @Inject
    SecretStores stores;

    @Inject
    AdjustableSecretClock clock;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void healthyVault() {
        VaultStandInControl.reset();
        breakers.resetAll();
    }

    record Account(String id, String managementKey) {
        RequestSpecification mgmt() {
            return given().header("Authorization", "Bearer " + managementKey).contentType(ContentType.JSON);
        }
    }

    static Account newAccount() {
        Response r = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "outage-" + UUID.randomUUID())).post("/admin/v1/accounts");
        r.then().statusCode(201);
        return new Account(r.path("data.id"), r.path("management_key"));
    }

    static String secret() {

        return TestSecrets.fakeSecret();

    }

    static Response routingView(Account a) {
        return given().header("Authorization", INTERNAL).get("/internal/v1/accounts/" + a.id() + "/routing-view");
    }

    @Test
    void aByokCreateWhileVaultIsSealedIs503NamingTheStoreAndWritesNothing() {
        Account a = newAccount();
        String key = secret();
        VaultStandInControl.seal();

        String body = a.mgmt().body(Map.of("provider", "openai", "key", key, "secret_store", "vault")).post("/api/v1/byok")
                .then().statusCode(503).contentType(ContentType.JSON)
                .body("error.code", equalTo(503))
                .body("error.message", containsString("'vault'"))
                .body("error.metadata.secret_store", equalTo("vault"))
                .extract().asString();
        assertFalse(body.contains(key));

        VaultStandInControl.reset();
        a.mgmt().get("/api/v1/byok").then().statusCode(200).body("data", equalTo(List.of()));
    }

    @Test
    void aRoutingViewWhoseVaultSecretCannotBeReadLeavesThatKeysSecretOutAndSaysSoNeverSilently() {
        Account a = newAccount();
        String key = secret();
        String id = a.mgmt().body(Map.of("provider", "openai", "key", key, "secret_store", "vault")).post("/api/v1/byok")
                .then().statusCode(201).extract().path("data.id");
        stores.clearCaches();
        VaultStandInControl.seal();

        routingView(a).then().statusCode(200)
                .body("byok_keys[0].id", equalTo(id))
                .body("byok_keys[0].credential", equalTo(null))
                .body("left_out.find { it.id == '" + id + "' }.reason", equalTo("secret_store_unavailable"));

        VaultStandInControl.reset();
        routingView(a).then().statusCode(200).body("byok_keys[0].credential.secret", equalTo(key));
    }

    @Test
    void withinTheStaleWindowASealedVaultStillServesTheKeysSecretAndAfterItTheKeyIsLeftOut() {
        Account a = newAccount();
        String key = secret();
        String id = a.mgmt().body(Map.of("provider", "openai", "key", key, "secret_store", "vault")).post("/api/v1/byok")
                .then().statusCode(201).extract().path("data.id");
        routingView(a).then().statusCode(200).body("byok_keys[0].credential.secret", equalTo(key));
        VaultStandInControl.seal();

        clock.advance(Duration.ofSeconds(31)); // past the cache TTL (30 s), within the stale window (15 min)
        routingView(a).then().statusCode(200).body("byok_keys[0].credential.secret", equalTo(key));

        clock.advance(Duration.ofMinutes(16));
        routingView(a).then().statusCode(200)
                .body("byok_keys[0].credential", equalTo(null))
                .body("left_out.find { it.id == '" + id + "' }.kind", equalTo("byok_key"));
    }
}
