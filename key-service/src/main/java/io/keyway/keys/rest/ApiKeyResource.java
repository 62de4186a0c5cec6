package io.keyway.keys.rest;

import io.keyway.keys.service.AccountService;
import io.keyway.keys.service.ApiKeyService;
import io.keyway.keys.service.Idempotency;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** /api/v1/keys: the account's API (inference) keys, authenticated by a management key (OpenRouter's shapes). */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class ApiKeyResource {

    static final int MAX_PAGE = 500;

    private final AccountService accounts;
    private final ApiKeyService keys;
    private final Idempotency idempotency;
    private final RequestBodies bodies;

    public ApiKeyResource(AccountService accounts, ApiKeyService keys, Idempotency idempotency, RequestBodies bodies) {
        this.accounts = accounts;
        this.keys = keys;
        this.idempotency = idempotency;
        this.bodies = bodies;
    }

    @POST
    public Uni<Response> create(@HeaderParam("Authorization") String auth,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        return accounts.authenticateManagementKey(auth).flatMap(caller -> {
            var fields = bodies.object(body);
            return idempotency.once(caller, "POST /api/v1/keys", idempotencyKey, body,
                    () -> keys.create(caller, fields));
        }).map(outcome -> Created.of(outcome, "key"));
    }

    @GET
    public Uni<Map<String, Object>> list(@HeaderParam("Authorization") String auth,
            @QueryParam("include_disabled") String includeDisabled, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        int from = Created.offset(offset);
        int size = Created.limit(limit, MAX_PAGE);
        boolean disabledToo = Created.bool(includeDisabled, "include_disabled");
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> keys.list(caller, disabledToo, from, size))
                .map(Created::data);
    }

    @GET
    @Path("/{hash}")
    public Uni<Map<String, Object>> get(@HeaderParam("Authorization") String auth, @PathParam("hash") String hash) {
        return accounts.authenticateManagementKey(auth).flatMap(caller -> keys.get(caller, hash)).map(Created::data);
    }

    @PATCH
    @Path("/{hash}")
    public Uni<Map<String, Object>> patch(@HeaderParam("Authorization") String auth, @PathParam("hash") String hash,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> keys.patch(caller, hash, bodies.object(body), ifMatch))
                .map(Created::data);
    }

    @DELETE
    @Path("/{hash}")
    public Uni<Map<String, Object>> delete(@HeaderParam("Authorization") String auth, @PathParam("hash") String hash,
            @HeaderParam("If-Match") String ifMatch) {
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> keys.delete(caller, hash, ifMatch))
                .map(v -> Created.deleted());
    }
}
