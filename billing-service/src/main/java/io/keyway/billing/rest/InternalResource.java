package io.keyway.billing.rest;

import io.keyway.billing.service.StatementService;
import io.keyway.contracts.ApiKeyUsage;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

/** billing-service's internal API for other Keyway services (internal token, see {@link TokenAuthFilter}). */
@Path("/internal/v1")
@Produces(MediaType.APPLICATION_JSON)
public class InternalResource {

    private final StatementService statements;

    public InternalResource(StatementService statements) {
        this.statements = statements;
    }

    /** An API key's usage for gateway-service's {@code GET /api/v1/key}: {@code {"data": ApiKeyUsage}}. */
    @GET
    @Path("/api-keys/{apiKeyId}/usage")
    public Uni<Map<String, ApiKeyUsage>> keyUsage(@PathParam("apiKeyId") String apiKeyId) {
        if (apiKeyId.isBlank() || apiKeyId.length() > 200) {
            throw ApiError.badField("api_key_id", "api_key_id must be 1 to 200 characters");
        }
        if (apiKeyId.chars().anyMatch(Character::isISOControl)) { // PostgreSQL refuses NUL in a query parameter
            throw ApiError.badField("api_key_id", "api_key_id must not contain control characters");
        }
        return statements.keyUsage(apiKeyId, LocalDate.now(ZoneOffset.UTC)).map(u -> Map.of("data", u));
    }
}
