package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An account's billing state, published by billing-service on the compacted {@link Topics#ACCOUNT_STATE}
 * (key = account id) after every change; gateway-service keeps the latest per account for its 402 check.
 * Schema: {@code schemas/account-state.v1.schema.json}. Money is a decimal string (USD).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AccountState(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("account_id") String accountId,
        /** Credits left: top-ups and adjustments minus charges. The gateway answers 402 when this is not above zero. */
        @JsonProperty("balance") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal balance,
        /** Calendar month in UTC the counters below belong to, e.g. "2026-11". */
        @JsonProperty("month") String month,
        @JsonProperty("byok_requests_this_month") long byokRequestsThisMonth,
        @JsonProperty("byok_fees_this_month") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal byokFeesThisMonth,
        /** List cost of the month's BYOK requests, what an allowance given as an amount is measured against. */
        @JsonProperty("byok_list_cost_this_month") @JsonFormat(shape = JsonFormat.Shape.STRING)
        BigDecimal byokListCostThisMonth,
        /**
         * The BYOK fee terms this account is billed on (the configured defaults, or its negotiated override), so the
         * gateway's {@code usage.cost} says what billing will charge. Null in states from a billing without them.
         */
        @JsonProperty("byok_terms") ByokTerms byokTerms,
        /** Spend of each API key that has a spend limit, in its current limit period. */
        @JsonProperty("api_keys") List<ApiKeySpend> apiKeys,
        /** Monotonic per account; a consumer ignores a state older than the one it holds. */
        @JsonProperty("sequence") long sequence,
        @JsonProperty("updated_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant updatedAt) {

    public static final int SCHEMA_VERSION = 1;
    public static final String SCHEMA_RESOURCE = "schemas/account-state.v1.schema.json";

    /** The free BYOK allowance per calendar month (a number of requests or an amount of list cost) and the fee rate. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ByokTerms(
            /** Which allowance applies: {@code requests} or {@code list-cost} (billing's admin API's words). */
            @JsonProperty("allowance") String allowance,
            @JsonProperty("free_requests") long freeRequests,
            @JsonProperty("free_list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal freeListCost,
            /** Fraction of the list cost charged on BYOK requests beyond the allowance, e.g. 0.05. */
            @JsonProperty("fee_rate") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal feeRate) {

        public static final String REQUESTS = "requests";
        public static final String LIST_COST = "list-cost";
    }

    /** One API key's spend against its limit. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ApiKeySpend(
            @JsonProperty("api_key_id") String apiKeyId,
            @JsonProperty("limit") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal limit,
            /** daily | weekly | monthly | null (never resets); periods are UTC, weeks start on Monday. */
            @JsonProperty("limit_reset") String limitReset,
            @JsonProperty("period_start") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant periodStart,
            /**
             * Spend in the period, as OpenRouter counts it against a key's limit: Keyway's charges (pooled list cost and
             * BYOK fees), plus the list cost of its BYOK requests (OpenRouter's {@code byok_usage}) only when the key
             * says {@code include_byok_in_limit}.
             */
            @JsonProperty("spend") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal spend) {
    }
}
