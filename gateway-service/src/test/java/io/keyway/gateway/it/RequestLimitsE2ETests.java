package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.service.limits.RequestLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Request limits end to end (issue 16, item 2), with the real key-service (the limits set through /api/v1/keys and the
 * operator's account settings) and the upstream STAND-IN: the request over a limit is refused before routing with a
 * 429 in OpenRouter's error shape naming the limit, and {@code Retry-After}; a stream is refused before it starts; a
 * concurrency slot comes back when a request ends, whether its stream ran to the end or its client went away.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class RequestLimitsE2ETests extends GatewayE2E {

    private static final Map<String, Object> ONLY_CHEAP = Map.of("only", List.of(CHEAP));

    @Inject
    MeterRegistry registry;

    @Inject
    RequestLimits limits;

    private double refusals(String source, String type) {
        var counter = registry.find(RequestLimits.REFUSALS_METRIC).tag("limit_source", source)
                .tag("limit_type", type).counter();
        return counter == null ? 0 : counter.count(); // registered when the bean is first used
    }

    private static Map<String, Object> rate(int requests, String interval) {
        return Map.of("requests", requests, "interval", interval);
    }

    private static void assertRefused(Response r, String source, String type) {
        r.then().statusCode(429).contentType(containsString("application/json"))
                .body("error.code", equalTo(429))
                .body("error.message", containsString("Rate limit exceeded"))
                .body("error.metadata.limit_source", equalTo(source))
                .body("error.metadata.limit_type", equalTo(type));
        String retryAfter = r.header("Retry-After");
        assertTrue(retryAfter != null && retryAfter.matches("[1-9][0-9]*"), "Retry-After: " + retryAfter);
    }

    @Test
    void theRequestOverAKeysRateLimitIs429WithRetryAfterInSecondsFromTheBucket() {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("rate_limit", rate(2, "1m")));
        fundedWith(account, key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        double before = refusals("key", "rate");
        chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        Response refused = chat(key, body(MODEL, "provider", ONLY_CHEAP));
        assertRefused(refused, "key", "rate");
        refused.then().body("error.metadata.limit", equalTo(2)).body("error.metadata.interval", equalTo("1m"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 20 && retryAfter <= 30, "2 a minute refill one every 30 s: " + retryAfter);
        assertEquals(2, called().size(), "the refused request reached no upstream");
        assertEquals(before + 1, refusals("key", "rate"), "counted by limit kind");
    }

    @Test
    void getKeyShowsTheKeysOwnRateLimitInOpenRoutersShape() {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("rate_limit", rate(50, "10s")));
        fundedWith(account, key);
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + key.key()).get("/api/v1/key").then()
                .statusCode(200).body("data.rate_limit.requests", equalTo(50))
                .body("data.rate_limit.interval", equalTo("10s"))
                .body("data.rate_limit.note", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void aStreamOverTheConcurrencyLimitIsRefusedBeforeItStartsAndAdmittedAgainOnceOpenStreamsEnd() throws Exception {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("max_concurrent_requests", 2));
        fundedWith(account, key);
        seed.byok(account, CHEAP, secret("slowstream400"), Map.of()); // 5 chunks 400 ms apart: 2 s a stream
        try (Socket first = OpenStreams.open(key, MODEL, CHEAP); Socket second = OpenStreams.open(key, MODEL, CHEAP)) {
            assertRefused(chat(key, body(MODEL, "stream", true, "provider", ONLY_CHEAP)), "key", "concurrency");
            assertEquals(2, called().size(), "the refused stream reached no upstream");
            OpenStreams.readToEnd(first);
            OpenStreams.readToEnd(second);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> limits.inFlight(RequestLimits.Scope.KEY, key.id()) == 0);
        chat(key, body(MODEL, "stream", true, "provider", ONLY_CHEAP)).then().statusCode(200);
    }

    @Test
    void aConcurrencySlotComesBackWhenTheClientAbortsItsStream() throws Exception {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("max_concurrent_requests", 1));
        fundedWith(account, key);
        seed.byok(account, CHEAP, secret("slowstream1000"), Map.of()); // 5 s a stream
        Socket open = OpenStreams.open(key, MODEL, CHEAP);
        assertRefused(chat(key, body(MODEL, "provider", ONLY_CHEAP)), "key", "concurrency");
        open.close(); // the client goes away mid-stream
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> limits.inFlight(RequestLimits.Scope.KEY, key.id()) == 0);
        try (Socket again = OpenStreams.open(key, MODEL, CHEAP)) {
            assertEquals(1, limits.inFlight(RequestLimits.Scope.KEY, key.id()));
        }
    }

    @Test
    void aConcurrencySlotComesBackWhenTheRequestFails() throws Exception {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("max_concurrent_requests", 1));
        fundedWith(account, key);
        seed.byok(account, CHEAP, secret("status500"), Map.of());
        for (int i = 0; i < 3; i++) {
            chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(500);
            chat(key, body(MODEL, "stream", true, "provider", ONLY_CHEAP)).then().statusCode(500);
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> limits.inFlight(RequestLimits.Scope.KEY, key.id()) == 0);
    }

    @Test
    void theAccountsConcurrencyLimitSetByTheOperatorBindsAcrossItsKeys() throws Exception {
        var account = seed.account();
        var first = seed.apiKey(account, Map.of("max_concurrent_requests", 10));
        var second = seed.apiKey(account);
        seed.settings(account, Map.of("max_concurrent_requests", 1));
        fundedWith(account, first);
        seed.byok(account, CHEAP, secret("slowstream1000"), Map.of());
        double before = refusals("account", "concurrency");
        try (Socket open = OpenStreams.open(first, MODEL, CHEAP)) {
            assertRefused(chat(second, body(MODEL, "provider", ONLY_CHEAP)), "account", "concurrency");
            assertRefused(chat(first, body(MODEL, "provider", ONLY_CHEAP)), "account", "concurrency");
        }
        assertEquals(before + 2, refusals("account", "concurrency"));
    }

    @Test
    void theAccountsRateLimitSetByTheOperatorBindsAcrossItsKeys() {
        var account = seed.account();
        var first = seed.apiKey(account);
        var second = seed.apiKey(account);
        seed.settings(account, Map.of("rate_limit", rate(3, "1h")));
        fundedWith(account, first);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(first, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        chat(second, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        chat(first, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        Response refused = chat(second, body(MODEL, "provider", ONLY_CHEAP));
        assertRefused(refused, "account", "rate");
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter > 1000 && retryAfter <= 1200, "3 an hour refill one every 1200 s: " + retryAfter);
    }

    @Test
    void aKeyLimitChangedThroughTheManagementApiTakesEffectWithoutARestart() {
        var account = seed.account();
        var key = seed.apiKey(account);
        fundedWith(account, key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        seed.patchApiKey(account, key.hash(), Map.of("rate_limit", rate(1, "1h")));
        // key-service's change feed drops the gateway's cached key: the new limit holds within the feed's delay
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                chat(key, body(MODEL, "provider", ONLY_CHEAP)).statusCode() == 429);
    }

    /** Credits the gateway has seen for the account (billing → account state → gateway). */
    private void fundedWith(Seed.Account account, Seed.ApiKey key) {
        seed.topUp(account, "10.00");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                io.restassured.RestAssured.given().header("Authorization", "Bearer " + key.key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
    }
}
