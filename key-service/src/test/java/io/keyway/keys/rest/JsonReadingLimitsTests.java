package io.keyway.keys.rest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * A body past one of Jackson's reading limits (nesting depth, length of a number) is the client's error: 400 naming the
 * limit, never a 500 (the fuzz pass found a NullPointerException here: such an exception has no location).
 */
@QuarkusTest
class JsonReadingLimitsTests {

    @Test
    void aBodyNestedDeeperThanTheJsonLimitIsA400NamingTheLimit() {
        Api.Account a = Api.newAccount();
        String nested = "{\"name\":" + "[".repeat(1500) + "]".repeat(1500) + "}";
        a.mgmt().body(nested).post("/api/v1/keys").then()
                .statusCode(400).contentType(ContentType.JSON)
                .body("error.code", equalTo(400))
                .body("error.message", containsString("nesting deeper than"));
        Api.admin().body("[".repeat(1500) + "]".repeat(1500)).post("/admin/v1/accounts").then()
                .statusCode(400).body("error.message", containsString("JSON reading limit"));
    }

    @Test
    void aNumberLongerThanTheJsonLimitIsA400NamingTheLimit() {
        Api.Account a = Api.newAccount();
        a.mgmt().body("{\"name\":\"k\",\"limit\":" + "9".repeat(1500) + "}").post("/api/v1/keys").then()
                .statusCode(400).contentType(ContentType.JSON)
                .body("error.message", containsString("JSON reading limit"));
    }
}
