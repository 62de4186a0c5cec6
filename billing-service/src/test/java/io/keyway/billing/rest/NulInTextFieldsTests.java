package io.keyway.billing.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A text field or id holding U+0000 is a 400 naming it: PostgreSQL cannot store or compare the character (the fuzz pass
 * found both as 500s).
 */
@QuarkusTest
class NulInTextFieldsTests {

    @Test
    void aNulCharacterInADescriptionOrReasonIsA400NamingTheField() {
        String account = "nul-" + UUID.randomUUID();
        given().header("Authorization", "Bearer local-admin-token").contentType(ContentType.JSON)
                .body(Map.of("amount", "1.00", "description", "a\u0000b"))
                .post("/admin/v1/accounts/" + account + "/credits").then()
                .statusCode(400).contentType(ContentType.JSON).body("error.code", equalTo(400))
                .body("error.metadata.field", equalTo("description"))
                .body("error.message", equalTo("description must not contain the NUL character (U+0000)"));
        given().header("Authorization", "Bearer local-admin-token").contentType(ContentType.JSON)
                .body(Map.of("amount", "-1.00", "reason", "\u0000"))
                .post("/admin/v1/accounts/" + account + "/adjustments").then()
                .statusCode(400).body("error.metadata.field", equalTo("reason"));
    }

    @Test
    void anApiKeyIdWithANulCharacterIsA400NamingIt() {
        given().header("Authorization", "Bearer local-gateway-token").urlEncodingEnabled(false)
                .get("/internal/v1/api-keys/a%00b/usage").then()
                .statusCode(400).contentType(ContentType.JSON).body("error.metadata.field", equalTo("api_key_id"))
                .body("error.message", equalTo("api_key_id must not contain control characters"));
    }
}
