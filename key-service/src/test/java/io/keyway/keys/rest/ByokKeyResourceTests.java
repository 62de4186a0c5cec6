package io.keyway.keys.rest;

import io.keyway.keys.FakeCredentials;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.keyway.keys.model.ByokKey;
import io.restassured.path.json.JsonPath;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ByokKeyResourceTests {

    @Test
    void createdKeyShowsOnlyTheMaskedLabelAndItsSecretReachesTheRoutingView() {
        Api.Account a = Api.newAccount();
        String secret = Api.randomToken("test-openai-");
        Response r = Api.newByok(a, Map.of("provider", "openai", "key", secret, "name", "main"));
        r.then().statusCode(201)
                .body("data.provider", equalTo("openai"))
                .body("data.name", equalTo("main"))
                .body("data.label", equalTo(secret.substring(0, 3) + "..." + secret.substring(secret.length() - 4)))
                .body("data.disabled", equalTo(false))
                .body("data.is_fallback", equalTo(false))
                .body("data.always_use", equalTo(false))
                .body("data.allowed_models", nullValue())
                .body("data.allowed_api_key_hashes", nullValue())
                .body("data.sort_order", equalTo(0))
                .body("data.secret_store", equalTo("local"))
                .body("data.version", equalTo(0))
                .body("data", org.hamcrest.Matchers.hasKey("workspace_id"))
                .body("data.workspace_id", nullValue())
                .body("data", org.hamcrest.Matchers.hasKey("allowed_user_ids"))
                .body("data", org.hamcrest.Matchers.hasKey("created_at"));
        assertFalse(r.asString().contains(secret), "the response must not carry the secret");
        String id = r.path("data.id");
        assertFalse(a.mgmt().get("/api/v1/byok/" + id).asString().contains(secret));
        assertFalse(a.mgmt().get("/api/v1/byok").asString().contains(secret));
        assertEquals(0, Api.nativeCount("select count(*) from byok_keys where secret_locator like '%" + secret
                + "%' or label like '%" + secret + "%' or hint = '" + secret + "'"));

        JsonPath view = Api.routingView(a.id()).then().statusCode(200).extract().jsonPath();
        assertEquals(id, view.getString("byok_keys[0].id"));
        assertEquals(secret, view.getString("byok_keys[0].credential.secret"));
        assertEquals("PRIORITIZED", view.getString("byok_keys[0].section"));
    }

    @Test
    void positionsAreContiguousPerProviderAndSectionAndFollowInsertsMovesAndDeletes() {
        Api.Account a = Api.newAccount();
        String k0 = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String k1 = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String other = Api.newByokId(a, "anthropic", Api.randomToken("test-anthropic-"));
        String first = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "position", 0))
                .then().statusCode(201).body("data.sort_order", equalTo(0)).extract().path("data.id");
        assertEquals(List.of(first, k0, k1), order(a, "openai", false));
        assertEquals(List.of(other), order(a, "anthropic", false));

        // move k1 to the front
        a.mgmt().body(Map.of("sort_order", 0)).patch("/api/v1/byok/" + k1).then().statusCode(200)
                .body("data.sort_order", equalTo(0));
        assertEquals(List.of(k1, first, k0), order(a, "openai", false));

        // into the fallback section: leaves a contiguous prioritized section behind
        a.mgmt().body(Map.of("is_fallback", true)).patch("/api/v1/byok/" + first).then().statusCode(200)
                .body("data.is_fallback", equalTo(true)).body("data.sort_order", equalTo(0));
        assertEquals(List.of(k1, k0), order(a, "openai", false));
        assertEquals(List.of(first), order(a, "openai", true));

        a.mgmt().delete("/api/v1/byok/" + k1).then().statusCode(200).body("deleted", equalTo(true));
        assertEquals(List.of(k0), order(a, "openai", false));
        a.mgmt().get("/api/v1/byok/" + k0).then().body("data.sort_order", equalTo(0));
    }

    private static List<String> order(Api.Account a, String provider, boolean fallback) {
        List<Map<String, Object>> keys = a.mgmt().queryParam("provider", provider).get("/api/v1/byok")
                .then().statusCode(200).extract().jsonPath().getList("data");
        List<String> ids = new ArrayList<>();
        int expected = 0;
        for (Map<String, Object> k : keys) {
            if (Boolean.valueOf(fallback).equals(k.get("is_fallback"))) {
                assertEquals(expected++, k.get("sort_order"), "positions must be contiguous from 0");
                ids.add((String) k.get("id"));
            }
        }
        return ids;
    }

    @Test
    void apiKeyFilterTakesHashesOfLiveKeysOfTheSameAccountAndStoresIds() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String[] mine = Api.newApiKey(a, "app");
        String[] theirs = Api.newApiKey(b, "other");
        String[] soonGone = Api.newApiKey(a, "gone");

        Response r = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"),
                "allowed_api_key_hashes", List.of(mine[0]), "allowed_models", List.of("openai/gpt-4o")));
        r.then().statusCode(201)
                .body("data.allowed_api_key_hashes", equalTo(List.of(mine[0])))
                .body("data.allowed_models", equalTo(List.of("openai/gpt-4o")));
        String id = r.path("data.id");
        String mineId = io.restassured.RestAssured.given().header("Authorization", Api.INTERNAL)
                .get("/internal/v1/api-keys/" + mine[0]).path("api_key_id");
        assertEquals(List.of(mineId), Api.routingView(a.id()).jsonPath().getList("byok_keys[0].allowed_api_key_ids"));

        long before = Api.count(ByokKey.class);
        Api.newByok(a, Map.of("provider", "openai", "key", FakeCredentials.apiKey(), "allowed_api_key_hashes", List.of(theirs[0])))
                .then().statusCode(400).body("error.message", containsString("allowed_api_key_hashes[0]"));
        Api.newByok(a, Map.of("provider", "openai", "key", FakeCredentials.apiKey(), "allowed_api_key_hashes", List.of()))
                .then().statusCode(400).body("error.message", containsString("allowed_api_key_hashes"));
        Api.newByok(a, Map.of("provider", "openai", "key", FakeCredentials.apiKey(), "allowed_api_key_hashes", List.of("XYZ")))
                .then().statusCode(400).body("error.message", containsString("allowed_api_key_hashes[0]"));
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            tooMany.add(String.format("%064x", i));
        }
        Api.newByok(a, Map.of("provider", "openai", "key", FakeCredentials.apiKey(), "allowed_api_key_hashes", tooMany))
                .then().statusCode(400).body("error.message", containsString("at most 100"));
        assertEquals(before, Api.count(ByokKey.class));

        // PATCH: [] rejected, null clears, a deleted API key drops out of the filter
        a.mgmt().body(Map.of("allowed_api_key_hashes", List.of())).patch("/api/v1/byok/" + id).then().statusCode(400);
        a.mgmt().body(Map.of("allowed_api_key_hashes", List.of(mine[0], soonGone[0]))).patch("/api/v1/byok/" + id)
                .then().statusCode(200).body("data.allowed_api_key_hashes", equalTo(List.of(mine[0], soonGone[0])));
        a.mgmt().delete("/api/v1/keys/" + soonGone[0]).then().statusCode(200);
        a.mgmt().get("/api/v1/byok/" + id).then().body("data.allowed_api_key_hashes", equalTo(List.of(mine[0])));
        Map<String, Object> clear = new HashMap<>();
        clear.put("allowed_api_key_hashes", null);
        a.mgmt().body(clear).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.allowed_api_key_hashes", nullValue())
                .body("data.allowed_models", equalTo(List.of("openai/gpt-4o")));
    }

    @Test
    void patchTogglesLeaveOmittedFieldsAloneAndDisabledKeysLeaveTheRoutingView() {
        Api.Account a = Api.newAccount();
        String id = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "name", "n",
                "always_use", true)).then().statusCode(201).extract().path("data.id");
        a.mgmt().body(Map.of("disabled", true)).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.disabled", equalTo(true)).body("data.always_use", equalTo(true)).body("data.name", equalTo("n"));
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys.id", not(hasItem(id)));
        a.mgmt().body(Map.of("disabled", false)).patch("/api/v1/byok/" + id).then().statusCode(200);
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys[0].always_use", equalTo(true));

        Map<String, Object> nullFlag = new HashMap<>();
        nullFlag.put("disabled", null);
        a.mgmt().body(nullFlag).patch("/api/v1/byok/" + id).then().statusCode(400).body("error.message", containsString("disabled"));
        a.mgmt().body(Map.of("is_fallback", true)).patch("/api/v1/byok/" + id).then().statusCode(400)
                .body("error.message", containsString("always_use"));
        a.mgmt().body(Map.of("provider", "anthropic")).patch("/api/v1/byok/" + id).then().statusCode(400)
                .body("error.message", containsString("provider"));
        a.mgmt().body(Map.of("key", 42)).patch("/api/v1/byok/" + id).then().statusCode(400)
                .body("error.message", containsString("key"));
    }

    @Test
    void rotationKeepsTheIdAndServesTheNewSecret() {
        Api.Account a = Api.newAccount();
        String oldSecret = Api.randomToken("sk-old-");
        String newSecret = Api.randomToken("sk-new-");
        String id = Api.newByokId(a, "openai", oldSecret);
        Api.routingView(a.id()).then().body("byok_keys[0].credential.secret", equalTo(oldSecret));

        Response r = a.mgmt().body(Map.of("key", newSecret, "version", 0)).post("/api/v1/byok/" + id + "/rotate");
        r.then().statusCode(200)
                .body("data.id", equalTo(id))
                .body("data.label", equalTo("sk-..." + newSecret.substring(newSecret.length() - 4)))
                .body("data.version", equalTo(1));
        assertFalse(r.asString().contains(newSecret));
        Api.routingView(a.id()).then().body("byok_keys[0].id", equalTo(id))
                .body("byok_keys[0].credential.secret", equalTo(newSecret));
        assertEquals(1, Api.auditCount(a.id(), "rotate", "byok_key"));

        // stale version, and a key in the wrong format, change nothing
        a.mgmt().body(Map.of("key", Api.randomToken("sk-"), "version", 0)).post("/api/v1/byok/" + id + "/rotate")
                .then().statusCode(409);
        a.mgmt().body(Map.of("key", "has space")).post("/api/v1/byok/" + id + "/rotate").then().statusCode(400)
                .body("error.message", containsString("key"));
        Api.routingView(a.id()).then().body("byok_keys[0].credential.secret", equalTo(newSecret));
    }

    @Test
    void staleVersionOnPatchIsA409AndChangesNothing() {
        Api.Account a = Api.newAccount();
        String id = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        a.mgmt().body(Map.of("name", "one", "version", 0)).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.version", equalTo(1));
        a.mgmt().body(Map.of("name", "two", "version", 0)).patch("/api/v1/byok/" + id).then().statusCode(409);
        a.mgmt().header("If-Match", "\"0\"").body(Map.of("name", "two")).patch("/api/v1/byok/" + id).then().statusCode(409);
        a.mgmt().get("/api/v1/byok/" + id).then().body("data.name", equalTo("one"));
        a.mgmt().header("If-Match", "\"0\"").delete("/api/v1/byok/" + id).then().statusCode(409);
        a.mgmt().get("/api/v1/byok/" + id).then().statusCode(200);
    }

    @Test
    void deletedKeyLeavesTheRoutingViewAndItsSecretStore() {
        Api.Account a = Api.newAccount();
        String id = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String locator = Api.await(() -> io.quarkus.hibernate.reactive.panache.Panache.withSession(
                () -> ByokKey.<ByokKey>findById(java.util.UUID.fromString(id)))).secretLocator;
        long secretsBefore = Api.nativeCount("select count(*) from local_secrets where id::text = '" + locator + "'");
        a.mgmt().delete("/api/v1/byok/" + id).then().statusCode(200);
        a.mgmt().get("/api/v1/byok/" + id).then().statusCode(404);
        Api.routingView(a.id()).then().body("byok_keys", org.hamcrest.Matchers.empty());
        assertEquals(1, secretsBefore, "the local store kept the secret under the record's locator");
        assertEquals(0, Api.nativeCount("select count(*) from local_secrets where id::text = '" + locator + "'"));
        assertEquals(1, Api.auditCount(a.id(), "delete", "byok_key"));
    }

    @Test
    void providerSpecificFormatsAreCheckedOnCreateWith400NamingTheField() {
        Api.Account a = Api.newAccount();
        Api.newByok(a, Map.of("provider", "azure", "key", "[{\"model_slug\":\"openai/gpt-4o\",\"endpoint_url\":"
                + "\"http://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21\","
                + "\"api_key\":\"abcd1234\",\"model_id\":\"gpt-4o\"}]"))
                .then().statusCode(400).body("error.message", containsString("key[0].endpoint_url"));
        Api.newByok(a, Map.of("provider", "google-vertex", "key", "{\"type\":\"user\"}"))
                .then().statusCode(400).body("error.message", containsString("key.type"));
        Api.newByok(a, Map.of("provider", "Open AI", "key", FakeCredentials.apiKey()))
                .then().statusCode(400).body("error.message", containsString("provider"));
        Api.newByok(a, Map.of("provider", "openai", "key", FakeCredentials.apiKey(), "secret_store", "floppy"))
                .then().statusCode(400).body("error.message", containsString("secret_store"));
        String vertex = FakeCredentials.vertexServiceAccountFields("kid-9876") + "}";
        Api.newByok(a, Map.of("provider", "google-vertex", "key", vertex)).then().statusCode(201)
                .body("data.label", equalTo("vertex...9876"));
        String stored = Api.routingView(a.id()).jsonPath().getString("byok_keys[0].credential.secret");
        assertEquals("global", new io.vertx.core.json.JsonObject(stored).getString("region"),
                "Vertex region defaults to global");
        assertNotEquals(vertex, stored);
    }
}
