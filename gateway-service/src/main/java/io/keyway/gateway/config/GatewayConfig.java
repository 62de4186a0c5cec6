package io.keyway.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Optional;

/** All of gateway-service's own settings, under {@code keyway.gateway}. */
@ConfigMapping(prefix = "keyway.gateway")
public interface GatewayConfig {

    /** Base URL of key-service's internal API (key resolution, routing views). */
    String keyServiceUrl();

    /** Base URL of billing-service's internal API (an API key's usage for {@code GET /api/v1/key}). */
    String billingUrl();

    /**
     * The gateway's own bearer token on key-service's and billing-service's {@code /internal/v1} (env
     * {@code KEYWAY_GATEWAY_TOKEN}). No default in production: the gateway refuses to start without it.
     */
    Optional<String> serviceToken();

    /**
     * A PEM bundle of the CA certificates that signed key-service's and billing-service's certificates, for https
     * service URLs (env {@code KEYWAY_INTERNAL_CA_BUNDLE}); it replaces the JVM's authorities for these calls. Absent:
     * the JVM's authorities.
     */
    Optional<String> internalTrustCertificates();

    /** Largest chat completion request body accepted, in bytes. */
    @WithDefault("4194304")
    int maxBodyBytes();

    /** Model catalog file (JSON, e.g. a mounted ConfigMap); absent = the small default catalog in the jar. */
    Optional<String> catalogPath();

    /** How long a resolved API key (or an unknown one) is trusted without asking key-service again. */
    @WithDefault("30S")
    Duration apiKeyCacheTtl();

    /** How long a routing view is used before it is revalidated with If-None-Match. Change events drop it at once. */
    @WithDefault("30S")
    Duration routingViewTtl();

    /**
     * How long past its TTL ({@code api-key-cache-ttl}, {@code routing-view-ttl}) a cached API-key answer or routing
     * view is still served while key-service cannot answer (unreachable, timed out, an error status); after that,
     * requests get a 503. An answer key-service gives (unknown, disabled, revoked) and a change-feed event take effect
     * at once whatever this says. 0 = no stale answers.
     */
    @WithDefault("5M")
    Duration keyServiceStaleWindow();

    /**
     * How soon a partial routing view (key-service left out keys whose secret store could not answer) is revalidated,
     * so that those keys are back within seconds of their store.
     */
    @WithDefault("5S")
    Duration partialRoutingViewTtl();

    /** Most cached entries of each cache (API keys, routing views). */
    @WithDefault("100000")
    int cacheMaxEntries();

    /**
     * Recent generations this replica keeps in memory: {@code GET /api/v1/generation} answers these without asking
     * billing-service, which keeps every request for its retention (docs/decisions.md, "Where generations live").
     */
    @WithDefault("10000")
    int generationCacheSize();

    /**
     * How long {@code /api/v1/generation} (past the in-memory ring), {@code /generations} and {@code /activity} wait
     * for billing-service before answering 503.
     */
    @WithDefault("2s")
    Duration generationHistoryTimeout();

    /**
     * Where this installation processes requests, as OpenRouter's {@code data_region} names it ({@code global},
     * {@code europe} or {@code us}); shown in {@code /api/v1/generation}. The operator states it: Keyway runs where
     * it is installed and does not route by region.
     */
    @WithDefault("global")
    DataRegion dataRegion();

