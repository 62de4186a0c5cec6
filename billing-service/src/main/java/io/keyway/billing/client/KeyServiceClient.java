package io.keyway.billing.client;

import io.keyway.contracts.ApiKeyResolution;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** key-service's internal key lookup (base URL: {@code keyway.billing.key-service-url}). */
@RegisterRestClient(configKey = "key-service")
@Path("/internal/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
public interface KeyServiceClient {

    @GET
    @Path("/{hash}")
    Uni<ApiKeyResolution> byHash(@PathParam("hash") String sha256Hex, @HeaderParam("Authorization") String authorization);

    @GET
    @Path("/by-id/{id}")
    Uni<ApiKeyResolution> byId(@PathParam("id") String apiKeyId, @HeaderParam("Authorization") String authorization);
}
