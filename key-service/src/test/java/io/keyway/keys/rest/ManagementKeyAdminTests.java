package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.keyway.keys.service.KeyMaterial;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * /admin/v1/accounts/{id}/management-keys: operators add management keys and revoke a leaked one at once; a key's
 * last use is recorded when it authenticates.
 */
@QuarkusTest
class ManagementKeyAdminTests {

    static String base(Api.Account a) {
        return "/admin/v1/accounts/" + a.id() + "/management-keys";
    }

    static Response resolve(String key) {
        return given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + KeyMaterial.sha256Hex(key));
    }

    @Test
    void anAddedManagementKeyIsShownOnceAndManagesTheSameAccount() {
        Api.Account a = Api.newAccount();
        Response created = Api.admin().body(Map.of("name", "ci")).post(base(a));
        created.then().statusCode(201).body("key", startsWith("sk-kw-mgmt-v1-")).body("data.name", equalTo("ci"))
                .body("data.disabled", equalTo(false));
        String key = created.path("key");
        assertEquals(KeyMaterial.sha256Hex(key), created.path("data.hash"));
        assertEquals(KeyMaterial.label(key), created.path("data.label"));

        String listed = Api.admin().get(base(a)).then().statusCode(200).body("data.size()", equalTo(2))
                .body("data.name", hasItem("ci")).extract().asString();
        assertFalse(listed.contains(key), "a management key is shown only at creation");
        given().header("Authorization", "Bearer " + key).get("/api/v1/keys").then().statusCode(200);
        resolve(key).then().statusCode(200).body("is_management_key", equalTo(true)).body("account_id", equalTo(a.id()));
        String id = created.path("data.id");
        Api.admin().get(base(a)).then()
                .body("data.find { it.id == '" + id + "' }.last_used_at", org.hamcrest.Matchers.notNullValue())
                .body("data.find { it.id != '" + id + "' }.last_used_at", org.hamcrest.Matchers.nullValue());
        assertEquals(2, Api.auditCount(a.id(), "create", "management_key"), "the first key's row and this one's");
    }

    @Test
    void aDisabledOrDeletedManagementKeyIsRefusedAtOnce() {
        Api.Account a = Api.newAccount();
        Response created = Api.admin().body(Map.of("name", "leaked")).post(base(a));
        String key = created.path("key");
        String id = created.path("data.id");

        Api.admin().body(Map.of("disabled", true)).patch(base(a) + "/" + id).then().statusCode(200)
                .body("data.disabled", equalTo(true)).body("data.name", equalTo("leaked"));
        given().header("Authorization", "Bearer " + key).get("/api/v1/keys").then().statusCode(401);
        resolve(key).then().statusCode(200).body("disabled", equalTo(true));
        a.mgmt().get("/api/v1/keys").then().statusCode(200); // the account's other key still works

        Api.admin().body(Map.of("disabled", false)).patch(base(a) + "/" + id).then().statusCode(200);
        given().header("Authorization", "Bearer " + key).get("/api/v1/keys").then().statusCode(200);

        Api.admin().delete(base(a) + "/" + id).then().statusCode(200);
        given().header("Authorization", "Bearer " + key).get("/api/v1/keys").then().statusCode(401);
        resolve(key).then().statusCode(404);
        Api.admin().get(base(a)).then().body("data.id", not(hasItem(id)));
        assertEquals(2, Api.auditCount(a.id(), "update", "management_key"));
        assertEquals(1, Api.auditCount(a.id(), "delete", "management_key"));
    }

    @Test
    void anotherAccountsManagementKeyAndUnknownIdsAreNotFoundAndOnlyTheAdminTokenManagesThem() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String bKeyId = Api.admin().body(Map.of("name", "b")).post(base(b)).then().statusCode(201).extract().path("data.id");

        Api.admin().body(Map.of("disabled", true)).patch(base(a) + "/" + bKeyId).then().statusCode(404);
        Api.admin().delete(base(a) + "/" + bKeyId).then().statusCode(404);
        Api.admin().body(Map.of("name", "x")).patch(base(a) + "/not-a-uuid").then().statusCode(404);
        Api.admin().get("/admin/v1/accounts/" + UUID.randomUUID() + "/management-keys").then().statusCode(404);
        Api.admin().body(Map.of("name", "x")).post("/admin/v1/accounts/" + UUID.randomUUID() + "/management-keys")
                .then().statusCode(404);
        a.mgmt().body(Map.of("name", "self-made")).post(base(a)).then().statusCode(401);
        a.mgmt().get(base(a)).then().statusCode(401);
        Api.admin().get(base(b)).then().body("data.find { it.id == '" + bKeyId + "' }.disabled", equalTo(false));
    }

    @Test
    void creatingAManagementKeyIsIdempotentAndTheReplaySaysTheKeyWasShownOnce() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        Response first = Api.admin().header("Idempotency-Key", idem).body(Map.of("name", "ci")).post(base(a));
        Response again = Api.admin().header("Idempotency-Key", idem).body(Map.of("name", "ci")).post(base(a));
        first.then().statusCode(201).body("key", org.hamcrest.Matchers.notNullValue());
        again.then().statusCode(201).header("Idempotent-Replayed", "true")
                .body("key", org.hamcrest.Matchers.nullValue())
                .body("key_shown_once", equalTo(true));
        assertEquals(first.jsonPath().getMap("data"), again.jsonPath().getMap("data"));
        Api.admin().get(base(a)).then().body("data.size()", equalTo(2));
    }
}