    enum DataRegion {
        GLOBAL, EUROPE, US;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How many gateway replicas share the traffic (the Helm chart sets it from the gateway's {@code replicaCount}).
     * Request limits are enforced by each replica on its own, without a call: each admits its share of a limit,
     * {@code ceil(limit / replicas)}, at least 1 (docs/decisions.md, "Request limits").
     */
    @WithDefault("1")
    int replicas();

    Upstream upstream();

    ByokFee byokFee();

    Usage usage();

    Budget budget();

    /**
     * Reservation before dispatch against budget leases from billing-service (docs/decisions.md, "Budget leases"): each
     * request reserves its worst case from this replica's lease of the account's balance (and of its API key's limit),
     * with no call while the lease has room.
     */
    interface Budget {
        /** The least room a replica asks billing for when a lease runs low (USD). */
        @WithDefault("0.50")
        BigDecimal slice();

        /**
         * The completion tokens reserved for a request that names no {@code max_tokens} (nor
         * {@code max_completion_tokens}) on an endpoint whose catalog entry gives no {@code max_completion_tokens}.
         */
        @WithDefault("4096")
        int defaultMaxTokens();

        /**
         * A BYOK request reserves no fee while at least this many of the month's free requests are left (or, for an
         * allowance in list cost, this many times its own list cost): other replicas may be using the rest.
         */
        @WithDefault("1000")
        long freeAllowanceMargin();

        /** How long a lease runs on what it asks for at the current rate of reservations, before it asks again. */
        @WithDefault("5S")
        Duration refillPeriod();

        /** A lease with no reservation for this long gives its unused room back to billing. */
        @WithDefault("10S")
        Duration idleReturn();

        /** How often a lease in use is synced with billing at least (its TTL there is 5 minutes by default). */
        @WithDefault("60S")
        Duration heartbeat();

        /** How long a request waits for billing to grant room before it is refused. */
        @WithDefault("3S")
        Duration syncTimeout();
    }

    /** Timeouts and breakers for calls to upstream providers. */
    interface Upstream {
        @WithDefault("5S")
        Duration connectTimeout();

        /**
         * A stream's wait for its first byte, and the longest silence between its chunks. Not for non-streamed calls,
         * whose answer comes only once generated: they wait up to their provider's catalog option
         * {@code non_streamed_first_byte_timeout}, by default the total timeout.
         */
        @WithDefault("60S")
        Duration firstByteTimeout();

        /** Whole upstream exchange, including a stream's last chunk. */
        @WithDefault("600S")
        Duration totalTimeout();

        /** Keep-alive connections per upstream host and event loop (each event loop has its own pool). */
        @WithDefault("500")
        int maxPoolSize();

        /**
         * Requests waiting for a connection of a full pool (per upstream host and event loop, like the pool). When the
         * queue is full the request is answered 503 with {@code Retry-After} at once: the gateway is overloaded,
         * neither the endpoint nor the credential failed (no breaker counts it, no other credential is tried).
         */
        @WithDefault("1024")
        int maxWaitQueue();

        /**
         * A PEM file of certificates trusted for upstream HTTPS besides the JVM's own authorities (a private CA in
         * front of a provider, or a test's self-signed stand-in).
         */
        Optional<String> trustCertificates();

        /**
         * An endpoint's breaker opens when at least this share (percent) of its recent calls failed: of the last
         * {@code breaker-window-size} calls within {@code breaker-window-duration}, once {@code breaker-minimum-calls}
         * were seen. Only the failures that are the endpoint's count (see {@code CircuitBreakers}, {@code Culprit}).
         */
        @WithDefault("50")
        int breakerFailureRate();

        /** Calls an endpoint's window must hold before its failure rate can open its breaker. */
        @WithDefault("10")
        int breakerMinimumCalls();

        /** Most recent calls an endpoint's failure rate is computed over. */
        @WithDefault("20")
        int breakerWindowSize();

        /** Calls that ended longer ago than this no longer count (endpoints and credentials). */
        @WithDefault("60S")
        Duration breakerWindowDuration();

        /** Consecutive failures of a credential (a BYOK key or a pooled credential) that open its breaker. */
        @WithDefault("5")
        int breakerFailureThreshold();

        /** How long an open breaker skips its endpoint or credential before one trial call. */
        @WithDefault("30S")
        Duration breakerOpenDuration();

        /**
         * A half-open breaker's trial call that has not answered within this time counts as failed, and the breaker
         * opens again for {@code breaker-open-duration} (the call itself goes on), so one hung trial cannot hold the
         * half-open slot.
         */
        @WithDefault("10S")
        Duration breakerTrialTimeout();

        /**
         * Largest whole (non-streamed) answer read from an upstream, in bytes. A larger one fails the attempt as a
         * retryable upstream failure, so that a broken upstream cannot fill the gateway's memory.
         */
        @WithDefault("33554432")
        int maxBodyBytes();

        /** Largest upstream error body read (errors are small; the rest of a larger one is not read). */
        @WithDefault("262144")
        int maxErrorBodyBytes();

        /** Longest server-sent-events line of a streamed answer (one event's data), in bytes. */
        @WithDefault("8388608")
        int maxSseLineBytes();

        /** Most bytes a stream may send before its first event (comments, blank lines, event names). */
        @WithDefault("1048576")
        int maxBytesBeforeFirstEvent();
    }

    /**
     * The BYOK fee as the gateway reports it in {@code usage.cost} (billing-service decides what is charged; these
     * should match its fee schedule): free requests per UTC month, then this share of the list cost.
     */
    interface ByokFee {
        @WithDefault("1000000")
        long freeRequestsPerMonth();

        @WithDefault("0.05")
        BigDecimal rate();
    }

    interface Usage {
        /**
         * Usage events waiting for the broker's acknowledgement before new ones are refused (and logged). Each one
         * holds up to ~2 KB of heap until acknowledged (the producer's callback keeps the event's JSON, for the log
         * line that replays it if the broker never takes it). Unset: a quarter of the maximum heap at 2 KB per event,
         * at most 50,000 ({@code UsagePublisher#maxPending}): ~12,000 in a 96 MB heap, 50,000 from 400 MB. A fixed
         * 50,000 filled a 96 MB heap during a broker outage under load, with full collections back to back
         * (docs/benchmarks.md, "Outside and beside a relay").
         */
        OptionalInt maxPending();

        /**
         * Kafka producer settings for the usage stream that override the {@code kafka.*} ones, e.g.
         * {@code keyway.gateway.usage.producer.linger.ms=50} (defaults: {@code linger.ms} 200, {@code batch.size}
         * 262144, {@code compression.type} lz4); {@code acks=all} and idempotence cannot be changed.
         */
        Map<String, String> producer();
    }
}
