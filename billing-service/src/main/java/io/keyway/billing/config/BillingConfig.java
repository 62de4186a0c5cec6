package io.keyway.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/** All of billing-service's own settings, under {@code keyway.billing}. */
@ConfigMapping(prefix = "keyway.billing")
public interface BillingConfig {

    /** Bearer token operators use on {@code /admin/v1}. No default in production: see {@code BillingTokens}. */
    Optional<String> adminToken();

    /** billing-service's own token on key-service's {@code /internal/v1} (env {@code KEYWAY_BILLING_TOKEN}). */
    Optional<String> serviceToken();

    /** The tokens of the services that call billing's own {@code /internal/v1}: only the gateway does. */
    InternalTokens internalTokens();

    interface InternalTokens {
        /** gateway-service's token (env {@code KEYWAY_GATEWAY_TOKEN}). */
        Optional<String> gateway();
    }

    /** Base URL of key-service, used to authenticate management keys and read API keys' spend limits. */
    String keyServiceUrl();

    /** How the monthly BYOK allowance is measured: {@code requests} (a count) or {@code list-cost} (USD of list cost). */
    @WithDefault("requests")
    AllowanceKind byokAllowance();

    /** BYOK requests per account and calendar month (UTC) that carry no fee (DESIGN.md §4), when counting requests. */
    @WithDefault("1000000")
    long byokFreeRequestsPerMonth();

    /** USD of BYOK list cost per account and month that carries no fee, when the allowance is {@code list-cost}. */
    @WithDefault("25000")
    BigDecimal byokFreeListCostPerMonth();

    /** Share of the list cost charged for each BYOK request past the free allowance. */
    @WithDefault("0.05")
    BigDecimal byokFeeRate();

    /** Topic names; tests point these at per-run topics. */
    @WithDefault("keyway.usage.v1")
    String usageTopic();

    @WithDefault("keyway.usage.dlq.v1")
    String deadLetterTopic();

    @WithDefault("keyway.account-state.v1")
    String accountStateTopic();

    /** Per-API-key usage of each account, for key-service's /api/v1/keys (compacted, like the account state). */
    @WithDefault("keyway.api-key-usage.v1")
    String apiKeyUsageTopic();

    @WithDefault("keyway.charges.v1")
    String chargesTopic();

    Consumer consumer();

    BudgetLeases budgetLeases();

    /** Budget leases granted to gateway replicas (docs/decisions.md, "Budget leases"). */
    interface BudgetLeases {
        /**
         * How long a lease stays valid after its last sync. A replica syncs its live leases well within it; a lease not
         * synced for this long (its replica is gone, or cut off) stops holding its unused grant.
         */
        @WithDefault("5m")
        Duration ttl();

        /**
         * How long after its TTL a lapsed lease still holds what its replica settled and billing has not charged yet
         * (usage events still on their way), before it holds nothing and is deleted.
         */
        @WithDefault("15m")
        Duration grace();
    }

    Generations generations();

    /** The requests billing keeps for {@code /api/v1/generation} (docs/decisions.md, "Where generations live"). */
    interface Generations {
        /** How long a request stays answerable; older ones are swept. */
        @WithDefault("30d")
        Duration retention();

        /** How often the sweep runs. */
        @WithDefault("10m")
        Duration sweepInterval();

        /** Rows deleted per sweep transaction: short transactions, no long lock, and the consumer goes on between. */
        @WithDefault("5000")
        int sweepBatch();
    }

    /** How long a key-service answer (management key, API key limit) is reused. */
    @WithDefault("30s")
    Duration keyCacheTtl();

    /** Republish every account's state when the service starts (heals a crash between a commit and its publish). */
    @WithDefault("true")
    boolean republishStateOnStart();

    interface Consumer {
        /** Run the usage consumer in this process. */
        @WithDefault("true")
        boolean enabled();

        /** Kafka consumer group; offsets themselves live in PostgreSQL (table consumer_offsets). */
        @WithDefault("billing-service")
        String groupId();

        /** Consumer threads in this process (each one a Kafka consumer of the group). */
        @WithDefault("2")
        int threads();

        /** Records per poll; a poll is applied in one database transaction. */
        @WithDefault("5000")
        int maxPollRecords();

        /** Where a partition with no stored offset starts. */
        @WithDefault("earliest")
        String autoOffsetReset();

        /** Pause after a failed batch before it is retried from the stored offsets. */
        @WithDefault("1s")
        Duration retryBackoff();

        Optional<String> clientIdPrefix();
    }

    /** Serialised as {@code requests} / {@code list-cost}. */
    enum AllowanceKind {
        @com.fasterxml.jackson.annotation.JsonProperty("requests") REQUESTS,
        @com.fasterxml.jackson.annotation.JsonProperty("list-cost") LIST_COST;
    }
}
