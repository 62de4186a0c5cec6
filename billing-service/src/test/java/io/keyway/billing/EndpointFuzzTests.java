package io.keyway.billing;

import static io.restassured.RestAssured.given;

import io.keyway.contracts.fuzz.FuzzPass;
import io.keyway.contracts.fuzz.FuzzPass.Target;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fuzz pass over every billing-service endpoint (issue 18, item 9; {@link FuzzPass} says what is generated and how
 * to replay a seed): the account's API (a real management key from the real key-service, {@link KeyServiceProcess}),
 * the admin API and the internal API. No answer is a 5xx, every 4xx is a JSON error naming the problem, and no answer
 * quotes the management key or a token.
 */
@QuarkusTest
@WithTestResource(KeyServiceProcess.class)
class EndpointFuzzTests {

    private static final String ADMIN = "Bearer local-admin-token";

    @TestHTTPResource("/")
    URI base;

    @TestFactory
    Stream<DynamicTest> noEndpointAnswersMalformedInputWithA5xxAndEvery4xxIsAJsonErrorWithoutSecrets() {
        Assumptions.assumeTrue(KeyServiceProcess.available(),
                "key-service/target/quarkus-app is not built: build key-service first (./mvnw -pl key-service package)");
        JsonPath created = given().baseUri(KeyServiceProcess.url).header("Authorization", ADMIN)
                .contentType("application/json").body(Map.of("name", "billing-fuzz-" + UUID.randomUUID()))
                .post("/admin/v1/accounts").then().statusCode(201).extract().jsonPath();
        String account = created.getString("data.id");
        String managementKey = created.getString("management_key");
        String mgmt = "Bearer " + managementKey;
        given().header("Authorization", ADMIN).contentType("application/json").body(Map.of("amount", "5.00"))
                .post("/admin/v1/accounts/" + account + "/credits").then().statusCode(201);

        List<Target> targets = new ArrayList<>();
        // the account's API (management key, resolved through key-service)
        targets.add(Target.of("GET", "/api/v1/credits").header("Authorization", mgmt));
        targets.add(Target.of("GET", "/api/v1/statements/{month}").header("Authorization", mgmt)
                .path("month", "2026-11"));
        targets.add(Target.of("GET", "/api/v1/statements/{month}/daily").header("Authorization", mgmt)
                .path("month", "2026-11"));
        targets.add(Target.of("GET", "/api/v1/ledger").header("Authorization", mgmt)
                .query("format", "page", "page_size"));
        // the admin API (operator's token)
        String accountPath = "/admin/v1/accounts/{accountId}";
        targets.add(Target.of("POST", accountPath + "/credits").header("Authorization", ADMIN)
                .path("accountId", account).body("{\"amount\":\"1.00\",\"description\":\"fuzz\"}"));
        targets.add(Target.of("POST", accountPath + "/adjustments").header("Authorization", ADMIN)
                .path("accountId", account).body("{\"amount\":\"-0.01\",\"reason\":\"fuzz\"}"));
        targets.add(Target.of("GET", accountPath + "/balance").header("Authorization", ADMIN).path("accountId", account));
        targets.add(Target.of("GET", accountPath + "/statements/{month}").header("Authorization", ADMIN)
                .path("accountId", account).path("month", "2026-11"));
        targets.add(Target.of("GET", accountPath + "/ledger").header("Authorization", ADMIN).path("accountId", account)
                .query("format", "page", "page_size"));
        targets.add(Target.of("GET", accountPath + "/fee-schedule").header("Authorization", ADMIN)
                .path("accountId", account));
        targets.add(Target.of("PUT", accountPath + "/fee-schedule").header("Authorization", ADMIN)
                .path("accountId", account).body("{\"byok_allowance\":\"requests\",\"byok_free_requests\":5000000,"
                        + "\"byok_free_list_cost\":\"50000\",\"byok_fee_rate\":\"0.03\"}"));
        targets.add(Target.of("DELETE", accountPath + "/fee-schedule").header("Authorization", ADMIN)
                .path("accountId", account));
        // the internal API (the gateway's token)
        targets.add(Target.of("GET", "/internal/v1/api-keys/{apiKeyId}/usage")
                .header("Authorization", "Bearer local-gateway-token").path("apiKeyId", UUID.randomUUID().toString()));
        targets.add(Target.of("GET", "/internal/v1/accounts/{accountId}/generations/{id}")
                .header("Authorization", "Bearer local-gateway-token").path("accountId", account)
                .path("id", "gen-" + UUID.randomUUID()));
        targets.add(Target.of("GET", "/internal/v1/accounts/{accountId}/generations")
                .header("Authorization", "Bearer local-gateway-token").path("accountId", account)
                .query("limit", "cursor", "model", "provider", "status", "api_key_id"));
        targets.add(Target.of("GET", "/internal/v1/accounts/{accountId}/activity")
                .header("Authorization", "Bearer local-gateway-token").path("accountId", account)
                .query("date", "api_key_id"));

        FuzzPass pass = new FuzzPass(base, Set.of(managementKey, "local-admin-token", "local-gateway-token",
                "local-billing-token"));
        return targets.stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> pass.run(t)));
    }
}
