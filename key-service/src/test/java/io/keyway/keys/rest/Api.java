package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;

import io.keyway.keys.model.AuditEntry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;

/** Test helpers that drive key-service over HTTP the way its clients do, plus row counts from the real database. */
final class Api {

    static final String ADMIN = "Bearer local-admin-token";
    /** The gateway's token: it may use every /internal/v1 scope (billing's is {@link #BILLING}). */
    static final String INTERNAL = "Bearer local-gateway-token";
    /** billing-service's token: API-key lookups only. */
    static final String BILLING = "Bearer local-billing-token";

    private Api() {
    }

    /** A fresh account and its first management key. */
    record Account(String id, String managementKey) {
        RequestSpecification mgmt() {
            return given().header("Authorization", "Bearer " + managementKey).contentType(ContentType.JSON);
        }

        /** The id of the first management key, as the internal lookup reports it. */
        String managementKeyId() {
            return given().header("Authorization", INTERNAL)
                    .get("/internal/v1/api-keys/" + io.keyway.keys.service.KeyMaterial.sha256Hex(managementKey))
                    .then().statusCode(200).extract().path("api_key_id");
        }
    }

    static Account newAccount() {
        Response r = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "acct-" + UUID.randomUUID())).post("/admin/v1/accounts");
        r.then().statusCode(201);
        return new Account(r.path("data.id"), r.path("management_key"));
    }

    /** Creates an API key; returns {hash, key}. */
    static String[] newApiKey(Account a, String name) {
        Response r = a.mgmt().body(Map.of("name", name)).post("/api/v1/keys");
        r.then().statusCode(201);
        return new String[] {r.path("data.hash"), r.path("key")};
    }

    static Response newByok(Account a, Map<String, Object> body) {
        return a.mgmt().body(body).post("/api/v1/byok");
    }

    static String newByokId(Account a, String provider, String key) {
        Response r = newByok(a, Map.of("provider", provider, "key", key));
        r.then().statusCode(201);
        return r.path("data.id");
    }

    /** Creates a pooled (platform) credential through the admin API; returns its id. */
    static String newPooledId(String provider, String key) {
        Response r = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", provider, "key", key)).post("/admin/v1/pooled-credentials");
        r.then().statusCode(201);
        return r.path("data.id");
    }

    static RequestSpecification admin() {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON);
    }

    /** A generated provider secret for a test, visibly fake (FAKE after the prefix); NoSecretInSuiteLogs knows its shape. */
    static String randomToken(String prefix) {
        return prefix + "FAKE-" + UUID.randomUUID().toString().replace("-", "") + "Zz9Q";
    }

    static Response routingView(String accountId) {
        return given().header("Authorization", INTERNAL).get("/internal/v1/accounts/" + accountId + "/routing-view");
    }

    static long count(Class<? extends PanacheEntityBase> entity) {
        return await(() -> Panache.withSession(() -> countOf(entity)));
    }

    private static io.smallrye.mutiny.Uni<Long> countOf(Class<? extends PanacheEntityBase> entity) {
        return Panache.getSession().flatMap(s -> s.createQuery("select count(*) from " + entity.getSimpleName(), Long.class)
                .getSingleResult());
    }

    static long auditCount(String accountId, String action, String objectType) {
        return await(() -> Panache.withSession(() -> AuditEntry.count(
                "accountId = ?1 and action = ?2 and objectType = ?3", UUID.fromString(accountId), action, objectType)));
    }

    static long nativeCount(String sql) {
        return await(() -> Panache.withSession(() -> Panache.getSession().flatMap(s -> s.createNativeQuery(sql, Long.class)
                .getSingleResult())));
    }

    static <T> T await(java.util.function.Supplier<io.smallrye.mutiny.Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work::get);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
