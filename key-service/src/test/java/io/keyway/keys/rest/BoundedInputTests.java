package io.keyway.keys.rest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 8: list offsets are bounded (a huge offset makes the database walk every skipped row) and a body that
 * names a field twice is refused (parsers disagree on which copy wins, so a checked value could differ from the one used).
 */
@QuarkusTest
class BoundedInputTests {

    @Test
    void anOffsetAboveOneMillionIsA400NamingOffsetOnEveryList() {
        Api.Account a = Api.newAccount();
        for (String path : List.of("/api/v1/keys", "/api/v1/byok")) {
            a.mgmt().queryParam("offset", "1000001").get(path).then().statusCode(400).contentType(ContentType.JSON)
                    .body("error.code", equalTo(400))
                    .body("error.message", containsString("'offset'"))
                    .body("error.message", containsString("1000000"));
            a.mgmt().queryParam("offset", String.valueOf(Integer.MAX_VALUE)).get(path).then().statusCode(400);
            a.mgmt().queryParam("offset", "1000000").get(path).then().statusCode(200);
        }
    }

    @Test
    void aBodyThatNamesAFieldTwiceIsA400NamingTheFieldAndWritesNothing() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        String byok = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String pooled = Api.newPooledId("bounded-input-test", Api.randomToken("pool-"));
        String before = MalformedInputTests.snapshot();
        for (MalformedInputTests.Endpoint e : MalformedInputTests.endpoints(a, hash, byok, pooled)) {
            MalformedInputTests.as(e).body("{\"name\":\"first\",\"name\":\"second\"}").request(e.method(), e.path()).then()
                    .statusCode(400).contentType(ContentType.JSON)
                    .body("error.code", equalTo(400))
                    .body("error.message", containsString("'name'"))
                    .body("error.message", containsString("more than once"));
        }
        // Nested objects too: the BYOK key's own JSON (an Azure deployment list) must not hide a second value either.
        a.mgmt().body("{\"provider\":\"openai\",\"key\":\"" + Api.randomToken("sk-") + "\",\"disabled\":false,"
                + "\"disabled\":true}").post("/api/v1/byok").then().statusCode(400)
                .body("error.message", containsString("'disabled'"));
        assertEquals(before, MalformedInputTests.snapshot());
    }
}
