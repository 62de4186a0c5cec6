package io.keyway.keys.rest;

import io.keyway.keys.FakeCredentials;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Malformed JSON, wrong types and oversized bodies on every endpoint that takes a body: 4xx JSON, nothing written. */
@QuarkusTest
class MalformedInputTests {

    private static final String FAKE_KEY = FakeCredentials.apiKey();

    record Endpoint(String method, String path, String auth) {
    }

    static String snapshot() {
        return Api.nativeCount("select count(*) from accounts") + "/" + Api.nativeCount("select coalesce(sum(change_seq),0) from accounts")
                + "/" + Api.nativeCount("select count(*) from api_keys") + "/" + Api.nativeCount("select coalesce(sum(version),0) from api_keys")
                + "/" + Api.nativeCount("select count(*) from management_keys")
                + "/" + Api.nativeCount("select count(*) from management_keys where disabled")
                + "/" + Api.nativeCount("select count(*) from byok_keys") + "/" + Api.nativeCount("select coalesce(sum(version),0) from byok_keys")
                + "/" + Api.nativeCount("select count(*) from pooled_credentials") + "/" + Api.nativeCount("select coalesce(sum(version),0) from pooled_credentials")
                + "/" + Api.nativeCount("select coalesce(sum(version),0) from account_settings")
                + "/" + Api.nativeCount("select count(*) from audit_log")
                + "/" + Api.nativeCount("select count(*) from idempotency_records")
                + "/" + Api.nativeCount("select count(*) from local_secrets")
                + "/" + Api.nativeCount("select coalesce(sum(current_version),0) from local_secrets");
    }

    static List<Endpoint> endpoints(Api.Account a, String apiKeyHash, String byokId, String pooledId) {
        String m = "Bearer " + a.managementKey();
        List<Endpoint> e = new ArrayList<>();
        e.add(new Endpoint("POST", "/admin/v1/accounts", Api.ADMIN));
        e.add(new Endpoint("PATCH", "/admin/v1/accounts/" + a.id() + "/settings", Api.ADMIN));
        e.add(new Endpoint("POST", "/admin/v1/pooled-credentials", Api.ADMIN));
        e.add(new Endpoint("POST", "/api/v1/keys", m));
        e.add(new Endpoint("PATCH", "/api/v1/keys/" + apiKeyHash, m));
        e.add(new Endpoint("POST", "/api/v1/byok", m));
        e.add(new Endpoint("PATCH", "/api/v1/byok/" + byokId, m));
        e.add(new Endpoint("POST", "/api/v1/byok/" + byokId + "/rotate", m));
        e.add(new Endpoint("PATCH", "/api/v1/settings", m));
        e.add(new Endpoint("PATCH", "/admin/v1/pooled-credentials/" + pooledId, Api.ADMIN));
        e.add(new Endpoint("POST", "/admin/v1/pooled-credentials/" + pooledId + "/rotate", Api.ADMIN));
        e.add(new Endpoint("POST", "/admin/v1/accounts/" + a.id() + "/management-keys", Api.ADMIN));
        e.add(new Endpoint("PATCH", "/admin/v1/accounts/" + a.id() + "/management-keys/" + a.managementKeyId(), Api.ADMIN));
        return e;
    }

    static RequestSpecification as(Endpoint e) {
        return given().header("Authorization", e.auth()).header("Idempotency-Key", java.util.UUID.randomUUID().toString())
                .contentType(ContentType.JSON);
    }

    static void expectJsonError(Endpoint e, String body, int status) {
        as(e).body(body).request(e.method(), e.path()).then()
                .statusCode(status)
                .contentType(ContentType.JSON)
                .body("error.code", equalTo(status))
                .body("error.message", notNullValue())
                .body("error.metadata", notNullValue());
    }

