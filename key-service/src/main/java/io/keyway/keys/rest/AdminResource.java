package io.keyway.keys.rest;

import io.keyway.keys.service.AccountService;
import io.keyway.keys.service.ApiException;
import io.keyway.keys.service.Caller;
import io.keyway.keys.service.Idempotency;
import io.keyway.keys.service.ManagementKeyService;
import io.keyway.keys.service.PooledCredentialService;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;

/**
 * /admin/v1: operators (admin token) create accounts, manage their settings and management keys, and the platform's
 * pooled credentials.
 */
@Path("/admin/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class AdminResource {

    private final Tokens tokens;
    private final AccountService accounts;
    private final PooledCredentialService pooled;
    private final ManagementKeyService managementKeys;
    private final Idempotency idempotency;
    private final RequestBodies bodies;

    public AdminResource(Tokens tokens, AccountService accounts, PooledCredentialService pooled,
            ManagementKeyService managementKeys, Idempotency idempotency, RequestBodies bodies) {
        this.tokens = tokens;
        this.accounts = accounts;
        this.pooled = pooled;
        this.managementKeys = managementKeys;
        this.idempotency = idempotency;
        this.bodies = bodies;
    }

    @POST
    @Path("/accounts")
    public Uni<Response> createAccount(@HeaderParam("Authorization") String auth,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        tokens.requireAdmin(auth);
        var fields = bodies.object(body);
        return idempotency.once(Caller.ADMIN, "POST /admin/v1/accounts", idempotencyKey, body, () -> accounts.create(fields))
                .map(outcome -> Created.of(outcome, "management_key"));
    }

    @GET
    @Path("/accounts/{id}")
    public Uni<Map<String, Object>> account(@HeaderParam("Authorization") String auth, @PathParam("id") String id) {
        tokens.requireAdmin(auth);
        return accounts.get(accountId(id)).map(Created::data);
    }

    @GET
    @Path("/accounts/{id}/settings")
    public Uni<Map<String, Object>> settings(@HeaderParam("Authorization") String auth, @PathParam("id") String id) {
        tokens.requireAdmin(auth);
        return accounts.settings(accountId(id)).map(Created::data);
    }

    @PATCH
    @Path("/accounts/{id}/settings")
    public Uni<Map<String, Object>> patchSettings(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        tokens.requireAdmin(auth);
        UUID accountId = accountId(id);
        return accounts.patchSettings(Caller.ADMIN, accountId, bodies.object(body), ifMatch).map(Created::data);
    }

    @POST
    @Path("/accounts/{id}/management-keys")
    public Uni<Response> createManagementKey(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        tokens.requireAdmin(auth);
        UUID accountId = accountId(id);
        var fields = bodies.object(body);
        return idempotency.once(Caller.ADMIN, "POST /admin/v1/accounts/" + accountId + "/management-keys", idempotencyKey,
                body, () -> managementKeys.create(accountId, fields))
                .map(outcome -> Created.of(outcome, "key"));
    }

    @GET
    @Path("/accounts/{id}/management-keys")
    public Uni<Map<String, Object>> managementKeys(@HeaderParam("Authorization") String auth, @PathParam("id") String id) {
        tokens.requireAdmin(auth);
        return managementKeys.list(accountId(id)).map(Created::data);
    }

    @PATCH
    @Path("/accounts/{id}/management-keys/{keyId}")
    public Uni<Map<String, Object>> patchManagementKey(@HeaderParam("Authorization") String auth,
            @PathParam("id") String id, @PathParam("keyId") String keyId, byte[] body) {
        tokens.requireAdmin(auth);
        UUID accountId = accountId(id);
        UUID key = managementKeyId(keyId);
        return managementKeys.patch(accountId, key, bodies.object(body)).map(Created::data);
    }

    @DELETE
    @Path("/accounts/{id}/management-keys/{keyId}")
    public Uni<Map<String, Object>> deleteManagementKey(@HeaderParam("Authorization") String auth,
            @PathParam("id") String id, @PathParam("keyId") String keyId) {
        tokens.requireAdmin(auth);
        return managementKeys.delete(accountId(id), managementKeyId(keyId)).map(v -> Created.deleted());
    }

    static UUID managementKeyId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("management key");
        }
    }

    @POST
    @Path("/pooled-credentials")
    public Uni<Response> createPooled(@HeaderParam("Authorization") String auth,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        tokens.requireAdmin(auth);
        var fields = bodies.object(body);
        return idempotency.once(Caller.ADMIN, "POST /admin/v1/pooled-credentials", idempotencyKey, body, () -> pooled.create(fields))
                .map(outcome -> Created.of(outcome, "key"));
    }

    @GET
    @Path("/pooled-credentials")
    public Uni<Map<String, Object>> listPooled(@HeaderParam("Authorization") String auth) {
        tokens.requireAdmin(auth);
        return pooled.list().map(Created::data);
    }

    @GET
    @Path("/pooled-credentials/{id}")
    public Uni<Map<String, Object>> pooledCredential(@HeaderParam("Authorization") String auth, @PathParam("id") String id) {
        tokens.requireAdmin(auth);
        return pooled.get(pooledId(id)).map(Created::data);
    }

    @PATCH
    @Path("/pooled-credentials/{id}")
    public Uni<Map<String, Object>> patchPooled(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        tokens.requireAdmin(auth);
        UUID credentialId = pooledId(id);
        return pooled.patch(credentialId, bodies.object(body), ifMatch).map(Created::data);
    }

    @POST
    @Path("/pooled-credentials/{id}/rotate")
    public Uni<Map<String, Object>> rotatePooled(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch, byte[] body) {
        tokens.requireAdmin(auth);
        UUID credentialId = pooledId(id);
        return pooled.rotate(credentialId, bodies.object(body), ifMatch).map(Created::data);
    }

    @DELETE
    @Path("/pooled-credentials/{id}")
    public Uni<Map<String, Object>> deletePooled(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
            @HeaderParam("If-Match") String ifMatch) {
        tokens.requireAdmin(auth);
        return pooled.delete(pooledId(id), ifMatch).map(v -> Created.deleted());
    }

    /** A malformed id can name no credential: 404, like an unknown one. */
    static UUID pooledId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("pooled credential");
        }
    }

    static UUID accountId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("account");
        }
    }
}
