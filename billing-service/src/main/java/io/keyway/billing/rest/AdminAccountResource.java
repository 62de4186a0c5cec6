package io.keyway.billing.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.billing.config.BillingConfig.AllowanceKind;
import io.keyway.billing.model.LedgerEntry.Kind;
import io.keyway.billing.service.CreditService;
import io.keyway.billing.service.FeeSchedule.FeeOverride;
import io.keyway.billing.service.Money;
import io.keyway.billing.service.StatementService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/** Operators' billing API for one account (admin token; see TokenAuthFilter). */
@Path("/admin/v1/accounts/{accountId}")
@Produces(MediaType.APPLICATION_JSON)
public class AdminAccountResource {

    private final CreditService credits;
    private final StatementService statements;

    public AdminAccountResource(CreditService credits, StatementService statements) {
        this.credits = credits;
        this.statements = statements;
    }

    /** Adds prepaid credits: {@code {"amount":"10.00","description"?}} with an optional Idempotency-Key. */
    @POST
    @Path("/credits")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> topUp(@PathParam("accountId") String accountId,
            @HeaderParam("Idempotency-Key") String idempotencyKey, String body) {
        String account = RequestBodies.accountId(accountId);
        JsonNode json = RequestBodies.object(body);
        BigDecimal amount = RequestBodies.money(json, "amount", true);
        if (amount.signum() <= 0) {
            throw ApiError.badField("amount", "amount must be above zero");
        }
        String description = RequestBodies.text(json, "description", 500, false);
        return credits.record(account, Kind.TOPUP, amount, description, RequestBodies.idempotencyKey(idempotencyKey))
                .map(AdminAccountResource::created);
    }

    /** Corrects a balance up or down: {@code {"amount":"-1.50","reason":"..."}} with an optional Idempotency-Key. */
    @POST
    @Path("/adjustments")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> adjust(@PathParam("accountId") String accountId,
            @HeaderParam("Idempotency-Key") String idempotencyKey, String body) {
        String account = RequestBodies.accountId(accountId);
        JsonNode json = RequestBodies.object(body);
        BigDecimal amount = RequestBodies.money(json, "amount", true);
        if (amount.signum() == 0) {
            throw ApiError.badField("amount", "amount must not be zero");
        }
        String reason = RequestBodies.text(json, "reason", 500, true);
        return credits.record(account, Kind.ADJUSTMENT, amount, reason, RequestBodies.idempotencyKey(idempotencyKey))
                .map(AdminAccountResource::created);
    }

    private static Response created(CreditService.Recorded recorded) {
        return Response.status(201).entity(LedgerResponses.entry(recorded.entry()))
                .header("Idempotent-Replayed", recorded.replayed()).build();
    }

    @GET
    @Path("/balance")
    public Uni<Map<String, Object>> balance(@PathParam("accountId") String accountId) {
        return credits.totals(RequestBodies.accountId(accountId)).map(t -> {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("account_id", t.accountId());
            data.put("balance", Money.wire(t.balance()).toPlainString());
            data.put("total_credits", Money.wire(t.totalCredits()).toPlainString());
            data.put("total_usage", Money.wire(t.totalUsage()).toPlainString());
            return Map.of("data", data);
        });
    }

    @GET
    @Path("/statements/{month}")
    public Uni<Map<String, Object>> statement(@PathParam("accountId") String accountId, @PathParam("month") String month) {
        return statements.statement(RequestBodies.accountId(accountId), RequestBodies.month(month))
                .map(s -> Map.of("data", s));
    }

    @GET
    @Path("/ledger")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Uni<Response> ledger(@PathParam("accountId") String accountId, @QueryParam("format") String format,
            @QueryParam("page") String page, @QueryParam("page_size") String pageSize) {
        String f = LedgerResponses.format(format);
        return statements.ledger(RequestBodies.accountId(accountId), RequestBodies.page(page),
                RequestBodies.pageSize(pageSize)).map(p -> LedgerResponses.page(p, f));
    }

    @GET
    @Path("/fee-schedule")
    public Uni<Map<String, Object>> feeSchedule(@PathParam("accountId") String accountId) {
        return statements.terms(RequestBodies.accountId(accountId)).map(t -> Map.of("data", t));
    }

    /**
     * Negotiated terms: {@code {"byok_allowance"?: "requests"|"list-cost", "byok_free_requests"?: 5000000,
     * "byok_free_list_cost"?: "50000", "byok_fee_rate"?: "0.03"}}; an absent field keeps the configured default.
     */
    @PUT
    @Path("/fee-schedule")
    @Consumes(MediaType.WILDCARD)
    public Uni<Map<String, Object>> setFeeSchedule(@PathParam("accountId") String accountId, String body) {
        String account = RequestBodies.accountId(accountId);
        JsonNode json = RequestBodies.object(body);
        String allowance = RequestBodies.text(json, "byok_allowance", 20, false);
        AllowanceKind kind = null;
        if (allowance != null) {
            kind = switch (allowance) {
                case "requests" -> AllowanceKind.REQUESTS;
                case "list-cost" -> AllowanceKind.LIST_COST;
                default -> throw ApiError.badField("byok_allowance", "byok_allowance must be requests or list-cost");
            };
        }
        Long freeRequests = null;
        JsonNode free = json.get("byok_free_requests");
        if (free != null && !free.isNull()) {
            if (!free.canConvertToLong() || !free.isIntegralNumber() || free.asLong() < 0) {
                throw ApiError.badField("byok_free_requests", "byok_free_requests must be a whole number, 0 or more");
            }
            freeRequests = free.asLong();
        }
        BigDecimal freeListCost = RequestBodies.money(json, "byok_free_list_cost", false);
        if (freeListCost != null && freeListCost.signum() < 0) {
            throw ApiError.badField("byok_free_list_cost", "byok_free_list_cost must be 0 or more");
        }
        BigDecimal rate = RequestBodies.money(json, "byok_fee_rate", false);
        if (rate != null && (rate.signum() < 0 || rate.compareTo(BigDecimal.TEN) > 0 || rate.scale() > 8)) {
            throw ApiError.badField("byok_fee_rate", "byok_fee_rate must be between 0 and 10 with at most 8 decimals");
        }
        return statements.setOverride(account, new FeeOverride(kind, freeRequests, freeListCost, rate))
                .map(t -> Map.of("data", t));
    }

    @DELETE
    @Path("/fee-schedule")
    public Uni<Map<String, Object>> clearFeeSchedule(@PathParam("accountId") String accountId) {
        return statements.clearOverride(RequestBodies.accountId(accountId)).map(deleted -> Map.of("deleted", deleted));
    }
}
