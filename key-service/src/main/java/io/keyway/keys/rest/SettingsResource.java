package io.keyway.keys.rest;

import io.keyway.keys.service.AccountService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** /api/v1/settings: the calling account's settings, authenticated by its management key. */
@Path("/api/v1/settings")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class SettingsResource {

    private final AccountService accounts;
    private final RequestBodies bodies;

    public SettingsResource(AccountService accounts, RequestBodies bodies) {
        this.accounts = accounts;
        this.bodies = bodies;
    }

    @GET
    public Uni<Map<String, Object>> get(@HeaderParam("Authorization") String auth) {
        return accounts.authenticateManagementKey(auth).flatMap(caller -> accounts.settings(caller.accountId()))
                .map(Created::data);
    }

    @PATCH
    public Uni<Map<String, Object>> patch(@HeaderParam("Authorization") String auth,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> accounts.patchSettings(caller, caller.accountId(), bodies.object(body), ifMatch))
                .map(Created::data);
    }
}
