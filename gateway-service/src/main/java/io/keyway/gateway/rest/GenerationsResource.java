package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.client.GenerationHistoryClient;
import io.keyway.gateway.service.ApiKeyResolver;
import io.keyway.gateway.service.GatewayError;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/generations?limit&cursor&model&provider&status}: the caller's requests, newest first, each as
 * {@code GET /generation} shows it (every attempt included) — the console's activity page. A management key lists the
 * whole account; an API key lists only its own requests. From billing-service, which keeps every request of every
 * replica for its retention: a request appears once billing has applied its usage event (usually within a second).
 * {@code next_cursor} (null on the last page) is passed back as {@code cursor} for the next page; rows that arrive
 * meanwhile never move a request between pages. {@code status}: {@code success}, {@code error} or an HTTP status.
 */
@Path("/api/v1/generations")
@Produces(MediaType.APPLICATION_JSON)
public class GenerationsResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;
    private static final Pattern CURSOR = Pattern.compile("^[A-Za-z0-9_-]{1,200}$");
    private static final Pattern STATUS = Pattern.compile("^(success|error|[1-5][0-9][0-9])$");

    private final ApiKeyResolver apiKeys;
    private final GenerationHistoryClient history;
    private final ObjectMapper json;
    /** Writes each entry, so that the list and {@code GET /generation} show a request alike. */
    private final GenerationResource one;

    public GenerationsResource(ApiKeyResolver apiKeys, GenerationHistoryClient history, ObjectMapper json,
                               GenerationResource one) {
        this.apiKeys = apiKeys;
        this.history = history;
        this.json = json;
        this.one = one;
    }

    @GET
    public Uni<ObjectNode> list(@HeaderParam("Authorization") String authorization, @QueryParam("limit") String limit,
                                @QueryParam("cursor") String cursor, @QueryParam("model") String model,
                                @QueryParam("provider") String provider, @QueryParam("status") String status) {
        // bad parameters are a 400 before any key lookup
        Map<String, String> query = new LinkedHashMap<>();
        query.put("limit", String.valueOf(limit(limit)));
        query.put("cursor", matching("cursor", cursor, CURSOR, "a next_cursor this API gave"));
        query.put("model", name("model", model));
        query.put("provider", name("provider", provider));
        query.put("status", matching("status", status, STATUS, "success, error or an HTTP status code"));
        return apiKeys.authenticateAccount(authorization).flatMap(caller -> {
            if (!caller.key().management()) {
                query.put("api_key_id", caller.apiKeyId());
            }
            return history.generations(caller.accountId(), query).map(page -> {
                ObjectNode body = json.createObjectNode();
                var data = body.putArray("data");
                page.data().forEach(k -> data.add(one.describe(GenerationResource.fromBilling(k))));
                body.put("next_cursor", page.nextCursor());
                return body;
            });
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
        throw badParameter("limit", "must be an integer between 1 and " + MAX_LIMIT);
    }

    /** A model or provider slug to filter by: at most 256 characters, no control characters; null when not given. */
    static String name(String parameter, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > 256 || value.chars().anyMatch(Character::isISOControl)) {
            throw badParameter(parameter, "must be at most 256 characters without control characters");
        }
        return value;
    }

    static String matching(String parameter, String value, Pattern pattern, String what) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!pattern.matcher(value).matches()) {
            throw badParameter(parameter, "must be " + what);
        }
        return value;
    }

    /** A 400 whose message and metadata name the query parameter at fault. */
    static GatewayError badParameter(String parameter, String problem) {
        ObjectNode metadata = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        metadata.put("parameter", parameter);
        return new GatewayError(400, "query parameter '" + parameter + "' " + problem, metadata);
    }
}