    @Test
    void malformedJsonNonObjectsAndEmptyBodiesAre400JsonAndWriteNothing() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        String byok = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String pooled = Api.newPooledId("malformed-input-test", Api.randomToken("pool-"));
        String before = snapshot();
        for (Endpoint e : endpoints(a, hash, byok, pooled)) {
            for (String body : List.of("{", "{\"name\":", "[]", "\"text\"", "42", "null", "", "{\"name\" \"x\"}", "\u0000")) {
                expectJsonError(e, body, 400);
            }
        }
        assertEquals(before, snapshot());
    }

    @Test
    void wrongTypesAre400NamingTheFieldAndWriteNothing() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        String byok = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String pooled = Api.newPooledId("malformed-input-test", Api.randomToken("pool-"));
        String before = snapshot();
        List<Endpoint> e = endpoints(a, hash, byok, pooled);
        String[][] cases = {
            {"0", "{\"name\":123}", "name"},
            {"0", "{\"name\":\"x\",\"default_secret_store\":7}", "default_secret_store"},
            {"1", "{\"ignored_providers\":\"openai\"}", "ignored_providers"},
            {"1", "{\"ignored_providers\":[1]}", "ignored_providers[0]"},
            {"1", "{\"byok_precedence\":true}", "byok_precedence"},
            {"2", "{\"provider\":\"openai\",\"key\":{\"a\":1}}", "key"},
            {"2", "{\"provider\":[],\"key\":\"" + FAKE_KEY + "\"}", "provider"},
            {"3", "{\"name\":\"n\",\"limit\":[1]}", "limit"},
            {"3", "{\"name\":\"n\",\"expires_at\":12}", "expires_at"},
            {"4", "{\"disabled\":\"true\"}", "disabled"},
            {"4", "{\"version\":\"zero\"}", "version"},
            {"5", "{\"provider\":\"openai\",\"key\":\"" + FAKE_KEY + "\",\"is_fallback\":\"no\"}", "is_fallback"},
            {"5", "{\"provider\":\"openai\",\"key\":\"" + FAKE_KEY + "\",\"allowed_models\":\"all\"}", "allowed_models"},
            {"5", "{\"provider\":\"openai\",\"key\":\"" + FAKE_KEY + "\",\"position\":-1}", "position"},
            {"5", "{\"provider\":\"openai\"}", "key"},
            {"6", "{\"always_use\":1}", "always_use"},
            {"6", "{\"allowed_api_key_hashes\":{}}", "allowed_api_key_hashes"},
            {"7", "{\"key\":12345}", "key"},
            {"7", "{}", "key"},
            {"8", "{\"default_secret_store\":null}", "default_secret_store"},
            {"9", "{\"position\":\"first\"}", "position"},
            {"9", "{\"secret_store\":\"aws\"}", "secret_store"},
            {"10", "{\"key\":[1]}", "key"},
            {"10", "{}", "key"},
            {"11", "{\"name\":[]}", "name"},
            {"11", "{}", "name"},
            {"12", "{\"disabled\":\"yes\"}", "disabled"},
            {"12", "{\"name\":null}", "name"},
        };
        for (String[] c : cases) {
            Endpoint endpoint = e.get(Integer.parseInt(c[0]));
            as(endpoint).body(c[1]).request(endpoint.method(), endpoint.path()).then()
                    .statusCode(400).contentType(ContentType.JSON)
                    .body("error.code", equalTo(400))
                    .body("error.message", org.hamcrest.Matchers.containsString("'" + c[2] + "'"));
        }
        assertEquals(before, snapshot());
    }

    @Test
    void bodiesAboveTheConfiguredLimitAre413JsonAndWriteNothing() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        String byok = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String pooled = Api.newPooledId("malformed-input-test", Api.randomToken("pool-"));
        String before = snapshot();
        String big = "{\"name\":\"" + "x".repeat(70_000) + "\"}";
        for (Endpoint e : endpoints(a, hash, byok, pooled)) {
            as(e).body(big).request(e.method(), e.path()).then()
                    .statusCode(413).contentType(ContentType.JSON)
                    .body("error.code", equalTo(413))
                    .body("error.metadata.max_body_bytes", equalTo(65536));
        }
        assertEquals(before, snapshot());
    }

    @Test
    void oversizedIdempotencyKeysAndMalformedIfMatchHeadersAre400NamingTheHeaderAndWriteNothing() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "k")[0];
        String byok = Api.newByokId(a, "openai", Api.randomToken("sk-"));
        String pooled = Api.newPooledId("malformed-input-test", Api.randomToken("pool-"));
        String before = snapshot();
        String tooLong = "k".repeat(256);
        a.mgmt().header("Idempotency-Key", tooLong).body(java.util.Map.of("name", "n")).post("/api/v1/keys").then()
                .statusCode(400).contentType(ContentType.JSON).body("error.message", containsString("'Idempotency-Key'"));
        a.mgmt().header("Idempotency-Key", tooLong).body(java.util.Map.of("provider", "openai", "key", Api.randomToken("sk-")))
                .post("/api/v1/byok").then().statusCode(400).body("error.message", containsString("'Idempotency-Key'"));
        Api.admin().header("Idempotency-Key", tooLong).body(java.util.Map.of("name", "n")).post("/admin/v1/accounts").then()
                .statusCode(400).body("error.message", containsString("'Idempotency-Key'"));
        Api.admin().header("Idempotency-Key", tooLong).body(java.util.Map.of("provider", "openai", "key", Api.randomToken("p-")))
                .post("/admin/v1/pooled-credentials").then().statusCode(400).body("error.message", containsString("'Idempotency-Key'"));
        for (Endpoint e : endpoints(a, hash, byok, pooled)) {
            if (e.method().equals("PATCH") || e.path().endsWith("/rotate")) {
                as(e).header("If-Match", "\"not-a-version\"").body("{\"name\":\"x\",\"key\":\"" + FAKE_KEY + "\"}")
                        .request(e.method(), e.path()).then().statusCode(400).contentType(ContentType.JSON)
                        .body("error.code", equalTo(400));
            }
        }
        a.mgmt().header("If-Match", "soon").delete("/api/v1/byok/" + byok).then().statusCode(400)
                .body("error.message", containsString("'If-Match'"));
        assertEquals(before, snapshot());
    }

    @Test
    void badQueryParametersAre400NamingTheParameter() {
        Api.Account a = Api.newAccount();
        a.mgmt().queryParam("offset", "abc").get("/api/v1/keys").then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("'offset'"));
        a.mgmt().queryParam("limit", "0").get("/api/v1/byok").then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("'limit'"));
        a.mgmt().queryParam("include_disabled", "maybe").get("/api/v1/keys").then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("'include_disabled'"));
        a.mgmt().queryParam("provider", "Not A Slug").get("/api/v1/byok").then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("'provider'"));
    }

    @Test
    void unknownRoutesAndMethodsAnswerWithJsonErrors() {
        Api.Account a = Api.newAccount();
        a.mgmt().get("/api/v1/nothing-here").then().statusCode(404).contentType(ContentType.JSON).body("error.code", equalTo(404));
        a.mgmt().put("/api/v1/keys").then().statusCode(allOf(greaterThanOrEqualTo(400), lessThan(500)))
                .contentType(ContentType.JSON).body("error.code", notNullValue());
    }
}
