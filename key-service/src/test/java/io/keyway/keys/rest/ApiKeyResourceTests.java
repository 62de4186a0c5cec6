package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.keys.service.KeyMaterial;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ApiKeyResourceTests {

    @Test
    void createdKeyIsShownOnceAndOnlyItsSha256HashIsStored() {
        Api.Account a = Api.newAccount();
        Response r = a.mgmt().body(Map.of("name", "ci", "limit", 12.5, "limit_reset", "monthly",
                "include_byok_in_limit", true)).post("/api/v1/keys");
        r.then().statusCode(201)
                .body("key", startsWith("sk-kw-v1-"))
                .body("data.name", equalTo("ci"))
                .body("data.limit", equalTo(12.5f))
                .body("data.limit_reset", equalTo("monthly"))
                .body("data.include_byok_in_limit", equalTo(true))
                .body("data.disabled", equalTo(false))
                .body("data.label", startsWith("sk-kw-v1-"))
                .body("data", org.hamcrest.Matchers.hasKey("workspace_id"))
                .body("data", org.hamcrest.Matchers.hasKey("expires_at"));
        String key = r.path("key");
        assertTrue(key.matches("^sk-kw-v1-[0-9a-f]{64}$"), "key format");
        assertEquals(KeyMaterial.sha256Hex(key), r.path("data.hash"));
        assertFalse(((String) r.path("data.label")).contains(key.substring(12, 40)), "label must be masked");

        assertEquals(0, Api.nativeCount("select count(*) from api_keys where hash = '" + key + "' or label = '" + key + "'"));
        assertEquals(1, Api.nativeCount("select count(*) from api_keys where hash = '" + KeyMaterial.sha256Hex(key) + "'"));

        a.mgmt().get("/api/v1/keys/" + r.path("data.hash")).then().statusCode(200)
                .body("data.hash", equalTo((String) r.path("data.hash")))
                .body("key", nullValue());
        a.mgmt().get("/api/v1/keys").then().statusCode(200).body("data.hash", hasItem((String) r.path("data.hash")));
    }

    @Test
    void patchLeavesOmittedFieldsUnchangedAndNullClearsThem() {
        Api.Account a = Api.newAccount();
        String hash = a.mgmt().body(Map.of("name", "k", "limit", "5", "limit_reset", "daily")).post("/api/v1/keys")
                .then().statusCode(201).extract().path("data.hash");

        a.mgmt().body(Map.of("disabled", true)).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.disabled", equalTo(true))
                .body("data.name", equalTo("k"))
                .body("data.limit", equalTo(5))
                .body("data.limit_reset", equalTo("daily"));

        Map<String, Object> clear = new HashMap<>();
        clear.put("limit", null);
        clear.put("limit_reset", null);
        a.mgmt().body(clear).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.limit", nullValue())
                .body("data.limit_reset", nullValue())
                .body("data.disabled", equalTo(true));

        Map<String, Object> nullName = new HashMap<>();
        nullName.put("name", null);
        a.mgmt().body(nullName).patch("/api/v1/keys/" + hash).then().statusCode(400)
                .body("error.code", equalTo(400)).body("error.message", org.hamcrest.Matchers.containsString("name"));
    }

    @Test
    void disabledKeysAreListedOnlyWhenAskedFor() {
        Api.Account a = Api.newAccount();
        String[] k = Api.newApiKey(a, "x");
        a.mgmt().body(Map.of("disabled", true)).patch("/api/v1/keys/" + k[0]).then().statusCode(200);
        a.mgmt().get("/api/v1/keys").then().statusCode(200).body("data.hash", not(hasItem(k[0])));
        a.mgmt().queryParam("include_disabled", true).get("/api/v1/keys").then().statusCode(200)
                .body("data.hash", hasItem(k[0]));
    }

    @Test
    void staleVersionInBodyOrIfMatchIsRejectedWith409() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "v")[0];
        int v0 = a.mgmt().get("/api/v1/keys/" + hash).path("data.version");
        a.mgmt().body(Map.of("name", "v1", "version", v0)).patch("/api/v1/keys/" + hash).then().statusCode(200);
        a.mgmt().body(Map.of("name", "stale", "version", v0)).patch("/api/v1/keys/" + hash).then().statusCode(409)
                .body("error.code", equalTo(409)).body("error.metadata.current_version", equalTo(v0 + 1));
        a.mgmt().header("If-Match", "\"" + v0 + "\"").body(Map.of("name", "stale")).patch("/api/v1/keys/" + hash)
                .then().statusCode(409);
        a.mgmt().header("If-Match", "\"" + (v0 + 1) + "\"").body(Map.of("name", "fresh")).patch("/api/v1/keys/" + hash)
                .then().statusCode(200).body("data.name", equalTo("fresh"));
        a.mgmt().get("/api/v1/keys/" + hash).then().body("data.name", equalTo("fresh"));
    }

    @Test
    void invalidFieldsGive400NamingTheField() {
        Api.Account a = Api.newAccount();
        long before = Api.count(io.keyway.keys.model.ApiKey.class);
        expect400(a, Map.of(), "name");
        expect400(a, Map.of("name", 5), "name");
        expect400(a, Map.of("name", "n", "limit", -1), "limit");
        expect400(a, Map.of("name", "n", "limit", "abc"), "limit");
        expect400(a, Map.of("name", "n", "limit_reset", "hourly"), "limit_reset");
        expect400(a, Map.of("name", "n", "include_byok_in_limit", "yes"), "include_byok_in_limit");
        expect400(a, Map.of("name", "n", "expires_at", "2001-01-01T00:00:00Z"), "expires_at");
        expect400(a, Map.of("name", "n", "expires_at", "tomorrow"), "expires_at");
        expect400(a, Map.of("name", "n", "colour", "red"), "colour");
        assertEquals(before, Api.count(io.keyway.keys.model.ApiKey.class));
    }

    private static void expect400(Api.Account a, Map<String, Object> body, String field) {
        a.mgmt().body(body).post("/api/v1/keys").then().statusCode(400)
                .contentType(ContentType.JSON)
                .body("error.code", equalTo(400))
                .body("error.message", org.hamcrest.Matchers.containsString(field))
                .body("error.metadata", notNullValue());
    }

    @Test
    void inferenceKeyCannotManageAndUnknownKeyIsUnauthorized() {
        Api.Account a = Api.newAccount();
        String[] k = Api.newApiKey(a, "inference");
        given().header("Authorization", "Bearer " + k[1]).get("/api/v1/keys").then().statusCode(403)
                .body("error.message", equalTo("Only management keys can perform this operation"));
        given().header("Authorization", "Bearer sk-kw-mgmt-v1-" + "0".repeat(64)).get("/api/v1/keys").then()
                .statusCode(401).body("error.code", equalTo(401));
        given().get("/api/v1/keys").then().statusCode(401).body("error.code", equalTo(401));
    }

    @Test
    void deletedKeyIsGoneAndNoLongerResolves() {
        Api.Account a = Api.newAccount();
        String[] k = Api.newApiKey(a, "gone");
        a.mgmt().delete("/api/v1/keys/" + k[0]).then().statusCode(200).body("deleted", equalTo(true));
        a.mgmt().get("/api/v1/keys/" + k[0]).then().statusCode(404).body("error.code", equalTo(404));
        given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + k[0]).then().statusCode(404);
        assertTrue(Api.auditCount(a.id(), "delete", "api_key") == 1);
    }
}
