package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.AccountState;
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

/**
 * {@code GET /api/v1/key}: the calling API key in OpenRouter's shape. Spend comes from billing's account state (the
 * key's current limit period); the gateway does not know per-day/week/month splits beyond that period.
 */
@Path("/api/v1/key")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {

    private final ApiKeyResolver apiKeys;
    private final AccountStates states;
    private final CreditCheck credits;
    private final ObjectMapper json;

    public KeyResource(ApiKeyResolver apiKeys, AccountStates states, CreditCheck credits, ObjectMapper json) {
        this.apiKeys = apiKeys;
        this.states = states;
        this.credits = credits;
        this.json = json;
    }

    @GET
    public Uni<ObjectNode> get(@HeaderParam("Authorization") String authorization) {
        return apiKeys.authenticate(authorization).map(caller -> {
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
            d.put("usage", spend);
            d.put("is_free_tier", false);
            d.put("is_management_key", false);
            d.put("is_provisioning_key", false);
            d.put("expires_at", key.expiresAt() == null ? null : key.expiresAt().toString());
            d.put("account_balance", states.balance(caller.accountId()));
            return json.createObjectNode().set("data", d);
        });
    }
}
