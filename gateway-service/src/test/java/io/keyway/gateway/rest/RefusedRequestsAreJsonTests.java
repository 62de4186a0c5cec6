package io.keyway.gateway.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * What the fuzz pass found (issue 18, item 9): query parameters that are not numbers, unknown routes and unacceptable
 * Accept headers were answered with an empty or HTML body. Each is OpenRouter's JSON error naming the problem.
 */
@QuarkusTest
class RefusedRequestsAreJsonTests {

    @Test
    void modelsOffsetOrLimitThatIsNotAWholeNumberIsA400NamingTheParameter() {
        for (String bad : new String[] {"abc", "1e99", "NaN", "1.5", "%00", "0x10"}) {
            given().urlEncodingEnabled(false).get("/api/v1/models?offset=" + bad).then().statusCode(400)
                    .contentType(ContentType.JSON).body("error.code", equalTo(400))
                    .body("error.message", equalTo("offset must be a whole number"));
            given().urlEncodingEnabled(false).get("/api/v1/models?limit=" + bad).then().statusCode(400)
                    .body("error.message", equalTo("limit must be a whole number"));
        }
    }

    @Test
    void anOffsetPastTheIntRangeIsTheEndOfTheList() {
        given().get("/api/v1/models?offset=99999999999").then().statusCode(200).body("data", hasSize(0));
    }

    @Test
    void unknownRoutesAreAJsonNotFound() {
        given().contentType(ContentType.JSON).body("{\"input\":\"x\"}").post("/api/v1/embeddings").then()
                .statusCode(404).contentType(ContentType.JSON).body("error.code", equalTo(404));
        given().contentType(ContentType.JSON).body("{}").post("/v1/chat/completions").then()
                .statusCode(404).contentType(ContentType.JSON).body("error.code", equalTo(404));
    }

    @Test
    void anAcceptHeaderThatExcludesJsonIsAJson406() {
        given().accept("text/csv").get("/api/v1/models").then()
                .statusCode(406).contentType(ContentType.JSON).body("error.code", equalTo(406));
    }

    @TestHTTPResource("/api/v1/chat/completions")
    URI chat;

    @Test
    void aChatCompletionSentAsAFormOrMultipartIsA415NamingJsonNotA500() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String[][] cases = {{"application/x-www-form-urlencoded", "model=" + "x".repeat(20_000)},
            {"multipart/form-data; boundary=x", "{\"model\":\"" + "x".repeat(20_000) + "\"}"}};
        for (String[] c : cases) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(chat).header("Content-Type", c[0])
                    .POST(HttpRequest.BodyPublishers.ofString(c[1])).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(415, answer.statusCode(), c[0]);
            assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(""));
            assertEquals("{\"error\":{\"code\":415,\"message\":\"Content-Type must be application/json (a JSON request "
                    + "body)\"}}", answer.body());
        }
    }

    @Test
    void aFormBodyIsRecognisedWhateverItsCaseAndLeadingSpacesAndJsonIsNotAForm() {
        assertTrue(ChatCompletionsRoute.isForm("Multipart/Form-Data; boundary=x"));
        assertTrue(ChatCompletionsRoute.isForm("  APPLICATION/X-WWW-FORM-URLENCODED"));
        assertFalse(ChatCompletionsRoute.isForm("application/json"));
        assertFalse(ChatCompletionsRoute.isForm("multipart"));
        assertFalse(ChatCompletionsRoute.isForm("   "));
        assertFalse(ChatCompletionsRoute.isForm(null));
    }
}
