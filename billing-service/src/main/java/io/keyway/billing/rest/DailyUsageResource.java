package io.keyway.billing.rest;

import io.keyway.billing.service.DailyUsage;
import io.keyway.billing.service.ManagementKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/statements/{YYYY-MM}/daily}: the month's requests and charges per UTC day, for the account of the
 * calling management key — the console's chart beside the statement.
 */
@Path("/api/v1/statements/{month}/daily")
@Produces(MediaType.APPLICATION_JSON)
public class DailyUsageResource {

    private final ManagementKeys managementKeys;
    private final DailyUsage daily;

    public DailyUsageResource(ManagementKeys managementKeys, DailyUsage daily) {
        this.managementKeys = managementKeys;
        this.daily = daily;
    }

    @GET
    public Uni<Map<String, Object>> daily(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("month") String month) {
        String m = RequestBodies.month(month);
        return managementKeys.accountOf(authorization).chain(account -> daily.of(account, m).map(days -> {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("account_id", account);
            data.put("month", m);
            data.put("days", days);
            return Map.of("data", data);
        }));
    }
}
