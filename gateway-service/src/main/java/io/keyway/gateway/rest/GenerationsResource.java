package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.service.ApiKeyResolver;
import io.keyway.gateway.service.GatewayError;
import io.keyway.gateway.service.Generations;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /api/v1/generations?limit=}: the caller's latest requests on this instance, newest first, each as
 * {@code GET /generation} shows it (every attempt included) — the console's activity page. A management key lists the
 * whole account; an API key lists only its own requests. From the same in-memory ring ({@link Generations}), so an
 * instance shows what it served since it started, up to its {@code generation-cache-size}.
 */
@Path("/api/v1/generations")
@Produces(MediaType.APPLICATION_JSON)
public class GenerationsResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    private final ApiKeyResolver apiKeys;
    private final Generations generations;
    private final ObjectMapper json;
    /** Writes each entry, so that the list and {@code GET /generation} show a request alike. */
    private final GenerationResource one;

    public GenerationsResource(ApiKeyResolver apiKeys, Generations generations, ObjectMapper json,
                               GenerationResource one) {
        this.apiKeys = apiKeys;
        this.generations = generations;
        this.json = json;
        this.one = one;
    }

    @GET
    public Uni<ObjectNode> list(@HeaderParam("Authorization") String authorization, @QueryParam("limit") String limit) {
        int size = limit(limit); // a bad limit is a 400 before any key lookup
        return apiKeys.authenticateAccount(authorization).map(caller -> {
            String onlyKey = caller.key().management() ? null : caller.apiKeyId();
            ObjectNode body = json.createObjectNode();
            var data = body.putArray("data");
            generations.latest(caller.accountId(), onlyKey, size)
                    .forEach(g -> data.add(one.describe(g)));
            return body;
        });
    }

    static int limit(String param) {
        if (param == null || param.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(param.trim());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new GatewayError(400, "query parameter 'limit' must be an integer between 1 and " + MAX_LIMIT);
    }
}
