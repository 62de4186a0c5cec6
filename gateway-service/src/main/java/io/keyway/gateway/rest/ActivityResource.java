package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.GenerationHistory.ActivityDay;
import io.keyway.gateway.client.GenerationHistoryClient;
import io.keyway.gateway.client.KeyServiceClient;
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
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/activity?date&api_key_hash}: OpenRouter's activity — the caller's account's metered requests
 * (successes, and answers cut after part reached the client) per UTC day × model × provider over the last 30 days
 * (today so far included, unlike OpenRouter's completed days), newest day first: requests, tokens, {@code usage} (what
 * the platform charged) and {@code byok_usage_inference} (the list cost of BYOK requests: what the tenant's own
 * provider accounts paid). From billing-service's kept requests, so it covers at most the retention. An API key or a
 * management key of the account; {@code api_key_hash} narrows to one of the account's API keys (another account's, or
 * an unknown one, gives an empty list). Keyway has no model permaslugs or endpoint UUIDs: {@code model_permaslug} is
 * the model id and {@code endpoint_id} is {@code <provider>:<model>}.
 */
@Path("/api/v1/activity")
@Produces(MediaType.APPLICATION_JSON)
public class ActivityResource {

    private static final Pattern DATE = Pattern.compile("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
    private static final Pattern KEY_HASH = Pattern.compile("^[0-9a-f]{64}$");

    private final ApiKeyResolver apiKeys;
    private final KeyServiceClient keyService;
    private final GenerationHistoryClient history;
    private final ObjectMapper json;

    public ActivityResource(ApiKeyResolver apiKeys, KeyServiceClient keyService, GenerationHistoryClient history,
                            ObjectMapper json) {
        this.apiKeys = apiKeys;
        this.keyService = keyService;
        this.history = history;
        this.json = json;
    }

    @GET
    public Uni<ObjectNode> activity(@HeaderParam("Authorization") String authorization,
                                    @QueryParam("date") String date, @QueryParam("api_key_hash") String apiKeyHash) {
        // the date's range (the last 30 days) is billing's to check; its form is checked here, before any lookup
        String day = GenerationsResource.matching("date", date, DATE, "a UTC date (YYYY-MM-DD) within the last 30 days");
        String hash = GenerationsResource.matching("api_key_hash", apiKeyHash == null ? null
                : apiKeyHash.toLowerCase(java.util.Locale.ROOT), KEY_HASH, "an API key's SHA-256 hash (64 hex digits)");
        return apiKeys.authenticateAccount(authorization).flatMap(caller -> {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("date", day);
            if (hash == null) {
                return history.activity(caller.accountId(), query);
            }
            return keyService.resolveApiKey(hash).flatMap(key -> {
                if (key.isEmpty() || key.get().management() || !key.get().accountId().equals(caller.accountId())) {
                    return Uni.createFrom().item(List.<ActivityDay>of());
                }
                query.put("api_key_id", key.get().apiKeyId());
                return history.activity(caller.accountId(), query);
            }).onFailure(f -> !(f instanceof GatewayError))
                    .transform(f -> new GatewayError(503, "Key resolution is unavailable, retry shortly"));
        }).map(this::openRouterShape);
    }

    private ObjectNode openRouterShape(List<ActivityDay> days) {
        ObjectNode body = json.createObjectNode();
        var data = body.putArray("data");
        for (ActivityDay d : days) {
            ObjectNode item = data.addObject();
            item.put("date", d.date().toString());
            item.put("model", d.model());
            item.put("model_permaslug", d.model());
            item.put("endpoint_id", d.provider() + ":" + d.model());
            item.put("provider_name", d.providerName());
            item.put("usage", d.usage());
            item.put("byok_usage_inference", d.byokUsageInference());
            item.put("requests", d.requests());
            item.put("prompt_tokens", d.promptTokens());
            item.put("completion_tokens", d.completionTokens());
            item.put("reasoning_tokens", d.reasoningTokens());
        }
        return body;
    }
}
