package io.keyway.keys.rest;

import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A text field holding U+0000 is a 400 naming the field: PostgreSQL cannot store the character, and the fuzz pass
 * found the insert failing as a 500 (an account named "\u0000").
 */
@QuarkusTest
class NulInTextFieldsTests {

    @Test
    void aNulCharacterInATextFieldIsA400NamingTheField() {
        Api.admin().body(Map.of("name", "\u0000")).post("/admin/v1/accounts").then()
                .statusCode(400).contentType(ContentType.JSON).body("error.code", equalTo(400))
                .body("error.message", equalTo("field 'name' must not contain the NUL character (U+0000)"));
        Api.Account a = Api.newAccount();
        a.mgmt().body(Map.of("name", "a\u0000b")).post("/api/v1/keys").then().statusCode(400)
                .body("error.message", equalTo("field 'name' must not contain the NUL character (U+0000)"));
        a.mgmt().body(Map.of("provider", "openai", "key", Api.randomToken("nul-"), "allowed_user_ids",
                List.of("user-1", "u\u0000"))).post("/api/v1/byok").then().statusCode(400)
                .body("error.message", equalTo("field 'allowed_user_ids[1]' must not contain the NUL character (U+0000)"));
    }
}
