package io.keyway.keys.secrets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.RoutingView;
import io.keyway.keys.service.AuditLog;
import io.keyway.keys.service.RoutingViewService;
import io.keyway.keys.service.SecretAccess;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 3: a rotation takes effect on every key-service replica, not only the one that handled it.
 *
 * <p>Replica A is this Quarkus application (its HTTP API, its {@link SecretStores} cache). Replica B is a second set of
 * the same service classes — its own {@link SecretStores} with its own {@code cache-ttl} cache, a
 * {@link RoutingViewService} on top — over the same database and stores, which is what another pod shares with A.
 */
@QuarkusTest
class RotationAcrossReplicasTests {

    @Inject
    @Any
    Instance<SecretStore> storeBeans;

    @Inject
    SecretStoresConfig config;

    @Inject
    SecretClock clock;

    @Inject
    AuditLog audit;

    @Test
    void aKeyRotatedThroughReplicaAIsInReplicaBsNextRoutingViewUnderANewVersion() throws Throwable {
        RoutingViewService replicaB = new RoutingViewService(
                new SecretAccess(new SecretStores(storeBeans, config, clock, "-replica-b")), audit);
        Response account = given().header("Authorization", "Bearer local-admin-token").contentType(ContentType.JSON)
                .body(Map.of("name", "replicas-" + UUID.randomUUID())).post("/admin/v1/accounts");
        account.then().statusCode(201);
        UUID accountId = UUID.fromString(account.path("data.id"));
        String mgmt = "Bearer " + account.path("management_key");
        String oldSecret = secret();
        String byokId = given().header("Authorization", mgmt).contentType(ContentType.JSON)
                .body(Map.of("provider", "openai", "key", oldSecret)).post("/api/v1/byok")
                .then().statusCode(201).extract().path("data.id");

        RoutingViewService.Result before = VertxContextSupport.subscribeAndAwait(() -> replicaB.view(accountId, null));
        // assertTrue, not assertEquals: a failure must not print the (fake) secrets.
        assertTrue(oldSecret.equals(only(before.view()).credential().secret()), "replica B has read (and cached) the key");

        String newSecret = secret();
        given().header("Authorization", mgmt).contentType(ContentType.JSON).body(Map.of("key", newSecret))
                .post("/api/v1/byok/" + byokId + "/rotate").then().statusCode(200);

        // The gateway revalidates with the ETag it holds; replica B must not answer 304, nor the old secret.
        RoutingViewService.Result after = VertxContextSupport.subscribeAndAwait(
                () -> replicaB.view(accountId, "\"" + before.version() + "\""));
        assertNotNull(after.view(), "a changed view is sent again, not 304");
        assertNotEquals(before.version(), after.version());
        assertTrue(newSecret.equals(only(after.view()).credential().secret()),
                "replica B serves the rotated secret within its cache-ttl of the old one");
        RoutingViewService.Result again = VertxContextSupport.subscribeAndAwait(
                () -> replicaB.view(accountId, "\"" + after.version() + "\""));
        assertEquals(null, again.view(), "and the new version is stable: 304 from then on");
    }

    private static RoutingView.ByokKey only(RoutingView view) {
        assertEquals(1, view.byokKeys().size());
        return view.byokKeys().get(0);
    }

    private static String secret() {

        return TestSecrets.fakeSecret();

    }
}
