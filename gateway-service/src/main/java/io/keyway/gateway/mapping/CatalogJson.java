package io.keyway.gateway.mapping;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.Pricing;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.service.EndpointMeasurements;
import io.keyway.gateway.service.catalog.ModelCatalog;
import java.util.Comparator;
import java.util.List;

/**
 * The catalog in OpenRouter's shapes ({@code Model}, {@code /models/{author}/{slug}/endpoints}); prices as strings.
 * Endpoint statistics are Keyway's own measurements ({@link EndpointMeasurements}), null without data.
 */
public final class CatalogJson {

    private CatalogJson() {
    }

    public static ObjectNode model(ObjectMapper json, CatalogModel m) {
        ObjectNode n = json.createObjectNode();
        n.put("id", m.id());
        n.put("canonical_slug", m.id());
        n.put("name", m.name() != null ? m.name() : m.id());
        n.put("created", m.created() != null ? m.created() : 0L);
        n.put("description", m.description() != null ? m.description() : "");
        putInt(n, "context_length", m.contextLength());
        n.set("architecture", architecture(json, m));
        ModelEndpoint top = cheapest(m);
        n.set("pricing", pricing(json, top.pricing()));
        ObjectNode topProvider = n.putObject("top_provider");
        putInt(topProvider, "context_length", top.contextLength() != null ? top.contextLength() : m.contextLength());
        putInt(topProvider, "max_completion_tokens", top.maxCompletionTokens());
        topProvider.put("is_moderated", false);
        n.putNull("per_request_limits");
        ArrayNode params = n.putArray("supported_parameters");
        if (m.supportedParameters() != null) {
            m.supportedParameters().forEach(params::add);
        }
        n.putObject("default_parameters");
        n.putNull("supported_voices"); // text models only: no text-to-speech voices
        n.putObject("links").put("details", "/api/v1/models/" + m.id() + "/endpoints");
        return n;
    }

    public static ObjectNode endpoints(ObjectMapper json, ModelCatalog catalog, CatalogModel m,
                                       EndpointMeasurements measurements) {
        ObjectNode n = json.createObjectNode();
        n.put("id", m.id());
        n.put("name", m.name() != null ? m.name() : m.id());
        n.put("created", m.created() != null ? m.created() : 0L);
        n.put("description", m.description() != null ? m.description() : "");
        n.set("architecture", architecture(json, m));
        ArrayNode list = n.putArray("endpoints");
        for (ModelEndpoint e : m.endpoints()) {
            ProviderSpec p = catalog.provider(e.provider());
            String providerName = p.name() != null ? p.name() : p.slug();
            ObjectNode en = list.addObject();
            en.put("name", providerName + " | " + m.id());
            en.put("model_id", m.id());
            en.put("model_name", m.name() != null ? m.name() : m.id());
            putInt(en, "context_length", e.contextLength() != null ? e.contextLength() : m.contextLength());
            en.set("pricing", pricing(json, e.pricing()));
            en.put("provider_name", providerName);
            en.put("tag", e.provider());
            if (e.quantization() != null) {
                en.put("quantization", e.quantization());
            } else {
                en.putNull("quantization");
            }
            putInt(en, "max_completion_tokens", e.maxCompletionTokens());
            en.putNull("max_prompt_tokens");
            ArrayNode params = en.putArray("supported_parameters");
            List<String> supported = m.supportedParameters(e);
            if (supported != null) {
                supported.forEach(params::add);
            }
            en.set("supports_tool_choice", toolChoice(json, supported));
            en.put("status", 0);
            statistics(en, measurements.stats(m.id(), e.provider()));
            en.put("supports_implicit_caching", false);
        }
        return json.createObjectNode().set("data", n);
    }

    /**
     * OpenRouter's per-value {@code tool_choice} flags. Keyway does not test endpoints' tool choice itself: every
     * value is passed on (or translated by the adapter) when the endpoint lists {@code tool_choice}, none otherwise.
     */
    private static ObjectNode toolChoice(ObjectMapper json, List<String> supported) {
        boolean listed = supported != null && supported.contains("tool_choice");
        ObjectNode n = json.createObjectNode();
        n.put("auto", listed);
        n.put("none", listed);
        n.put("required", listed);
        n.put("function", listed);
        return n;
    }

    private static void statistics(ObjectNode en, EndpointMeasurements.Stats stats) {
        putDouble(en, "uptime_last_5m", stats.uptimeLast5m());
        putDouble(en, "uptime_last_30m", stats.uptimeLast30m());
        putDouble(en, "uptime_last_1d", stats.uptimeLast1d());
        putPercentiles(en, "latency_last_30m", stats.latencyLast30m());
        putPercentiles(en, "throughput_last_30m", stats.throughputLast30m());
    }

    private static void putDouble(ObjectNode n, String field, Double value) {
        if (value == null) {
            n.putNull(field);
        } else {
            n.put(field, value);
        }
    }

    private static void putPercentiles(ObjectNode n, String field, EndpointMeasurements.Percentiles p) {
        if (p == null) {
            n.putNull(field);
            return;
        }
        ObjectNode o = n.putObject(field);
        o.put("p50", p.p50());
        o.put("p75", p.p75());
        o.put("p90", p.p90());
        o.put("p99", p.p99());
    }

    private static ObjectNode architecture(ObjectMapper json, CatalogModel m) {
        ObjectNode a = json.createObjectNode();
        List<String> in = m.inputModalities() != null ? m.inputModalities() : List.of("text");
        List<String> out = m.outputModalities() != null ? m.outputModalities() : List.of("text");
        a.put("modality", String.join("+", in) + "->" + String.join("+", out));
        in.forEach(a.putArray("input_modalities")::add);
        out.forEach(a.putArray("output_modalities")::add);
        a.put("tokenizer", m.tokenizer() != null ? m.tokenizer() : "Other");
        a.putNull("instruct_type");
        return a;
    }

    private static ObjectNode pricing(ObjectMapper json, Pricing p) {
        ObjectNode n = json.createObjectNode();
        n.put("prompt", p.prompt().toPlainString());
        n.put("completion", p.completion().toPlainString());
        n.put("request", p.request().toPlainString());
        n.put("image", "0");
        n.put("web_search", "0");
        n.put("internal_reasoning", "0");
        return n;
    }

    private static ModelEndpoint cheapest(CatalogModel m) {
        return m.endpoints().stream().min(Comparator.comparing(e -> e.pricing().tokenPrice())).orElseThrow();
    }

    private static void putInt(ObjectNode n, String field, Integer value) {
        if (value == null) {
            n.putNull(field);
        } else {
            n.put(field, value);
        }
    }
}
