package io.keyway.keys.secrets;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.keys.service.RoutingViewService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, items 3 and 7, with the account's store (Vault, through its stand-in) down: a create with an
 * Idempotency-Key no longer depends on a store to complete its record, and a routing view built from a stale copy
 * is never confirmed by a 304 once the store is back.
 */
@QuarkusTest
@QuarkusTestResource(VaultStandInResource.class)
class StoreDownDuringWritesAndViewsTests {

    @Inject
    RoutingViewService views;

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

    private static Response newAccount(String defaultStore) {
        Response r = given().header("Authorization", "Bearer local-admin-token").contentType(ContentType.JSON)
                .body(Map.of("name", "store-down-" + UUID.randomUUID(), "default_secret_store", defaultStore))
                .post("/admin/v1/accounts");
        r.then().statusCode(201);
        return r;
    }

    @Test
    void anApiKeyCreatedWhileTheAccountsStoreIsDownIsReplayedAfterTwoMinutesNotCreatedTwice() {
        Response account = newAccount("vault");
        String mgmt = "Bearer " + account.path("management_key");
        String idem = UUID.randomUUID().toString();
        VaultStandInControl.seal();

        Response first = given().header("Authorization", mgmt).header("Idempotency-Key", idem)
                .contentType(ContentType.JSON).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        first.then().statusCode(201);

        VaultStandInControl.reset();
        // A retry after the 2 minutes that make a pending record "abandoned".
        sql("update idempotency_records set created_at = now() - interval '3 minutes' where idempotency_key = '"
                + idem + "'");
        given().header("Authorization", mgmt).header("Idempotency-Key", idem).contentType(ContentType.JSON)
                .body("{\"name\":\"ci\"}").post("/api/v1/keys").then().statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("data.hash", equalTo((String) first.path("data.hash")))
                .body("key", nullValue())
                .body("key_shown_once", equalTo(true));
        given().header("Authorization", mgmt).get("/api/v1/keys").then().statusCode(200).body("data.size()", equalTo(1));
    }

    @Test
    void aViewServedFromAStaleCopyWhileTheStoreIsDownIsReplacedNotConfirmedOnceTheStoreIsBack() throws Throwable {
        Response account = newAccount("local");
        UUID accountId = UUID.fromString(account.path("data.id"));
        String mgmt = "Bearer " + account.path("management_key");
        given().header("Authorization", mgmt).contentType(ContentType.JSON)
                .body(Map.of("provider", "openai", "key", TestSecrets.fakeSecret(),
                        "secret_store", "vault"))
                .post("/api/v1/byok").then().statusCode(201);
        RoutingViewService.Result fresh = VertxContextSupport.subscribeAndAwait(() -> views.view(accountId, null));
        VaultStandInControl.seal();
        clock.advance(Duration.ofSeconds(31)); // past the cache TTL, within the stale window

        // A gateway without a copy (just started, or its copy expired) gets the stale one, marked as such.
        RoutingViewService.Result stale = VertxContextSupport.subscribeAndAwait(() -> views.view(accountId, null));
        assertNotNull(stale.view(), "served from the stale copy");
        assertTrue(stale.version().startsWith(fresh.version() + ".stale-"), stale.version());

        VaultStandInControl.reset();
        RoutingViewService.Result back = VertxContextSupport.subscribeAndAwait(
                () -> views.view(accountId, "\"" + stale.version() + "\""));
        assertNotNull(back.view(), "the stale view's version is never answered with 304");
        assertEquals(fresh.version(), back.version());
        assertNotEquals(stale.version(), back.version());
    }

    private static void sql(String statement) {
        try {
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> Panache.getSession()
                    .flatMap(s -> s.createNativeQuery(statement).executeUpdate())));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
