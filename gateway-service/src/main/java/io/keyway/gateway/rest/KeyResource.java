package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.ApiKeyUsage;
import io.keyway.gateway.client.BillingClient;
import io.keyway.gateway.service.AccountStates;
import io.keyway.gateway.service.ApiKeyResolver;
import io.keyway.gateway.service.CreditCheck;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/v1/key}: the calling API key in OpenRouter's shape. {@code usage*} (Keyway's charges for the key's
 * requests: all time, this UTC day, week, month) and {@code byok_usage*} (the list cost of its BYOK requests) come from
 * billing-service's internal API — this endpoint is not on the completions path, one call per request is fine. The
 * limit's remainder comes from billing's account state (the key's spend in its current limit period, the same figure
 * the 402 check uses). When billing cannot answer, {@code usage} falls back to that period's spend and the split
 * fields are null. OpenRouter's fields Keyway has no data for carry its "nothing" (docs/decisions.md, OpenRouter
 * compatibility): {@code creator_user_id} as the key's creator gave it, the account as its one workspace, no
 * organization, no {@code :free} models, no regional policy; {@code rate_limit} is the key's own when it has one,
 * otherwise the legacy one that OpenRouter answers with -1.
 */
@Path("/api/v1/key")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {

    private static final Logger LOG = Logger.getLogger(KeyResource.class);

    private final ApiKeyResolver apiKeys;
    private final AccountStates states;
    private final CreditCheck credits;
    private final BillingClient billing;
    private final ObjectMapper json;

    public KeyResource(ApiKeyResolver apiKeys, AccountStates states, CreditCheck credits, BillingClient billing,
                       ObjectMapper json) {
        this.apiKeys = apiKeys;
        this.states = states;
        this.credits = credits;
        this.billing = billing;
        this.json = json;
    }

    @GET
    public Uni<ObjectNode> get(@HeaderParam("Authorization") String authorization) {
        return apiKeys.authenticate(authorization).flatMap(caller -> billing.keyUsage(caller.key().apiKeyId())
                .map(Optional::of)
                .onFailure().recoverWithItem(f -> {
                    LOG.warnf("GET /api/v1/key without usage from billing-service (%s)", f.getMessage());
                    return Optional.empty();
                })
                .map(usage -> describe(caller, usage)));
    }

    private ObjectNode describe(ApiKeyResolver.Caller caller, Optional<ApiKeyUsage> usage) {
        var key = caller.key();
        Optional<AccountState> state = states.get(caller.accountId());
        BigDecimal spend = credits.keySpend(caller, state);
        ObjectNode d = json.createObjectNode();
        d.put("label", caller.keyLabel());
        d.put("name", key.name());
        if (key.limit() != null) {
            d.put("limit", key.limit());
            d.put("limit_remaining", key.limit().subtract(spend).max(BigDecimal.ZERO));
        } else {
            d.putNull("limit");
            d.putNull("limit_remaining");
        }
        d.put("limit_reset", key.limitReset());
        d.put("include_byok_in_limit", key.includeByokInLimit());
        // OpenRouter's numbers; without billing's answer, the limit period's spend and no split
        d.put("usage", usage.map(ApiKeyUsage::usage).orElse(spend));
        d.put("usage_daily", usage.map(ApiKeyUsage::usageDaily).orElse(null));
        d.put("usage_weekly", usage.map(ApiKeyUsage::usageWeekly).orElse(null));
        d.put("usage_monthly", usage.map(ApiKeyUsage::usageMonthly).orElse(null));
        d.put("byok_usage", usage.map(ApiKeyUsage::byokUsage).orElse(null));
        d.put("byok_usage_daily", usage.map(ApiKeyUsage::byokUsageDaily).orElse(null));
        d.put("byok_usage_weekly", usage.map(ApiKeyUsage::byokUsageWeekly).orElse(null));
        d.put("byok_usage_monthly", usage.map(ApiKeyUsage::byokUsageMonthly).orElse(null));
        d.put("is_free_tier", false);
        d.put("is_management_key", false);
        d.put("is_provisioning_key", false);
        d.put("expires_at", key.expiresAt() == null ? null : key.expiresAt().toString());
        d.put("account_balance", states.balance(caller.accountId()));
        d.put("creator_user_id", key.creatorUserId());
        d.putNull("organization_id");
        d.put("workspace_id", caller.accountId()); // as /api/v1/keys answers: each account is one workspace
        d.putArray("allowed_data_regions").add("global");
        ObjectNode free = d.putObject("free_model_daily_requests");
        free.put("limit", 0);
        free.put("remaining", 0);
        free.put("used", 0);
        ObjectNode rateLimit = d.putObject("rate_limit");
        var limit = caller.key().rateLimit();
        if (limit != null) { // the key's own limit (issue 16), enforced by the gateway
            rateLimit.put("requests", limit.requests());
            rateLimit.put("interval", limit.interval());
            rateLimit.put("note", "Enforced by each gateway replica for its share of the requests.");
        } else {
            rateLimit.put("requests", -1);
            rateLimit.put("interval", "10s");
            rateLimit.put("note", "This field is deprecated and safe to ignore.");
        }
        return json.createObjectNode().set("data", d);
    }
}
