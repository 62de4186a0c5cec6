package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A budget lease (docs/decisions.md, "Budget leases"): the part of an account's spendable balance, or of an API key's
 * spend limit, that billing-service lets one gateway replica reserve requests against without asking. The replica
 * syncs each lease with {@code POST /internal/v1/budget-leases/{lease_id}} (gateway token): it says what it has
 * settled and reserved so far and how much more room it wants, and billing answers with the new cumulative grant.
 * Billing keeps the sum over all replicas' leases within the balance (or the key's limit minus its spend); usage
 * events name the leases they were reserved against ({@code budget_leases}), so what billing has already charged is
 * not counted twice. Money is a decimal string (USD).
 */
public final class BudgetLease {

    /** The budget an account's spendable balance is. */
    public static final String ACCOUNT = "account";
    /** The budget an API key's spend limit is, for one limit period. */
    public static final String API_KEY = "api_key";

    private BudgetLease() {
    }

    /**
     * A replica's report on one lease, and its wish. All amounts are cumulative over the lease's life except
     * {@code reserved} (what requests in flight may still cost) and {@code want} (room wanted beyond settled +
     * reserved; 0 returns everything unused).
     *
     * @param apiKeyId     the key, for scope {@code api_key}; null for {@code account}
     * @param limit        the key's spend limit as the gateway knows it (key-service's), for {@code api_key}
     * @param limitReset   daily | weekly | monthly | null, for {@code api_key}
     * @param periodStart  the start of the key's limit period this lease belongs to (a new period is a new lease)
     * @param includeByok  the key counts its BYOK requests' list cost against its limit
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Sync(
            @JsonProperty("account_id") String accountId,
            @JsonProperty("scope") String scope,
            @JsonProperty("api_key_id") String apiKeyId,
            @JsonProperty("limit") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal limit,
            @JsonProperty("limit_reset") String limitReset,
            @JsonProperty("period_start") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant periodStart,
            @JsonProperty("include_byok_in_limit") boolean includeByok,
            @JsonProperty("settled") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal settled,
            @JsonProperty("reserved") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal reserved,
            @JsonProperty("want") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal want) {
    }

    /**
     * Billing's answer: the replica may settle and reserve, in total over the lease's life, up to {@code granted}
     * until {@code expires_at} (a later sync extends it). {@code available} is what the budget still had for anyone
     * after this grant (0 when exhausted).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Grant(
            @JsonProperty("lease_id") String leaseId,
            @JsonProperty("granted") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal granted,
            @JsonProperty("available") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal available,
            @JsonProperty("expires_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant expiresAt) {
    }
}
