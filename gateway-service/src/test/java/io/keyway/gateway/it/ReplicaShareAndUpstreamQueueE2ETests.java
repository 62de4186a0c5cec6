package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.service.CompletionExecutor;
import io.keyway.gateway.service.limits.RequestLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two rules of an overloaded or scaled-out gateway, with the real services and the upstream STAND-IN, in one gateway
 * configuration (so the services start once): {@code keyway.gateway.replicas=2} — each replica admits its share of a
 * limit, {@code ceil(limit / 2)} — and a tiny upstream pool ({@code max-pool-size=1}, {@code max-wait-queue=1} per
 * event loop) — a request that finds the wait queue full is answered 503 at once with {@code Retry-After}, without
 * trying another credential.
 */
@QuarkusTest
@WithTestResource(value = KeywayServices.class, initArgs = {
        @ResourceArg(name = "keyway.gateway.replicas", value = "2"),
        @ResourceArg(name = "keyway.gateway.upstream.max-pool-size", value = "1"),
        @ResourceArg(name = "keyway.gateway.upstream.max-wait-queue", value = "1")})
class ReplicaShareAndUpstreamQueueE2ETests extends GatewayE2E {

    private static final Map<String, Object> ONLY_CHEAP = Map.of("only", List.of(CHEAP));

    @Inject
    RequestLimits limits;

    @Inject
    MeterRegistry registry;

    @Test
    void withTwoReplicasAKeyLimitOfFourConcurrentRequestsAdmitsTwoOnThisReplica() throws Exception {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("max_concurrent_requests", 4));
        fund(account, key);
        seed.byok(account, CHEAP, secret("slow2000"), Map.of());
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> open = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                open.add(clients.submit(() -> chat(key, body(MODEL, "provider", ONLY_CHEAP)).statusCode()));
            }
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> limits.inFlight(RequestLimits.Scope.KEY, key.id()) == 2);
            Response refused = chat(key, body(MODEL, "provider", ONLY_CHEAP));
            refused.then().statusCode(429)
                    .body("error.metadata.limit_source", equalTo("key"))
                    .body("error.metadata.limit_type", equalTo("concurrency"))
                    .body("error.metadata.limit", equalTo(4))
                    .body("error.metadata.replica_limit", equalTo(2));
            assertEquals("1", refused.header("Retry-After"));
            for (Future<Integer> f : open) {
                assertEquals(200, f.get());
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void withTwoReplicasAKeyRateOfFourAnHourAdmitsTwoOnThisReplica() {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("rate_limit", Map.of("requests", 4, "interval", "1h")));
        fund(account, key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200);
        chat(key, body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(429)
                .body("error.metadata.limit_type", equalTo("rate"))
                .body("error.metadata.replica_limit", equalTo(2));
    }

    @Test
    void aRequestThatFindsTheUpstreamWaitQueueFullIs503AtOnceWithRetryAfterAndNoOtherCredentialIsTried()
            throws Exception {
        var account = seed.account();
        var key = seed.apiKey(account);
        fund(account, key);
        seed.byok(account, CHEAP, secret("slow2500"), Map.of());
        seed.pooled(CHEAP, secret("ok")); // a fallback a retryable failure would go on to
        double fullBefore = queueFullCount();
        // the gateway spreads connections over its event loops (2 per core), each with its own pool of 1 and queue
        // of 1: four requests per event loop leave two of them with no place
        int requests = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
        ExecutorService clients = Executors.newFixedThreadPool(requests);
        List<Response> answers = new ArrayList<>();
        long[] refusedInMs = {0};
        try {
            List<Future<Response>> sent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                sent.add(clients.submit(() -> {
                    long start = System.nanoTime();
                    Response r = chat(key, body(MODEL, "provider", ONLY_CHEAP));
                    if (r.statusCode() == 503) {
                        synchronized (refusedInMs) {
                            refusedInMs[0] = Math.max(refusedInMs[0], (System.nanoTime() - start) / 1_000_000);
                        }
                    }
                    return r;
                }));
            }
            for (Future<Response> f : sent) {
                answers.add(f.get());
            }
        } finally {
            clients.shutdownNow();
        }
        List<Response> refused = answers.stream().filter(r -> r.statusCode() == 503).toList();
        long served = answers.stream().filter(r -> r.statusCode() == 200).count();
        assertTrue(refused.size() >= 1, "some requests found the queue full: " + answers.stream()
                .map(Response::statusCode).toList());
        assertEquals(requests, refused.size() + served, "every other request was served");
        for (Response r : refused) {
            r.then().body("error.code", equalTo(503))
                    .body("error.metadata.reason", equalTo("upstream_queue_full"))
                    .body("error.metadata.attempts.size()", equalTo(1))
                    .body("error.metadata.attempts[0].outcome", equalTo("upstream_queue_full"));
            assertEquals("1", r.header("Retry-After"));
        }
        assertTrue(refusedInMs[0] < 2000, "refused at once, not after waiting for the slow upstream: "
                + refusedInMs[0] + " ms");
        assertEquals(served, called().size(), "only served requests reached the upstream, each once: no retry");
        assertEquals(fullBefore + refused.size(), queueFullCount());
    }

    /** The counter exists once the executor has run a request (an application-scoped bean is made when first used). */
    private double queueFullCount() {
        var counter = registry.find(CompletionExecutor.QUEUE_FULL_METRIC).counter();
        return counter == null ? 0 : counter.count();
    }

    private void fund(Seed.Account account, Seed.ApiKey key) {
        seed.topUp(account, "10.00");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                io.restassured.RestAssured.given().header("Authorization", "Bearer " + key.key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
    }
}
