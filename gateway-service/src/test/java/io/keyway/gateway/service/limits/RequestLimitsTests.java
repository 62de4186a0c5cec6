package io.keyway.gateway.service.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.ApiKeyResolution;
import io.keyway.contracts.RateLimit;
import io.keyway.contracts.RoutingView;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import io.keyway.gateway.service.GatewayError;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link RequestLimits}' rules, without I/O: the stricter limit binds, each replica admits its share, slots return. */
class RequestLimitsTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final String account = UUID.randomUUID().toString();

    private Caller key(RateLimit rate, Integer concurrent) {
        return new Caller(new ApiKeyResolution(UUID.randomUUID().toString(), account, "k", false, false, null, null,
                null, false, null, rate, concurrent), "hash", "label");
    }

    private RoutingView accountLimits(RateLimit rate, Integer concurrent) {
        return new RoutingView(account, "1.1", "byok_first", List.of(), List.of(), List.of(), List.of(), rate,
                concurrent);
    }

    private double refusals(String source, String type) {
        return registry.get(RequestLimits.REFUSALS_METRIC).tag("limit_source", source).tag("limit_type", type)
                .counter().count();
    }

    @Test
    void aKeyWithoutLimitsOnAnAccountWithoutLimitsIsNeverRefused() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        Caller caller = key(null, null);
        for (int i = 0; i < 10_000; i++) {
            limits.admit(caller, accountLimits(null, null), new Admission());
        }
    }

    @Test
    void theRequestOverTheKeysRateIsRefused429WithRetryAfterFromTheBucket() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        Caller caller = key(new RateLimit(3, "1m"), null);
        for (int i = 0; i < 3; i++) {
            limits.admit(caller, null, new Admission());
        }
        GatewayError e = assertThrows(GatewayError.class, () -> limits.admit(caller, null, new Admission()));
        assertEquals(429, e.status());
        assertEquals("key", e.metadata().get("limit_source").asText());
        assertEquals("rate", e.metadata().get("limit_type").asText());
        // 3 per minute refill one token every 20 s
        assertTrue(e.retryAfterSeconds() >= 19 && e.retryAfterSeconds() <= 20, "retry after " + e.retryAfterSeconds());
        assertEquals(1.0, refusals("key", "rate"));
    }

    @Test
    void theKeysConcurrencyLimitRefusesTheNextRequestUntilOneEnds() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        Caller caller = key(null, 2);
        Admission first = new Admission();
        limits.admit(caller, null, first);
        limits.admit(caller, null, new Admission());
        GatewayError e = assertThrows(GatewayError.class, () -> limits.admit(caller, null, new Admission()));
        assertEquals(429, e.status());
        assertEquals("concurrency", e.metadata().get("limit_type").asText());
        assertEquals(RequestLimits.CONCURRENCY_RETRY_AFTER_SECONDS, e.retryAfterSeconds());
        first.end();
        first.end(); // ending twice gives back one slot, not two
        limits.admit(caller, null, new Admission());
        assertThrows(GatewayError.class, () -> limits.admit(caller, null, new Admission()));
    }

    @Test
    void theAccountLimitBindsAcrossItsKeysWhenStricterThanEachKeys() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        RoutingView view = accountLimits(null, 2);
        limits.admit(key(null, 5), view, new Admission());
        limits.admit(key(null, 5), view, new Admission());
        GatewayError e = assertThrows(GatewayError.class, () -> limits.admit(key(null, 5), view, new Admission()));
        assertEquals("account", e.metadata().get("limit_source").asText());
        assertEquals(1.0, refusals("account", "concurrency"));
    }

    @Test
    void theKeyLimitBindsWhenStricterThanTheAccounts() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        RoutingView view = accountLimits(new RateLimit(100, "1m"), 100);
        Caller caller = key(new RateLimit(1, "1m"), null);
        limits.admit(caller, view, new Admission());
        GatewayError e = assertThrows(GatewayError.class, () -> limits.admit(caller, view, new Admission()));
        assertEquals("key", e.metadata().get("limit_source").asText());
    }

    @Test
    void aRequestRefusedByTheAccountTakesNoTokenOrSlotOfItsKey() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        Caller caller = key(new RateLimit(2, "1h"), 1);
        Admission held = new Admission();
        limits.admit(key(null, null), accountLimits(new RateLimit(1, "1h"), null), held); // the account's one token
        assertThrows(GatewayError.class, () -> limits.admit(caller, accountLimits(new RateLimit(1, "1h"), null),
                new Admission()));
        assertEquals(0, limits.inFlight(RequestLimits.Scope.KEY, caller.apiKeyId()));
        // without the account limit both of the key's tokens are still there
        for (int i = 0; i < 2; i++) {
            Admission a = new Admission();
            limits.admit(caller, null, a);
            a.end();
        }
        assertThrows(GatewayError.class, () -> limits.admit(caller, null, new Admission()));
    }

    @Test
    void withTwoReplicasAKeyLimitOfFourConcurrentAdmitsTwoOnThisReplica() {
        RequestLimits limits = new RequestLimits(2, 1000, registry);
        Caller caller = key(null, 4);
        List<Admission> open = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Admission a = new Admission();
            limits.admit(caller, null, a);
            open.add(a);
        }
        GatewayError e = assertThrows(GatewayError.class, () -> limits.admit(caller, null, new Admission()));
        assertEquals(2, e.metadata().get("replica_limit").asInt());
        assertEquals(4, e.metadata().get("limit").asInt());
    }

    @Test
    void eachReplicasShareIsTheLimitDividedByReplicasRoundedUpAndAtLeastOne() {
        assertEquals(2, new RequestLimits(2, 10, registry).share(4));
        assertEquals(2, new RequestLimits(2, 10, registry).share(3));
        assertEquals(1, new RequestLimits(3, 10, registry).share(1));
        assertEquals(34, new RequestLimits(3, 10, registry).share(100));
        assertEquals(7, new RequestLimits(1, 10, registry).share(7));
        assertEquals(7, new RequestLimits(0, 10, registry).share(7), "replicas below 1 count as 1");
    }

    @Test
    void aSlotTakenAfterTheRequestEndedIsGivenBackAtOnce() {
        RequestLimits limits = new RequestLimits(1, 1000, registry);
        Caller caller = key(null, 1);
        Admission gone = new Admission();
        gone.end(); // the client left while the request was on its way to admission
        limits.admit(caller, null, gone);
        assertEquals(0, limits.inFlight(RequestLimits.Scope.KEY, caller.apiKeyId()));
        limits.admit(caller, null, new Admission());
    }
}
