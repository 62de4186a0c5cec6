package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.common.WithTestResource;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 5, end to end: with the real key-service stopped, requests go on being served from the gateway's
 * cached API-key answers and routing views for {@code key-service-stale-window} past their TTL, then get a 503; once
 * key-service is back, requests are served again.
 *
 * <p>The TTLs are 3 s and the window 20 s here (production: 30 s and 5 min) so that the test takes under a minute: the
 * rule is the same at any scale. What it proves is that the stopped period (15 s of successful requests) is five times
 * the old limit: before, an API-key answer expired after one TTL and a routing view after two, whatever key-service
 * said, so the same requests failed within 3 to 6 s of key-service stopping.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
@TestProfile(KeyServiceOutageE2ETests.ShortTtl.class)
class KeyServiceOutageE2ETests extends GatewayE2E {

    static final Duration TTL = Duration.ofSeconds(3);
    static final Duration WINDOW = Duration.ofSeconds(20);

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyway.gateway.api-key-cache-ttl", "3S",
                    "keyway.gateway.routing-view-ttl", "3S",
                    "keyway.gateway.key-service-stale-window", "20S");
        }
    }

    @Test
    void withKeyServiceStoppedRequestsAreServedFromCacheForTheStaleWindowThen503AndServedAgainOnceItIsBack()
            throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        String pool = secret("ok");
        seed.pooled(CHEAP, pool);
        Map<String, Object> request = body(MODEL, "provider", Map.of("only", List.of(CHEAP)));
        // the pooled credential's change event reaches the gateway, then its view holds it
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> chat(key[0], request).statusCode() == 200 && called().contains(pool));

        long stopped = System.nanoTime();
        KeywayServices.stopKeyService();
        try {
            int served = 0;
            while (System.nanoTime() - stopped < Duration.ofSeconds(15).toNanos()) {
                Response r = chat(key[0], request);
                assertEquals(200, r.statusCode(), () -> "served from the cached answers "
                        + Duration.ofNanos(System.nanoTime() - stopped).toMillis() + " ms after key-service stopped: "
                        + r.asString());
                served++;
                Thread.sleep(250);
            }
            assertTrue(served > 20, "requests went on: " + served);

            // the window is counted from key-service's last answer, at most TTL + window before now
            Response refused = await().atMost(TTL.plus(WINDOW)).pollInterval(Duration.ofMillis(250))
                    .until(() -> chat(key[0], request), r -> r.statusCode() != 200);
            refused.then().statusCode(503).body("error.code", equalTo(503));
            assertTrue(System.nanoTime() - stopped >= WINDOW.minusSeconds(1).toNanos(),
                    "not before the window: " + Duration.ofNanos(System.nanoTime() - stopped).toMillis() + " ms");
        } finally {
            KeywayServices.restartKeyService();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> chat(key[0], request).statusCode() == 200);
    }
}
