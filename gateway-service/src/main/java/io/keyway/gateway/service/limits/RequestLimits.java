package io.keyway.gateway.service.limits;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.keyway.contracts.RateLimit;
import io.keyway.contracts.RoutingView;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import io.keyway.gateway.service.GatewayError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request limits, checked before routing (issue 16): requests per interval and requests in flight at once, of the
 * calling API key (its {@code rate_limit} and {@code max_concurrent_requests}) and of its account (the operator's
 * setting). A request must pass all that are set, so the stricter binds. A refusal is a 429 in OpenRouter's error
 * shape naming the limit ({@code metadata.limit_source} key or account, {@code metadata.limit_type} rate or
 * concurrency) with {@code Retry-After}: from the bucket for a rate, {@link #CONCURRENCY_RETRY_AFTER_SECONDS} for
 * concurrency.
 *
 * <p>No call on the request path: the limits come with the cached key resolution and routing view, and each replica
 * keeps its own counters. So each replica admits its share of a limit, {@code ceil(limit / keyway.gateway.replicas)},
 * at least 1 — exact when the load balancer spreads a key's requests evenly, stricter than the limit when it does not
 * (docs/decisions.md, "Request limits"). Rates are token buckets (Bucket4j), refilled smoothly over the interval;
 * a refused request takes no token and no slot.
 */
@Singleton
public class RequestLimits {

    /** Whose limit refused a request; its wire name is {@code metadata.limit_source} and the metric's tag. */
    public enum Scope {
        KEY("key"), ACCOUNT("account");

        final String wire;

        Scope(String wire) {
            this.wire = wire;
        }
    }

    /** Which limit refused it: {@code metadata.limit_type} and the metric's tag. */
    public enum Kind {
        RATE("rate"), CONCURRENCY("concurrency");

        final String wire;

        Kind(String wire) {
            this.wire = wire;
        }
    }

    /** A slot is freed when some request ends: a client may try again soon. */
    public static final long CONCURRENCY_RETRY_AFTER_SECONDS = 1;
    public static final String REFUSALS_METRIC = "keyway.gateway.limit.refusals";
    /** Shared with the 402s counted in the same meter ({@code metrics/CreditRefusals}). */
    public static final String REFUSALS_DESCRIPTION =
            "Requests refused by a limit: 429 request limits, 402 credits or key spend (status, limit_source, limit_type)";

    /** One bucket per key or account and limit: a changed limit starts a new, full bucket. */
    private record BucketId(Scope scope, String id, long capacity, Duration period) {
    }

    private record InFlightId(Scope scope, String id) {
    }

    private final int replicas;
    private final Cache<BucketId, Bucket> buckets;
    /** Requests in flight per key and account that has a concurrency limit; an entry goes at 0. */
    private final ConcurrentHashMap<InFlightId, Integer> inFlight = new ConcurrentHashMap<>();
    private final Map<Scope, Map<Kind, Counter>> refusals = new EnumMap<>(Scope.class);

    @Inject
    public RequestLimits(GatewayConfig config, MeterRegistry registry) {
        this(config.replicas(), config.cacheMaxEntries(), registry);
    }

    RequestLimits(int replicas, int maxBuckets, MeterRegistry registry) {
        this.replicas = Math.max(1, replicas);
        // an idle bucket is full again after its interval (at most an hour): forgetting it then loses nothing
        this.buckets = Caffeine.newBuilder().expireAfterAccess(RateLimit.MAX_INTERVAL).maximumSize(maxBuckets).build();
        for (Scope scope : Scope.values()) {
            Map<Kind, Counter> byKind = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                byKind.put(kind, Counter.builder(REFUSALS_METRIC)
                        .description(REFUSALS_DESCRIPTION).tag("status", "429")
                        .tag("limit_source", scope.wire).tag("limit_type", kind.wire).register(registry));
            }
            refusals.put(scope, byKind);
        }
    }

    /** This replica's share of a limit: {@code ceil(limit / replicas)}, at least 1. */
    public long share(long limit) {
        return Math.max(1, (limit + replicas - 1) / replicas);
    }

    /**
     * Admits the request or throws a 429 {@link GatewayError}. The slots it takes are held by {@code admission}
     * until the request ends. Call before routing.
     */
    public void admit(Caller caller, RoutingView account, Admission admission) {
        Integer keyConcurrency = caller.key().maxConcurrentRequests();
        Integer accountConcurrency = account == null ? null : account.maxConcurrentRequests();
        RateLimit keyRate = caller.key().rateLimit();
        RateLimit accountRate = account == null ? null : account.rateLimit();
        if (keyConcurrency == null && accountConcurrency == null && keyRate == null && accountRate == null) {
            return; // the usual case: nothing to count
        }
        InFlightId keySlot = keyConcurrency == null ? null : new InFlightId(Scope.KEY, caller.apiKeyId());
        InFlightId accountSlot = accountConcurrency == null ? null : new InFlightId(Scope.ACCOUNT, caller.accountId());
        if (keySlot != null && !acquire(keySlot, share(keyConcurrency))) {
            throw concurrencyRefused(Scope.KEY, keyConcurrency);
        }
        if (accountSlot != null && !acquire(accountSlot, share(accountConcurrency))) {
            release(keySlot);
            throw concurrencyRefused(Scope.ACCOUNT, accountConcurrency);
        }
        Bucket keyBucket = keyRate == null ? null : bucket(Scope.KEY, caller.apiKeyId(), keyRate);
        ConsumptionProbe probe = keyBucket == null ? null : keyBucket.tryConsumeAndReturnRemaining(1);
        if (probe != null && !probe.isConsumed()) {
            release(keySlot);
            release(accountSlot);
            throw rateRefused(Scope.KEY, keyRate, probe);
        }
        if (accountRate != null) {
            ConsumptionProbe accountProbe = bucket(Scope.ACCOUNT, caller.accountId(), accountRate)
                    .tryConsumeAndReturnRemaining(1);
            if (!accountProbe.isConsumed()) {
                if (keyBucket != null) {
                    keyBucket.addTokens(1); // the request was not admitted: its key's token is given back
                }
                release(keySlot);
                release(accountSlot);
                throw rateRefused(Scope.ACCOUNT, accountRate, accountProbe);
            }
        }
        if (keySlot != null) {
            admission.hold(() -> release(keySlot));
        }
        if (accountSlot != null) {
            admission.hold(() -> release(accountSlot));
        }
    }

    /** Requests of this key or account in flight on this replica (tests, diagnostics). */
    public int inFlight(Scope scope, String id) {
        return inFlight.getOrDefault(new InFlightId(scope, id), 0);
    }

    private Bucket bucket(Scope scope, String id, RateLimit limit) {
        long capacity = share(limit.requests());
        Duration period = limit.period();
        return buckets.get(new BucketId(scope, id, capacity, period), b -> Bucket.builder()
                .addLimit(l -> l.capacity(capacity).refillGreedy(capacity, period)).build());
    }

    private boolean acquire(InFlightId id, long limit) {
        boolean[] taken = {false};
        inFlight.compute(id, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= limit) {
                return n;
            }
            taken[0] = true;
            return current + 1;
        });
        return taken[0];
    }

    private void release(InFlightId id) {
        if (id != null) {
            inFlight.computeIfPresent(id, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    private GatewayError concurrencyRefused(Scope scope, int limit) {
        refusals.get(scope).get(Kind.CONCURRENCY).increment();
        ObjectNode metadata = metadata(scope, Kind.CONCURRENCY, limit, CONCURRENCY_RETRY_AFTER_SECONDS);
        return new GatewayError(429, "Rate limit exceeded: " + (scope == Scope.KEY ? "this API key" : "this account")
                + " allows " + limit + " concurrent requests" + replicaNote(limit) + "; retry when one has ended",
                metadata, CONCURRENCY_RETRY_AFTER_SECONDS);
    }

    private GatewayError rateRefused(Scope scope, RateLimit limit, ConsumptionProbe probe) {
        refusals.get(scope).get(Kind.RATE).increment();
        long retryAfter = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
        ObjectNode metadata = metadata(scope, Kind.RATE, limit.requests(), retryAfter);
        metadata.put("interval", limit.interval());
        return new GatewayError(429, "Rate limit exceeded: " + (scope == Scope.KEY ? "this API key" : "this account")
                + " allows " + limit.requests() + " requests per " + limit.interval() + replicaNote(limit.requests())
                + "; retry after " + retryAfter + " s", metadata, retryAfter);
    }

    private String replicaNote(long limit) {
        return replicas == 1 ? "" : " (" + share(limit) + " on each of " + replicas + " gateway replicas)";
    }

    private ObjectNode metadata(Scope scope, Kind kind, long limit, long retryAfter) {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("limit_source", scope.wire);
        m.put("limit_type", kind.wire);
        m.put("limit", limit);
        m.put("replica_limit", share(limit));
        m.put("retry_after_seconds", retryAfter);
        return m;
    }
}
