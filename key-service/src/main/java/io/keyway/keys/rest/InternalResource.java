package io.keyway.keys.rest;

import io.keyway.contracts.ApiKeyResolution;
import io.keyway.contracts.RoutingView;
import io.keyway.keys.service.ApiException;
import io.keyway.keys.service.ApiKeyService;
import io.keyway.keys.service.RoutingViewService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/**
 * /internal/v1: API-key lookups for gateway-service and billing-service, routing views (secrets inside) for the gateway
 * only; each caller sends its own token, and {@link Tokens} holds it to its scopes.
 */
@Path("/internal/v1")
@Produces(MediaType.APPLICATION_JSON)
public class InternalResource {

    private final Tokens tokens;
    private final ApiKeyService keys;
    private final RoutingViewService views;

    public InternalResource(Tokens tokens, ApiKeyService keys, RoutingViewService views) {
        this.tokens = tokens;
        this.keys = keys;
        this.views = views;
    }

    @GET
    @Path("/api-keys/{hash}")
    public Uni<ApiKeyResolution> byHash(@HeaderParam("Authorization") String auth, @PathParam("hash") String hash) {
        tokens.requireInternal(auth, Tokens.Scope.API_KEY_LOOKUP);
        return keys.resolveByHash(hash).map(InternalResource::found);
    }

    @GET
    @Path("/api-keys/by-id/{id}")
    public Uni<ApiKeyResolution> byId(@HeaderParam("Authorization") String auth, @PathParam("id") String id) {
        tokens.requireInternal(auth, Tokens.Scope.API_KEY_LOOKUP);
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("API key");
        }
        return keys.resolveById(uuid).map(InternalResource::found);
    }

    @GET
    @Path("/accounts/{accountId}/routing-view")
    public Uni<Response> routingView(@HeaderParam("Authorization") String auth, @PathParam("accountId") String accountId,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        Tokens.Caller caller = tokens.requireInternal(auth, Tokens.Scope.ROUTING_VIEW);
        UUID id = AdminResource.accountId(accountId);
        return views.view(id, ifNoneMatch, caller.wireName()).map(result -> {
            if (result == null) {
                throw ApiException.notFound("account");
            }
            EntityTag tag = new EntityTag(result.version());
            RoutingView view = result.view();
            Response.ResponseBuilder r = view == null ? Response.notModified(tag) : Response.ok(view).tag(tag);
            // Credentials inside: never cached by an intermediary.
            return r.header(HttpHeaders.CACHE_CONTROL, "no-store").build();
        });
    }

    private static ApiKeyResolution found(ApiKeyResolution r) {
        if (r == null) {
            throw ApiException.notFound("API key");
        }
        return r;
    }
}
