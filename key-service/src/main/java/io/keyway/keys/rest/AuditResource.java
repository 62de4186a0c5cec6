package io.keyway.keys.rest;

import io.keyway.keys.service.AccountService;
import io.keyway.keys.service.AuditTrail;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.HashMap;
import java.util.Map;

/**
 * GET /api/v1/audit: the calling account's audit trail (management key), newest first, {@code ?limit&cursor&from&to
 * &action}. Entries of other accounts are never shown, whatever the filters.
 */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private final AccountService accounts;
    private final AuditTrail trail;

    public AuditResource(AccountService accounts, AuditTrail trail) {
        this.accounts = accounts;
        this.trail = trail;
    }

    @GET
    public Uni<Map<String, Object>> list(@HeaderParam("Authorization") String auth, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("action") String action) {
        return accounts.authenticateManagementKey(auth).flatMap(caller -> {
            var query = AuditTrail.Query.parse(limit, cursor, from, to, action).forAccount(caller.accountId());
            return trail.page(query);
        }).map(AuditResource::body);
    }

    static Map<String, Object> body(AuditTrail.Page page) {
        Map<String, Object> body = new HashMap<>();
        body.put("data", page.data());
        body.put("next_cursor", page.nextCursor());
        return body;
    }
}
