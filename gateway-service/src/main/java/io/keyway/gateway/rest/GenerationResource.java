package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.GenerationHistory;
import io.keyway.gateway.client.GenerationHistoryClient;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.ApiKeyResolver;
import io.keyway.gateway.service.GatewayError;
import io.keyway.gateway.service.Generations;
import io.keyway.gateway.service.Generation.AttemptRecord;
import io.keyway.gateway.service.Generations.Kept;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /api/v1/generation?id=}: one request of the caller's account with every attempt (provider, credential
 * kind, status, latency) — the BYOK debugging view — whichever replica served it. This replica's latest requests are
 * answered from its memory ({@link Generations}: the newest, before billing has applied their usage events); any other
 * from billing-service, which keeps every request for its retention ({@link GenerationHistoryClient}; 404 when it has
 * none, 503 when it cannot answer in time). Either way the answer is OpenRouter's whole generation object (its SDK
 * validates every member), written by {@link #describe}: Keyway's values where it has them, null where it has no such
 * thing (docs/decisions.md lists which).
 */
@Path("/api/v1/generation")
@Produces(MediaType.APPLICATION_JSON)
public class GenerationResource {

    private final ApiKeyResolver apiKeys;
    private final Generations generations;
    private final GenerationHistoryClient history;
    private final ObjectMapper json;
    private final String dataRegion;

    public GenerationResource(ApiKeyResolver apiKeys, Generations generations, GenerationHistoryClient history,
                              ObjectMapper json, GatewayConfig config) {
        this.apiKeys = apiKeys;
        this.generations = generations;
        this.history = history;
        this.json = json;
        this.dataRegion = config.dataRegion().wireName();
    }

    @GET
    public Uni<ObjectNode> get(@HeaderParam("Authorization") String authorization, @QueryParam("id") String id) {
        return apiKeys.authenticate(authorization).flatMap(caller -> {
            if (id == null || id.isBlank()) {
                throw new GatewayError(400, "id query parameter is required");
            }
            Optional<Kept> here = generations.find(id).filter(x -> x.accountId().equals(caller.accountId()));
            if (here.isPresent()) {
                return Uni.createFrom().item(answer(describe(here.get())));
            }
            String uuid = Generations.uuidOf(id);
            if (uuid == null) { // not an id Keyway gives: no request has it
                throw new GatewayError(404, "Generation " + id + " not found");
            }
            return history.generation(caller.accountId(), uuid).map(kept -> answer(describe(kept
                    .map(GenerationResource::fromBilling)
                    .orElseThrow(() -> new GatewayError(404, "Generation " + id + " not found")))));
        });
    }

    private ObjectNode answer(ObjectNode generation) {
        ObjectNode body = json.createObjectNode();
        body.set("data", generation);
        return body;
    }

    /**
     * A request as billing keeps it, in the ring's form, so that {@link #describe} writes it alike. Its cost is the
     * charge billing applied (the ring holds the figure the answer's {@code usage.cost} showed: the same but for a
     * BYOK request whose place in the month's free allowance billing decides).
     */
    static Kept fromBilling(GenerationHistory.Kept k) {
        List<AttemptRecord> attempts = k.attempts().stream().map(a -> new AttemptRecord(a.model(), a.provider(),
                a.credential(), a.byokKeyId(), a.status(), a.outcome(), a.latencyMs())).toList();
        return new Kept(UUID.fromString(k.id()), k.createdAt(), k.accountId(), k.apiKeyId(), k.model(),
                k.providerName(), k.byok(), k.charge(), k.listCost(), k.promptTokens(), k.completionTokens(),
                k.latencyMs(), k.firstByteMs() == null ? -1 : k.firstByteMs(), k.streamed(), k.cancelled(),
                k.finishReason(), k.httpStatus(), attempts, k.nativeFinishReason(), k.user(), k.httpReferer(),
                k.cachedTokens() == null ? -1 : k.cachedTokens(), k.reasoningTokens() == null ? -1 : k.reasoningTokens());
    }

    /**
     * OpenRouter's members for things Keyway does not have: apps, moderation, media and web-search counts, presets,
     * its auto-router, service tiers, workspaces, and the upstream's own request id (not kept).
     */
    private static final String[] NONE = {"app_id", "moderation_latency", "native_tokens_completion_images",
        "num_fetches", "num_input_audio_prompt", "num_media_completion", "num_media_prompt", "num_search_results",
        "preset_id", "router", "service_tier", "upstream_id", "user_agent", "web_search_engine", "workspace_id"};

    private static void putCount(ObjectNode d, String field, long count) {
        if (count < 0) {
            d.putNull(field);
        } else {
            d.put(field, count);
        }
    }

    /** One generation as {@code /generation} shows it; {@code /generations} lists the same objects. */
    ObjectNode describe(Kept g) {
        ObjectNode d = json.createObjectNode();
        d.put("id", g.publicId());
        d.put("model", g.model());
        d.put("provider_name", g.providerName());
        d.put("is_byok", g.byok());
        d.put("total_cost", g.cost());
        d.put("usage", g.cost());
        d.put("upstream_inference_cost", g.listCost());
        // Keyway's catalog has no cache prices, so it computes no cache discount (the cached tokens are shown).
        d.putNull("cache_discount");
        d.put("tokens_prompt", g.promptTokens());
        d.put("tokens_completion", g.completionTokens());
        d.put("native_tokens_prompt", g.promptTokens());
        d.put("native_tokens_completion", g.completionTokens());
        putCount(d, "native_tokens_cached", g.cachedTokens());
        putCount(d, "native_tokens_reasoning", g.reasoningTokens());
        for (String none : NONE) {
            d.putNull(none);
        }
        d.put("latency", g.firstByteMs() >= 0 ? g.firstByteMs() : g.latencyMs());
        d.put("generation_time", g.latencyMs());
        d.put("streamed", g.streamed());
        d.put("cancelled", g.cancelled());
        d.put("finish_reason", g.finishReason());
        d.put("native_finish_reason", g.nativeFinishReason());
        d.put("api_type", "completions");
        d.put("data_region", dataRegion);
        d.put("external_user", g.user());
        d.put("http_referer", g.referer());
        d.put("origin", g.referer() == null ? "" : g.referer());
        d.put("status", g.httpStatus());
        d.put("api_key_id", g.apiKeyId());
        d.put("created_at", g.createdAt().toString());
        var responses = d.putArray("provider_responses");
        g.attempts().forEach(a -> {
            ObjectNode r = responses.addObject();
            r.put("model", a.model());
            r.put("provider", a.provider());
            r.put("credential", a.credentialKind());
            r.put("is_byok", !"pooled".equals(a.credentialKind()));
            if (a.byokKeyId() != null) {
                r.put("byok_key_id", a.byokKeyId());
            }
            r.put("status", a.status());
            r.put("outcome", a.outcome());
            r.put("latency", a.latencyMs());
        });
        return d;
    }
}
