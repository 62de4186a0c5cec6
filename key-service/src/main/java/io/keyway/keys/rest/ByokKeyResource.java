package io.keyway.keys.rest;

import io.keyway.keys.service.AccountService;
import io.keyway.keys.service.ApiException;
import io.keyway.keys.service.ByokKeyService;
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
import java.util.UUID;

/** /api/v1/byok: the account's own provider keys, authenticated by a management key. */
@Path("/api/v1/byok")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class ByokKeyResource {

    static final int MAX_PAGE = 500;

    private final AccountService accounts;
    private final ByokKeyService byok;
    private final Idempotency idempotency;
    private final RequestBodies bodies;

    public ByokKeyResource(AccountService accounts, ByokKeyService byok, Idempotency idempotency, RequestBodies bodies) {
        this.accounts = accounts;
        this.byok = byok;
        this.idempotency = idempotency;
        this.bodies = bodies;
    }

    @POST
    public Uni<Response> create(@HeaderParam("Authorization") String auth,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        return accounts.authenticateManagementKey(auth).flatMap(caller -> {
            var fields = bodies.object(body);
            return idempotency.once(caller, "POST /api/v1/byok", idempotencyKey, body,
                    () -> byok.create(caller, fields));
        }).map(outcome -> Created.of(outcome, "key"));
    }

    @GET
    public Uni<Map<String, Object>> list(@HeaderParam("Authorization") String auth, @QueryParam("provider") String provider,
            @QueryParam("offset") String offset, @QueryParam("limit") String limit) {
        int from = Created.offset(offset);
        int size = Created.limit(limit, MAX_PAGE);
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> byok.list(caller, provider, from, size))
                .map(page -> Map.of("data", page.data(), "total_count", page.totalCount()));
    }

    @GET
    @Path("/{id}")
    public Uni<Map<String, Object>> get(@HeaderParam("Authorization") String auth, @PathParam("id") String id) {
        return accounts.authenticateManagementKey(auth).flatMap(caller -> byok.get(caller, uuid(id))).map(Created::data);
    }

    @PATCH
    @Path("/{id}")
    public Uni<Map<String, Object>> patch(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> byok.patch(caller, uuid(id), bodies.object(body), ifMatch))
                .map(Created::data);
    }

    @POST
    @Path("/{id}/rotate")
    public Uni<Map<String, Object>> rotate(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> byok.rotate(caller, uuid(id), bodies.object(body), ifMatch))
                .map(Created::data);
    }

    @DELETE
    @Path("/{id}")
    public Uni<Map<String, Object>> delete(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch) {
        return accounts.authenticateManagementKey(auth)
                .flatMap(caller -> byok.delete(caller, uuid(id), ifMatch))
                .map(v -> Created.deleted());
    }

    /** A malformed id can name no key: 404, like an unknown or foreign one. */
    static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("BYOK key");
        }
    }
}
