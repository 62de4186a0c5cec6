package io.keyway.keys.rest;

import io.keyway.keys.service.AuditTrail;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/**
 * GET /admin/v1/audit: every account's audit trail and the platform's own entries (pooled credentials), for operators
 * (admin token); {@code ?account_id} narrows it to one account. The same paging and filters as /api/v1/audit.
 */
@Path("/admin/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AdminAuditResource {

    private final Tokens tokens;
    private final AuditTrail trail;

    public AdminAuditResource(Tokens tokens, AuditTrail trail) {
        this.tokens = tokens;
        this.trail = trail;
    }

    @GET
    public Uni<Map<String, Object>> list(@HeaderParam("Authorization") String auth,
            @QueryParam("account_id") String accountId, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("action") String action) {
        tokens.requireAdmin(auth);
        var query = AuditTrail.Query.parse(limit, cursor, from, to, action);
        var account = AuditTrail.accountFilter(accountId);
        return trail.page(account.map(query::forAccount).orElse(query)).map(AuditResource::body);
    }
}
