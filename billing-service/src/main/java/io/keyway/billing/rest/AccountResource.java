package io.keyway.billing.rest;

import io.keyway.billing.service.CreditService;
import io.keyway.billing.service.ManagementKeys;
import io.keyway.billing.service.Money;
import io.keyway.billing.service.StatementService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** The account's own billing API, authenticated by its management key (resolved through key-service). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AccountResource {

    private final ManagementKeys managementKeys;
    private final CreditService credits;
    private final StatementService statements;

    public AccountResource(ManagementKeys managementKeys, CreditService credits, StatementService statements) {
        this.managementKeys = managementKeys;
        this.credits = credits;
        this.statements = statements;
    }

    /** OpenRouter's shape: {@code {"data":{"total_credits":..,"total_usage":..}}}, numbers in USD. */
    @GET
    @Path("/credits")
    public Uni<Map<String, Object>> credits(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return managementKeys.accountOf(authorization).chain(credits::totals).map(t -> {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("total_credits", Money.wire(t.totalCredits()));
            data.put("total_usage", Money.wire(t.totalUsage()));
            return Map.of("data", data);
        });
    }

    @GET
    @Path("/statements/{month}")
    public Uni<Map<String, Object>> statement(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("month") String month) {
        String m = RequestBodies.month(month);
        return managementKeys.accountOf(authorization).chain(account -> statements.statement(account, m))
                .map(s -> Map.of("data", s));
    }

    @GET
    @Path("/ledger")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Uni<Response> ledger(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("format") String format, @QueryParam("page") String page,
            @QueryParam("page_size") String pageSize) {
        String f = LedgerResponses.format(format);
        int p = RequestBodies.page(page);
        int size = RequestBodies.pageSize(pageSize);
        return managementKeys.accountOf(authorization).chain(account -> statements.ledger(account, p, size))
                .map(l -> LedgerResponses.page(l, f));
    }
}
