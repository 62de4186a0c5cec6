package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Breakers that one tenant cannot trip for all (issue 18): with the real services and the upstream STAND-IN, and
 * breakers as in production but smaller (an endpoint opens at 50 % failures of at least 4 calls; a credential after 10
 * consecutive failures, so that a tenant's keys keep being called long enough to have opened the endpoint were their
 * failures counted against it), one tenant's failing BYOK keys — rejected (401), rate limited (429) and too slow (no
 * first byte of its stream within the 1 s timeout) — leave the endpoint closed for another tenant, while failures of the provider
 * itself (5xx) still open it for everyone.
 */
@QuarkusTest
@WithTestResource(value = KeywayServices.class, initArgs = {
        @ResourceArg(name = "keyway.gateway.upstream.first-byte-timeout", value = "1S"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-failure-threshold", value = "10"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-minimum-calls", value = "4"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-window-size", value = "10"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-failure-rate", value = "50"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-open-duration", value = "60S")})
class TenantIsolatedBreakersE2ETests extends GatewayE2E {

    private static Map<String, Object> only(String provider) {
        return Map.of("only", List.of(provider));
    }

    @Test
    void oneTenantsRejectedRateLimitedAndSlowBYOKKeysDoNotOpenTheEndpointForAnotherTenant() {
        var tenantKey = new Seed.ApiKey[1];
        var tenant = fundedAccount(tenantKey);
        String slow = secret("slow3000");
        String rejected = secret("status401");
        String limited = secret("status429");
        seed.byok(tenant, CHEAP, slow, Map.of());
        seed.byok(tenant, CHEAP, rejected, Map.of());
        seed.byok(tenant, CHEAP, limited, Map.of());
        for (int i = 0; i < 5; i++) {
            // streamed: the slow key's silence is a first-byte timeout (a whole answer may take the total timeout)
            int status = chat(tenantKey[0], body(MODEL, "stream", true, "provider", only(CHEAP))).then().extract()
                    .statusCode();
            assertNotEquals(200, status, "the tenant's own keys all fail");
        }
        int tenantsCalls = called().size();

        var otherKey = new Seed.ApiKey[1];
        var other = fundedAccount(otherKey);
        String healthy = secret("ok");
        seed.byok(other, CHEAP, healthy, Map.of());
        KeywayServices.upstream.reset();
        String id = chat(otherKey[0], body(MODEL, "provider", only(CHEAP))).then()
                .statusCode(200).body("usage.is_byok", equalTo(true)).extract().path("id");
        assertEquals(List.of(healthy), called(), "the other tenant's key on the same endpoint is called");
        assertFalse(attempts(otherKey[0], id).contains("circuit_open"));
        assertEquals(15, tenantsCalls, "nor was it open to the tenant: each of its keys was called on each request");
    }

    @Test
    void theProvidersOwnFailuresStillOpenTheEndpointForEveryTenant() {
        var tenantKey = new Seed.ApiKey[1];
        var tenant = fundedAccount(tenantKey);
        seed.byok(tenant, MID, secret("status502"), Map.of());
        for (int i = 0; i < 4; i++) {
            chat(tenantKey[0], body(MODEL, "provider", only(MID))).then().statusCode(502);
        }

        var otherKey = new Seed.ApiKey[1];
        var other = fundedAccount(otherKey);
        seed.byok(other, MID, secret("ok"), Map.of());
        KeywayServices.upstream.reset();
        chat(otherKey[0], body(MODEL, "provider", only(MID))).then().statusCode(503)
                .body("error.metadata.attempts[0].outcome", equalTo("circuit_open"));
        assertEquals(List.of(), called(), "4 failures of 4 calls (the minimum) opened the endpoint: no call");
    }

    private static String attempts(Seed.ApiKey key, String id) {
        return io.restassured.RestAssured.given().header("Authorization", "Bearer " + key.key())
                .get("/api/v1/generation?id=" + id).then().statusCode(200)
                .extract().jsonPath().getList("data.provider_responses.outcome").toString();
    }
}
