package io.keyway.keys.rest;

import io.keyway.keys.FakeCredentials;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** /admin/v1/pooled-credentials/{id}: read, rename, reorder and rotate the platform's credentials (admin token). */
@QuarkusTest
class PooledCredentialAdminTests {

    static final String BASE = "/admin/v1/pooled-credentials/";

    static String provider() {
        return "pool-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static List<String> idsInOrder(String provider) {
        List<Map<String, Object>> all = Api.admin().get("/admin/v1/pooled-credentials").then().statusCode(200)
                .extract().jsonPath().getList("data");
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> c : all) {
            if (provider.equals(c.get("provider"))) {
                assertEquals(ids.size(), c.get("position"), "positions are contiguous from 0");
                ids.add((String) c.get("id"));
            }
        }
        return ids;
    }

    @Test
    void rotatingAPooledCredentialKeepsItsIdAndServesTheNewSecret() {
        String provider = provider();
        String first = Api.randomToken("pool-old-");
        String second = Api.randomToken("pool-new-");
        String id = Api.newPooledId(provider, first);
        Api.Account a = Api.newAccount();

        String body = Api.admin().body(Map.of("key", second)).post(BASE + id + "/rotate").then().statusCode(200)
                .body("data.id", equalTo(id))
                .body("data.label", equalTo("poo..." + second.substring(second.length() - 4)))
                .body("data.version", equalTo(1))
                .extract().asString();
        assertFalse(body.contains(second), "the rotated secret is never shown");

        Api.admin().get(BASE + id).then().statusCode(200).body("data.label", containsString(second.substring(second.length() - 4)));
        List<Map<String, Object>> pooled = Api.routingView(a.id()).then().statusCode(200).extract().jsonPath().getList("pooled");
        assertTrue(pooled.stream().anyMatch(p -> id.equals(p.get("id"))
                && second.equals(((Map<?, ?>) p.get("credential")).get("secret"))));
        assertEquals(1, Api.nativeCount("select count(*) from audit_log where action = 'rotate' and object_id = '" + id + "'"));
        assertEquals(2, Api.nativeCount("select max(current_version)::bigint from local_secrets where record_id = '" + id + "'"),
                "rotation writes a new version in the store");
        Api.admin().delete(BASE + id).then().statusCode(200);
    }

    @Test
    void patchRenamesAndMovesAPooledCredentialWithinItsProvider() {
        String provider = provider();
        String p0 = Api.newPooledId(provider, Api.randomToken("pool-a-"));
        String p1 = Api.newPooledId(provider, Api.randomToken("pool-b-"));
        String p2 = Api.newPooledId(provider, Api.randomToken("pool-c-"));
        assertEquals(List.of(p0, p1, p2), idsInOrder(provider));

        Api.admin().body(Map.of("position", 0, "name", "primary")).patch(BASE + p2).then().statusCode(200)
                .body("data.position", equalTo(0)).body("data.name", equalTo("primary"));
        assertEquals(List.of(p2, p0, p1), idsInOrder(provider));

        Map<String, Object> clear = new HashMap<>();
        clear.put("name", null);
        Api.admin().body(clear).patch(BASE + p2).then().statusCode(200)
                .body("data.name", nullValue()).body("data.position", equalTo(0));
        assertEquals(2, Api.nativeCount("select count(*) from audit_log where action = 'update' and object_id = '" + p2 + "'"));
        for (String id : List.of(p0, p1, p2)) {
            Api.admin().delete(BASE + id).then().statusCode(200);
        }
    }

    @Test
    void aStaleVersionIs409AndChangesNothing() {
        String provider = provider();
        String id = Api.newPooledId(provider, Api.randomToken("pool-"));
        Api.admin().body(Map.of("name", "v1")).patch(BASE + id).then().statusCode(200).body("data.version", equalTo(1));

        Api.admin().body(Map.of("name", "stale", "version", 0)).patch(BASE + id).then().statusCode(409)
                .body("error.metadata.current_version", equalTo(1));
        Api.admin().header("If-Match", "\"0\"").body(Map.of("key", Api.randomToken("pool-x-"))).post(BASE + id + "/rotate")
                .then().statusCode(409);
        Api.admin().header("If-Match", "\"0\"").delete(BASE + id).then().statusCode(409);
        Api.admin().get(BASE + id).then().statusCode(200).body("data.name", equalTo("v1")).body("data.version", equalTo(1));
        Api.admin().header("If-Match", "\"1\"").delete(BASE + id).then().statusCode(200);
    }

    @Test
    void rotationChecksTheProviderKeyFormatAndFixedFieldsCannotBePatched() {
        String azure = "[{\"model_slug\":\"openai/gpt-4o\",\"endpoint_url\":"
                + "\"https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21\","
                + "\"api_key\":\"" + Api.randomToken("az") + "\",\"model_id\":\"gpt-4o\"}]";
        String id = Api.newPooledId("azure", azure);
        Api.admin().body(Map.of("key", azure.replace("https://", "http://"))).post(BASE + id + "/rotate").then()
                .statusCode(400).body("error.message", containsString("key[0].endpoint_url"));
        Api.admin().body(Map.of("provider", "openai")).patch(BASE + id).then().statusCode(400)
                .body("error.message", containsString("'provider'"));
        Api.admin().body(Map.of("key", FakeCredentials.apiKey())).patch(BASE + id).then().statusCode(400)
                .body("error.message", containsString("'key'"));
        Api.admin().get(BASE + id).then().statusCode(200).body("data.version", equalTo(0));
        Api.admin().delete(BASE + id).then().statusCode(200);
    }

    @Test
    void onlyTheAdminTokenReachesAPooledCredentialAndUnknownIdsAreNotFound() {
        String id = Api.newPooledId(provider(), Api.randomToken("pool-"));
        Api.Account a = Api.newAccount();
        a.mgmt().get(BASE + id).then().statusCode(401);
        a.mgmt().body(Map.of("name", "mine")).patch(BASE + id).then().statusCode(401);
        a.mgmt().body(Map.of("key", Api.randomToken("pool-"))).post(BASE + id + "/rotate").then().statusCode(401);
        RestAssured.given().header("Authorization", Api.INTERNAL).get(BASE + id).then().statusCode(401);
        Api.admin().get(BASE + UUID.randomUUID()).then().statusCode(404).body("error.code", equalTo(404));
        Api.admin().get(BASE + "not-a-uuid").then().statusCode(404);
        Api.admin().body(Map.of("name", "x")).patch(BASE + UUID.randomUUID()).then().statusCode(404);
        Api.admin().get(BASE + id).then().statusCode(200).body("data.name", nullValue()).body("data.version", equalTo(0));
        Api.admin().delete(BASE + id).then().statusCode(200);
    }
}
