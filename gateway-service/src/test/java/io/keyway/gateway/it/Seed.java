package io.keyway.gateway.it;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Sets up accounts, API keys, BYOK keys, pooled credentials and credits through the REAL key-service's and
 * billing-service's public admin and management APIs (the agreed cross-service API), as an operator would.
 */
public final class Seed {

    public record Account(String id, String managementKey) {
    }

    public record ApiKey(String key, String hash, String id) {
    }

    private final List<String> pooledIds = new ArrayList<>();

    public Account account() {
        JsonPath body = given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("name", "gateway-it-" + UUID.randomUUID()))
                .post("/admin/v1/accounts").then().statusCode(201).extract().jsonPath();
        return new Account(body.getString("data.id"), body.getString("management_key"));
    }

    public ApiKey apiKey(Account account) {
        return apiKey(account, Map.of());
    }

    public ApiKey apiKey(Account account, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("name", "it-key-" + UUID.randomUUID());
        JsonPath created = given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + account.managementKey())
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(body).post("/api/v1/keys").then().statusCode(201).extract().jsonPath();
        String hash = created.getString("data.hash");
        String id = given().baseUri(KeywayServices.keyServiceUrl)
                .header("Authorization", "Bearer " + KeywayServices.GATEWAY_TOKEN)
                .get("/internal/v1/api-keys/" + hash).then().statusCode(200).extract().jsonPath().getString("api_key_id");
        return new ApiKey(created.getString("key"), hash, id);
    }

    /** A BYOK key; {@code options} are the agreed /api/v1/byok fields (name, is_fallback, always_use, disabled, …). */
    public String byok(Account account, String provider, String secret, Map<String, Object> options) {
        Map<String, Object> body = new HashMap<>(options);
        body.put("provider", provider);
        body.put("key", secret);
        body.putIfAbsent("name", "it-byok-" + secret.substring(0, Math.min(12, secret.length())));
        return given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + account.managementKey())
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(body).post("/api/v1/byok").then().statusCode(201).extract().jsonPath().getString("data.id");
    }

    public void patchByok(Account account, String id, Map<String, Object> patch) {
        given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + account.managementKey())
                .body(patch).patch("/api/v1/byok/" + id).then().statusCode(200);
    }

    public void patchApiKey(Account account, String hash, Map<String, Object> patch) {
        given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + account.managementKey())
                .body(patch).patch("/api/v1/keys/" + hash).then().statusCode(200);
    }

    public String pooled(String provider, String secret) {
        String id = given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("provider", provider, "key", secret))
                .post("/admin/v1/pooled-credentials").then().statusCode(201).extract().jsonPath().getString("data.id");
        pooledIds.add(id);
        return id;
    }

    public void settings(Account account, Map<String, Object> patch) {
        given().baseUri(KeywayServices.keyServiceUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                .body(patch).patch("/admin/v1/accounts/" + account.id() + "/settings").then().statusCode(200);
    }

    public void topUp(Account account, String amount) {
        given().baseUri(KeywayServices.billingUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("amount", amount, "description", "gateway e2e"))
                .post("/admin/v1/accounts/" + account.id() + "/credits").then().statusCode(201);
    }

    /** Sets the account's negotiated BYOK fee terms in billing ({@code PUT /admin/v1/accounts/{id}/fee-schedule}). */
    public void feeSchedule(Account account, Map<String, Object> terms) {
        given().baseUri(KeywayServices.billingUrl).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                .body(terms).put("/admin/v1/accounts/" + account.id() + "/fee-schedule").then().statusCode(200);
    }

    /** Removes the pooled credentials this seed created: they are platform-wide. */
    public void cleanUp() {
        for (String id : pooledIds) {
            given().baseUri(KeywayServices.keyServiceUrl)
                    .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                    .delete("/admin/v1/pooled-credentials/" + id);
        }
        pooledIds.clear();
    }
}
