package io.keyway.billing.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.billing.service.BudgetLeases;
import io.keyway.contracts.BudgetLease;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /internal/v1/budget-leases/{leaseId}} (gateway token): a gateway replica syncs one budget lease
 * ({@link BudgetLease.Sync}) and gets its new grant ({@link BudgetLease.Grant}). Off the request path: a replica calls
 * it when a lease runs low, to keep it alive, and to return what it does not use.
 */
@Path("/internal/v1/budget-leases")
@Produces(MediaType.APPLICATION_JSON)
public class BudgetLeaseResource {

    private static final Set<String> RESETS = Set.of("daily", "weekly", "monthly");

    private final BudgetLeases leases;

    public BudgetLeaseResource(BudgetLeases leases) {
        this.leases = leases;
    }

    @POST
    @Path("/{leaseId}")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public BudgetLease.Grant sync(@PathParam("leaseId") String leaseId, String body) throws SQLException {
        UUID id;
        try {
            id = UUID.fromString(leaseId);
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("lease_id", "lease_id must be a UUID");
        }
        try {
            return leases.sync(id, read(RequestBodies.object(body)));
        } catch (BudgetLeases.ForeignLease e) {
            throw new ApiError(409, e.getMessage(), Map.of("field", "lease_id"));
        }
    }

    static BudgetLease.Sync read(JsonNode json) {
        String account = RequestBodies.accountId(RequestBodies.text(json, "account_id", 128, true));
        String scope = RequestBodies.text(json, "scope", 16, true);
        if (!BudgetLease.ACCOUNT.equals(scope) && !BudgetLease.API_KEY.equals(scope)) {
            throw ApiError.badField("scope", "scope must be account or api_key");
        }
        boolean key = BudgetLease.API_KEY.equals(scope);
        String apiKeyId = RequestBodies.text(json, "api_key_id", 128, key);
        BigDecimal limit = RequestBodies.money(json, "limit", key);
        String reset = RequestBodies.text(json, "limit_reset", 16, false);
        Instant periodStart = null;
        if (key) {
            if (limit.signum() < 0) {
                throw ApiError.badField("limit", "limit must not be negative");
            }
            if (reset != null && !RESETS.contains(reset)) {
                throw ApiError.badField("limit_reset", "limit_reset must be daily, weekly, monthly or null");
            }
            String start = RequestBodies.text(json, "period_start", 40, true);
            try {
                periodStart = Instant.parse(start);
            } catch (DateTimeParseException e) {
                throw ApiError.badField("period_start", "period_start must be an RFC 3339 time in UTC");
            }
        } else if (apiKeyId != null) {
            throw ApiError.badField("api_key_id", "api_key_id is only for scope api_key");
        }
        JsonNode byok = json.get("include_byok_in_limit");
        if (byok != null && !byok.isNull() && !byok.isBoolean()) {
            throw ApiError.badField("include_byok_in_limit", "include_byok_in_limit must be a boolean");
        }
        BigDecimal settled = nonNegative(json, "settled");
        BigDecimal reserved = nonNegative(json, "reserved");
        BigDecimal want = nonNegative(json, "want");
        return new BudgetLease.Sync(account, scope, key ? apiKeyId : null, key ? limit : null, key ? reset : null,
                periodStart, key && byok != null && byok.asBoolean(), settled, reserved, want);
    }

    private static BigDecimal nonNegative(JsonNode json, String field) {
        BigDecimal amount = RequestBodies.money(json, field, true);
        if (amount.signum() < 0) {
            throw ApiError.badField(field, field + " must not be negative");
        }
        return amount;
    }
}
