package io.keyway.keys.rest;

import io.keyway.contracts.fuzz.FuzzPass;
import io.keyway.contracts.fuzz.FuzzPass.Target;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fuzz pass over every key-service endpoint (issue 18, item 9; {@link FuzzPass} says what is generated and how to
 * replay a seed): management API, admin API, internal API and the console's config. No answer is a 5xx, every 4xx is
 * a JSON error naming the problem, and no answer quotes a management key, BYOK key or pooled secret set up here.
 */
@QuarkusTest
class EndpointFuzzTests {

    @TestHTTPResource("/")
    URI base;

    /** Pooled credentials are in every account's routing view: those the pass created are removed after it. */
    private final Set<String> pooledBefore = new java.util.HashSet<>();

    private static List<String> pooledIds() {
        return Api.admin().get("/admin/v1/pooled-credentials").then().statusCode(200).extract().jsonPath()
                .getList("data.id");
    }

    @AfterEach
    void removePooledCredentialsOfThePass() {
        for (String id : pooledIds()) {
            if (!pooledBefore.contains(id)) {
                Api.admin().delete("/admin/v1/pooled-credentials/" + id).then().statusCode(200);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> noEndpointAnswersMalformedInputWithA5xxAndEvery4xxIsAJsonErrorWithoutSecrets() {
        pooledBefore.addAll(pooledIds());
        // The management API's account; a second one for the admin API, whose fuzzed PATCH may disable its keys.
        Api.Account tenant = Api.newAccount();
        Api.Account operated = Api.newAccount();
        String[] apiKey = Api.newApiKey(tenant, "fuzz");
        String byokSecret = Api.randomToken("fuzz-byok-");
        String byok = Api.newByokId(tenant, "openai", byokSecret);
        String pooledSecret = Api.randomToken("fuzz-pool-");
        String pooled = Api.newPooledId("fuzz-provider", pooledSecret);
        String spareManagementKey = Api.admin().body(Map.of("name", "spare")).post("/admin/v1/accounts/" + operated.id()
                + "/management-keys").then().statusCode(201).extract().path("data.id");
        String mgmt = "Bearer " + tenant.managementKey();
        String admin = Api.ADMIN;
        String internal = Api.INTERNAL;
        String fakeKey = "{\"key\":\"" + Api.randomToken("fuzz-new-") + "\"}";

        List<Target> targets = new ArrayList<>();
        // management API (account's management key)
        targets.add(Target.of("POST", "/api/v1/keys").header("Authorization", mgmt)
                .body("{\"name\":\"k\",\"limit\":\"10.50\",\"limit_reset\":\"monthly\",\"expires_at\":\"2099-01-01T00:00:00Z\"}"));
        targets.add(Target.of("GET", "/api/v1/keys").header("Authorization", mgmt)
                .query("include_disabled", "offset", "limit"));
        targets.add(Target.of("GET", "/api/v1/keys/{hash}").header("Authorization", mgmt).path("hash", apiKey[0]));
        targets.add(Target.of("PATCH", "/api/v1/keys/{hash}").header("Authorization", mgmt).path("hash", apiKey[0])
                .body("{\"name\":\"renamed\",\"disabled\":false,\"limit\":\"5\"}"));
        targets.add(Target.of("DELETE", "/api/v1/keys/{hash}").header("Authorization", mgmt)
                .path("hash", Api.newApiKey(tenant, "doomed")[0]));
        targets.add(Target.of("POST", "/api/v1/byok").header("Authorization", mgmt)
                .body("{\"provider\":\"openai\",\"key\":\"" + Api.randomToken("fuzz-") + "\",\"name\":\"b\","
                        + "\"is_fallback\":false,\"allowed_models\":[\"openai/gpt-4o\"],\"position\":0}"));
        targets.add(Target.of("GET", "/api/v1/byok").header("Authorization", mgmt).query("provider", "offset", "limit"));
        targets.add(Target.of("GET", "/api/v1/byok/{id}").header("Authorization", mgmt).path("id", byok));
        targets.add(Target.of("PATCH", "/api/v1/byok/{id}").header("Authorization", mgmt).path("id", byok)
                .body("{\"name\":\"b2\",\"disabled\":false,\"always_use\":true,\"allowed_user_ids\":[\"u1\"]}"));
        targets.add(Target.of("POST", "/api/v1/byok/{id}/rotate").header("Authorization", mgmt).path("id", byok)
                .body(fakeKey));
        targets.add(Target.of("DELETE", "/api/v1/byok/{id}").header("Authorization", mgmt)
                .path("id", Api.newByokId(tenant, "openai", Api.randomToken("fuzz-doomed-"))));
        targets.add(Target.of("GET", "/api/v1/settings").header("Authorization", mgmt));
        targets.add(Target.of("GET", "/api/v1/audit").header("Authorization", mgmt)
                .query("limit", "cursor", "from", "to", "action"));
        targets.add(Target.of("PATCH", "/api/v1/settings").header("Authorization", mgmt)
                .body("{\"ignored_providers\":[\"azure\"],\"byok_precedence\":\"byok_first\"}"));
        // admin API (operator's token)
        targets.add(Target.of("POST", "/admin/v1/accounts").header("Authorization", admin)
                .body("{\"name\":\"fuzzed\",\"default_secret_store\":\"local\"}"));
        targets.add(Target.of("GET", "/admin/v1/accounts/{id}").header("Authorization", admin).path("id", operated.id()));
        targets.add(Target.of("GET", "/admin/v1/accounts/{id}/settings").header("Authorization", admin)
                .path("id", operated.id()));
        targets.add(Target.of("PATCH", "/admin/v1/accounts/{id}/settings").header("Authorization", admin)
                .path("id", operated.id()).body("{\"ignored_providers\":[\"openai\"]}"));
        targets.add(Target.of("POST", "/admin/v1/accounts/{id}/management-keys").header("Authorization", admin)
                .path("id", operated.id()).body("{\"name\":\"m\"}"));
        targets.add(Target.of("GET", "/admin/v1/accounts/{id}/management-keys").header("Authorization", admin)
                .path("id", operated.id()));
        targets.add(Target.of("PATCH", "/admin/v1/accounts/{id}/management-keys/{keyId}").header("Authorization", admin)
                .path("id", operated.id()).path("keyId", spareManagementKey).body("{\"disabled\":false,\"name\":\"n\"}"));
        targets.add(Target.of("DELETE", "/admin/v1/accounts/{id}/management-keys/{keyId}").header("Authorization", admin)
                .path("id", operated.id()).path("keyId", spareManagementKey));
        targets.add(Target.of("POST", "/admin/v1/pooled-credentials").header("Authorization", admin)
                .body("{\"provider\":\"fuzz-provider\",\"key\":\"" + Api.randomToken("fuzz-") + "\",\"name\":\"p\"}"));
        targets.add(Target.of("GET", "/admin/v1/pooled-credentials").header("Authorization", admin));
        targets.add(Target.of("GET", "/admin/v1/audit").header("Authorization", admin)
                .query("account_id", "limit", "cursor", "from", "to", "action"));
        targets.add(Target.of("GET", "/admin/v1/pooled-credentials/{id}").header("Authorization", admin)
                .path("id", pooled));
        targets.add(Target.of("PATCH", "/admin/v1/pooled-credentials/{id}").header("Authorization", admin)
                .path("id", pooled).body("{\"name\":\"p2\",\"disabled\":false,\"position\":0}"));
        targets.add(Target.of("POST", "/admin/v1/pooled-credentials/{id}/rotate").header("Authorization", admin)
                .path("id", pooled).body(fakeKey));
        targets.add(Target.of("DELETE", "/admin/v1/pooled-credentials/{id}").header("Authorization", admin)
                .path("id", Api.newPooledId("fuzz-provider", Api.randomToken("fuzz-doomed-"))));
        // internal API (the gateway's token); routing views carry secrets by design
        targets.add(Target.of("GET", "/internal/v1/api-keys/{hash}").header("Authorization", internal)
                .path("hash", apiKey[0]));
        targets.add(Target.of("GET", "/internal/v1/api-keys/by-id/{id}").header("Authorization", internal)
                .path("id", tenant.managementKeyId()));
        targets.add(Target.of("GET", "/internal/v1/accounts/{accountId}/routing-view").header("Authorization", internal)
                .path("accountId", tenant.id()).servingSecrets());
        // the console's configuration (no sign-in)
        targets.add(Target.of("GET", "/console/config.json"));

        FuzzPass pass = new FuzzPass(base, Set.of(tenant.managementKey(), operated.managementKey(), apiKey[1],
                byokSecret, pooledSecret, "local-admin-token",
                "local-gateway-token"));
        return targets.stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> pass.run(t)));
    }
}
