package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.ApiKeyResolution;
import io.keyway.contracts.RoutingView;
import io.keyway.keys.service.KeyMaterial;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class InternalApiTests {

    @Test
    void internalApiRequiresTheInternalToken() {
        Api.Account a = Api.newAccount();
        given().get("/internal/v1/accounts/" + a.id() + "/routing-view").then().statusCode(401).body("error.code", equalTo(401));
        given().header("Authorization", Api.ADMIN).get("/internal/v1/accounts/" + a.id() + "/routing-view").then().statusCode(401);
        given().header("Authorization", "Bearer " + a.managementKey()).get("/internal/v1/api-keys/" + "a".repeat(64))
                .then().statusCode(401);
    }

    @Test
    void apiKeysAndManagementKeysResolveByHashAndApiKeysById() {
        Api.Account a = Api.newAccount();
        Response created = a.mgmt().body(Map.of("name", "app", "limit", "2.5", "limit_reset", "weekly",
                "include_byok_in_limit", true, "expires_at", "2099-01-01T00:00:00Z")).post("/api/v1/keys");
        String hash = created.path("data.hash");
        ApiKeyResolution r = given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + hash)
                .then().statusCode(200).extract().as(ApiKeyResolution.class);
        assertEquals(a.id(), r.accountId());
        assertEquals("app", r.name());
        assertEquals(false, r.management());
        assertEquals(0, new java.math.BigDecimal("2.5").compareTo(r.limit()));
        assertEquals("weekly", r.limitReset());
        assertTrue(r.includeByokInLimit());
        assertEquals(java.time.Instant.parse("2099-01-01T00:00:00Z"), r.expiresAt());

        given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/by-id/" + r.apiKeyId())
                .then().statusCode(200).body("account_id", equalTo(a.id())).body("name", equalTo("app"));

        given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + KeyMaterial.sha256Hex(a.managementKey()))
                .then().statusCode(200).body("is_management_key", equalTo(true)).body("account_id", equalTo(a.id()));

        given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + "0".repeat(64)).then().statusCode(404)
                .body("error.code", equalTo(404));
        given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/by-id/" + java.util.UUID.randomUUID())
                .then().statusCode(404);
    }

    @Test
    void routingViewCarriesEnabledKeysInSectionOrderSettingsAndPooledCredentialsWithAnEtag() {
        Api.Account a = Api.newAccount();
        String fb = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-fb-"), "is_fallback", true))
                .then().statusCode(201).extract().path("data.id");
        String p0 = Api.newByokId(a, "openai", Api.randomToken("sk-p0-"));
        String off = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-off-"), "disabled", true))
                .then().statusCode(201).extract().path("data.id");
        a.mgmt().body(Map.of("ignored_providers", List.of("deepinfra"), "byok_precedence", "order_first"))
                .patch("/api/v1/settings").then().statusCode(200);
        String pooledSecret = Api.randomToken("pool-");
        String pooledId = given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "routing-view-test", "key", pooledSecret)).post("/admin/v1/pooled-credentials")
                .then().statusCode(201).extract().path("data.id");
        try {
            Response r = Api.routingView(a.id());
            r.then().statusCode(200).header("Cache-Control", "no-store");
            RoutingView view = r.as(RoutingView.class);
            assertEquals(a.id(), view.accountId());
            assertEquals("order_first", view.byokPrecedence());
            assertEquals(List.of("deepinfra"), view.ignoredProviders());
            assertEquals(List.of(p0, fb), view.byokKeys().stream().map(RoutingView.ByokKey::id).toList());
            assertEquals(List.of("PRIORITIZED", "FALLBACK"), view.byokKeys().stream().map(RoutingView.ByokKey::section).toList());
            assertTrue(view.pooled().stream().anyMatch(p -> p.id().equals(pooledId) && p.credential().secret().equals(pooledSecret)));
            r.then().body("byok_keys.id", not(hasItem(off)));
            assertEquals("\"" + view.version() + "\"", r.header("ETag"));
            assertTrue(Api.auditCount(a.id(), "secret_read", "byok_key") >= 2, "secret reads are audited");

            // unchanged -> 304 without a body; any change -> a new version
            given().header("Authorization", Api.INTERNAL).header("If-None-Match", r.header("ETag"))
                    .get("/internal/v1/accounts/" + a.id() + "/routing-view").then().statusCode(304);
            a.mgmt().body(Map.of("disabled", true)).patch("/api/v1/byok/" + p0).then().statusCode(200);
            Response changed = given().header("Authorization", Api.INTERNAL).header("If-None-Match", r.header("ETag"))
                    .get("/internal/v1/accounts/" + a.id() + "/routing-view");
            changed.then().statusCode(200).body("byok_keys.id", equalTo(List.of(fb)));
            assertNotEquals(r.header("ETag"), changed.header("ETag"));
        } finally {
            given().header("Authorization", Api.ADMIN).delete("/admin/v1/pooled-credentials/" + pooledId).then().statusCode(200);
        }
        // a platform change (pooled credential deleted) changes every account's version
        Response afterPlatform = Api.routingView(a.id());
        afterPlatform.then().body("pooled.id", not(hasItem(pooledId)));
    }

    @Test
    void routingViewOfAnUnknownAccountIsNotFound() {
        Api.routingView(java.util.UUID.randomUUID().toString()).then().statusCode(404).body("error.code", equalTo(404));
        Api.routingView("nope").then().statusCode(404);
    }

    @Test
    void pooledCredentialsAreAdminOnlyAndShowOnlyTheirLabel() {
        Api.Account a = Api.newAccount();
        String secret = Api.randomToken("pool-");
        a.mgmt().body(Map.of("provider", "x", "key", secret)).post("/admin/v1/pooled-credentials").then().statusCode(401);
        Response created = given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "admin-only-test", "key", secret, "name", "p")).post("/admin/v1/pooled-credentials");
        created.then().statusCode(201).body("data.label", equalTo("poo..." + secret.substring(secret.length() - 4)))
                .body("data.position", equalTo(0)).body("data.secret_store", equalTo("local"));
        String id = created.path("data.id");
        String listed = given().header("Authorization", Api.ADMIN).get("/admin/v1/pooled-credentials").then().statusCode(200)
                .body("data.id", hasItem(id)).extract().asString();
        assertTrue(!listed.contains(secret) && !created.asString().contains(secret));
        given().header("Authorization", Api.ADMIN).delete("/admin/v1/pooled-credentials/" + id).then().statusCode(200);
        given().header("Authorization", Api.ADMIN).delete("/admin/v1/pooled-credentials/" + id).then().statusCode(404);
    }

    @Test
    void adminCreatesAccountsWithSettingsAndReadsThem() {
        Response r = given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "Acme", "default_secret_store", "local")).post("/admin/v1/accounts");
        r.then().statusCode(201).body("data.name", equalTo("Acme"));
        assertTrue(((String) r.path("management_key")).matches("^sk-kw-mgmt-v1-[0-9a-f]{64}$"));
        String id = r.path("data.id");
        given().header("Authorization", Api.ADMIN).get("/admin/v1/accounts/" + id + "/settings").then().statusCode(200)
                .body("data.default_secret_store", equalTo("local"))
                .body("data.byok_precedence", equalTo("byok_first"))
                .body("data.ignored_providers", equalTo(List.of()));
        given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("byok_precedence", "sideways")).patch("/admin/v1/accounts/" + id + "/settings")
                .then().statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("byok_precedence"));
        given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("byok_precedence", "order_first", "version", 0)).patch("/admin/v1/accounts/" + id + "/settings")
                .then().statusCode(200).body("data.byok_precedence", equalTo("order_first")).body("data.version", equalTo(1));
        given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("byok_precedence", "byok_first", "version", 0)).patch("/admin/v1/accounts/" + id + "/settings")
                .then().statusCode(409);
        given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("default_secret_store", "floppy")).patch("/admin/v1/accounts/" + id + "/settings")
                .then().statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("default_secret_store"));
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body(Map.of("name", "x"))
                .post("/admin/v1/accounts").then().statusCode(401);
        given().header("Authorization", Api.ADMIN).get("/admin/v1/accounts/" + java.util.UUID.randomUUID() + "/settings")
                .then().statusCode(404);
        given().header("Authorization", Api.ADMIN).get("/admin/v1/accounts/" + id).then().statusCode(200)
                .body("data.id", equalTo(id)).body("management_key", nullValue());
    }
}
