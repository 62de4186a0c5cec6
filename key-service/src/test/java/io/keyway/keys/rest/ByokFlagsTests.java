package io.keyway.keys.rest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenRouter's BYOK flags on /api/v1/byok (DESIGN.md §2): {@code is_required} (Keyway's {@code always_use}),
 * {@code is_byok_only}, {@code declared_zdr} and {@code allowed_user_ids} are stored, answered under OpenRouter's names,
 * validated, and carried to the gateway in the routing view; the list answers {@code total_count}.
 */
@QuarkusTest
class ByokFlagsTests {

    @Test
    void isRequiredIsAlwaysUseUnderOpenRoutersNameAndBothNamesAreAnswered() {
        Api.Account a = Api.newAccount();
        String id = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "is_required", true))
                .then().statusCode(201).body("data.is_required", equalTo(true)).body("data.always_use", equalTo(true))
                .extract().path("data.id");
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys[0].always_use", equalTo(true));
        a.mgmt().body(Map.of("always_use", false)).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.is_required", equalTo(false)).body("data.always_use", equalTo(false));
        a.mgmt().body(Map.of("is_required", true, "always_use", true)).patch("/api/v1/byok/" + id).then()
                .statusCode(200).body("data.is_required", equalTo(true));
    }

    @Test
    void isRequiredAndAlwaysUseThatDisagreeAreA400AndChangeNothing() {
        Api.Account a = Api.newAccount();
        Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "is_required", true,
                "always_use", false)).then().statusCode(400).body("error.message", containsString("is_required"));
        assertEquals(0, a.mgmt().get("/api/v1/byok").then().statusCode(200).extract().jsonPath().getInt("total_count"));
    }

    @Test
    void isByokOnlyIsStoredAnsweredAndCarriedToTheRoutingView() {
        Api.Account a = Api.newAccount();
        String id = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "is_byok_only", true))
                .then().statusCode(201).body("data.is_byok_only", equalTo(true)).extract().path("data.id");
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys[0].byok_only", equalTo(true));
        a.mgmt().body(Map.of("is_byok_only", false)).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.is_byok_only", equalTo(false));
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys[0].byok_only", equalTo(false));
    }

    @Test
    void isByokOnlyCannotBeCombinedWithIsFallback() {
        Api.Account a = Api.newAccount();
        Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "is_byok_only", true,
                "is_fallback", true)).then().statusCode(400).body("error.message", containsString("is_byok_only"));
        String id = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "is_byok_only", true))
                .then().statusCode(201).extract().path("data.id");
        a.mgmt().body(Map.of("is_fallback", true)).patch("/api/v1/byok/" + id).then().statusCode(400)
                .body("error.message", containsString("is_byok_only"));
        a.mgmt().get("/api/v1/byok/" + id).then().statusCode(200).body("data.is_fallback", equalTo(false));
        String fallback = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "is_fallback", true))
                .then().statusCode(201).extract().path("data.id");
        a.mgmt().body(Map.of("is_byok_only", true)).patch("/api/v1/byok/" + fallback).then().statusCode(400)
                .body("error.message", containsString("is_fallback"));
    }

    @Test
    void declaredZdrIsTrueFalseOrNullAndNullInherits() {
        Api.Account a = Api.newAccount();
        String id = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-")))
                .then().statusCode(201).body("data.declared_zdr", nullValue()).extract().path("data.id");
        a.mgmt().body(Map.of("declared_zdr", true)).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.declared_zdr", equalTo(true));
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys[0].declared_zdr", equalTo(true));
        Map<String, Object> inherit = new HashMap<>();
        inherit.put("declared_zdr", null);
        a.mgmt().body(inherit).patch("/api/v1/byok/" + id).then().statusCode(200).body("data.declared_zdr", nullValue());
        a.mgmt().body(Map.of("declared_zdr", "yes")).patch("/api/v1/byok/" + id).then().statusCode(400)
                .body("error.message", containsString("declared_zdr"));
    }

    @Test
    void allowedUserIdsAreStoredAndCarriedToTheRoutingViewAndNullMeansEveryUser() {
        Api.Account a = Api.newAccount();
        String id = Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"),
                "allowed_user_ids", List.of("user-a", "user-b"))).then().statusCode(201)
                .body("data.allowed_user_ids", equalTo(List.of("user-a", "user-b"))).extract().path("data.id");
        JsonPath view = Api.routingView(a.id()).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("user-a", "user-b"), view.getList("byok_keys[0].allowed_user_ids"));
        a.mgmt().body(Map.of("allowed_user_ids", List.of())).patch("/api/v1/byok/" + id).then().statusCode(400)
                .body("error.message", containsString("allowed_user_ids"));
        Map<String, Object> everyone = new HashMap<>();
        everyone.put("allowed_user_ids", null);
        a.mgmt().body(everyone).patch("/api/v1/byok/" + id).then().statusCode(200)
                .body("data.allowed_user_ids", nullValue());
        assertNull(Api.routingView(a.id()).then().statusCode(200).extract().jsonPath()
                .get("byok_keys[0].allowed_user_ids"));
    }

    @Test
    void workspaceIdIsAcceptedAndAnsweredAsNullUntilWorkspacesExist() {
        Api.Account a = Api.newAccount();
        Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"), "workspace_id", "ws-1"))
                .then().statusCode(201).body("data.workspace_id", nullValue());
    }

    @Test
    void listAnswersTotalCountOfAllKeysNotOfThePage() {
        Api.Account a = Api.newAccount();
        for (int i = 0; i < 3; i++) {
            Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"))).then().statusCode(201);
        }
        Api.newByok(a, Map.of("provider", "groq", "key", Api.randomToken("gsk_"))).then().statusCode(201);
        JsonPath page = a.mgmt().get("/api/v1/byok?limit=2").then().statusCode(200).extract().jsonPath();
        assertEquals(2, page.getList("data").size());
        assertEquals(4, page.getInt("total_count"));
        assertEquals(3, a.mgmt().get("/api/v1/byok?provider=openai&limit=1").then().statusCode(200).extract()
                .jsonPath().getInt("total_count"));
        String body = a.mgmt().get("/api/v1/byok").asString();
        assertTrue(body.contains("\"is_required\"") && body.contains("\"is_byok_only\"") && body.contains("\"declared_zdr\""));
        assertFalse(body.contains("\"key\""), "no secret field in a listing");
    }

    @Test
    void updateWithKeyRotatesTheSecretAsOpenRoutersUpdateDoesAndABadFieldChangesNothing() {
        Api.Account a = Api.newAccount();
        String first = Api.randomToken("sk-");
        String id = Api.newByokId(a, "openai", first);
        String second = Api.randomToken("sk-");
        a.mgmt().body(Map.of("key", second, "name", "rotated", "is_required", true)).patch("/api/v1/byok/" + id).then()
                .statusCode(200).body("data.name", equalTo("rotated")).body("data.is_required", equalTo(true))
                .body("data.label", equalTo("sk-..." + second.substring(second.length() - 4)));
        assertEquals(second, Api.routingView(a.id()).then().statusCode(200).extract().jsonPath()
                .getString("byok_keys[0].credential.secret"));

        String third = Api.randomToken("sk-");
        a.mgmt().body(Map.of("key", third, "allowed_user_ids", List.of())).patch("/api/v1/byok/" + id).then()
                .statusCode(400).body("error.message", containsString("allowed_user_ids"));
        assertEquals(second, Api.routingView(a.id()).then().statusCode(200).extract().jsonPath()
                .getString("byok_keys[0].credential.secret"), "a refused update rotates nothing");
        a.mgmt().body(Map.of("key", third)).patch("/api/v1/byok/" + id).then().statusCode(200);
        assertEquals(third, Api.routingView(a.id()).then().statusCode(200).extract().jsonPath()
                .getString("byok_keys[0].credential.secret"));
    }
}
