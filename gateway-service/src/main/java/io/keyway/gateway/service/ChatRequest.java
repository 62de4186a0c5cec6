package io.keyway.gateway.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.ProviderPreferences;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checked {@code POST /chat/completions} body: the models to try, the provider preferences, and the body to send
 * upstream (the client's fields minus Keyway's routing fields). {@code user} is the end user the request names (a BYOK
 * key's {@code allowed_user_ids} filter matches it); it is also sent upstream, as OpenAI's API defines it. Bad input is a 400 naming the field at fault.
 */
public record ChatRequest(List<CatalogModel> models, ProviderPreferences preferences, boolean stream,
                          Set<String> parameters, String user, ObjectNode upstreamBody) {

    /** Fields of OpenRouter's request that steer routing and are not sent upstream. */
    static final Set<String> ROUTING_FIELDS = Set.of("models", "provider", "route", "transforms", "plugins", "usage",
            "debug", "trace", "session_id", "preset");

    /** OpenAI parameters checked by provider.require_parameters against an endpoint's supported_parameters. */
    static final Set<String> PARAMETERS = Set.of("temperature", "top_p", "top_k", "max_tokens",
            "max_completion_tokens", "stop", "seed", "tools", "tool_choice", "parallel_tool_calls", "response_format",
            "frequency_penalty", "presence_penalty", "repetition_penalty", "logit_bias", "logprobs", "top_logprobs",
            "n", "min_p", "top_a", "reasoning", "structured_outputs", "verbosity");

    private static final Map<String, String> NUMBER_FIELDS = Map.of("temperature", "number", "top_p", "number",
            "frequency_penalty", "number", "presence_penalty", "number", "max_tokens", "integer",
            "max_completion_tokens", "integer", "n", "integer", "seed", "integer", "top_k", "integer");

    private static final Set<String> PROVIDER_FIELDS = Set.of("order", "only", "ignore", "allow_fallbacks", "sort",
            "require_parameters", "max_price", "data_collection", "zdr", "enforce_distillable_text", "quantizations",
            "preferred_min_throughput", "preferred_max_latency");

    public static ChatRequest parse(byte[] body, ObjectMapper json, ModelCatalog catalog) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (StreamConstraintsException e) {
            throw bad("Request body is not valid JSON (it exceeds a JSON reading limit: nesting depth, or the length of"
                    + " a number or string)");
        } catch (JsonProcessingException e) {
            // Only where: Jackson's own message quotes the offending token, which may be a secret pasted unquoted.
            throw bad(e.getLocation() == null ? "Request body is not valid JSON"
                    : "Request body is not valid JSON (at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw bad("Request body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw bad("Request body must be a JSON object");
        }
        ObjectNode request = (ObjectNode) root;

        List<String> modelIds = new ArrayList<>();
        JsonNode model = request.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual() || model.textValue().isBlank()) {
                throw bad("model must be a non-empty string");
            }
            modelIds.add(model.textValue());
        }
        modelIds.addAll(strings(request, "models", "models"));
        if (modelIds.isEmpty()) {
            throw bad("model is required");
        }
        List<CatalogModel> models = new ArrayList<>(modelIds.size());
        for (String id : modelIds.size() == 1 ? modelIds : new LinkedHashSet<>(modelIds)) {
            models.add(catalog.model(id).orElseThrow(() -> bad(id + " is not a valid model ID")));
        }

        JsonNode messages = request.get("messages");
        if (messages == null || messages.isNull()) {
            throw bad("messages is required");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw bad("messages must be a non-empty array");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw bad("messages[" + i + "] must be an object with a string role");
            }
        }
        JsonNode user = request.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw bad("user must be a string");
        }
        JsonNode stream = request.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw bad("stream must be a boolean");
        }
        NUMBER_FIELDS.forEach((field, type) -> {
            JsonNode v = request.get(field);
            if (v != null && !v.isNull() && !(type.equals("integer") ? v.canConvertToExactIntegral() && v.isNumber() : v.isNumber())) {
                throw bad(field + " must be " + (type.equals("integer") ? "an integer" : "a number"));
            }
        });

        ProviderPreferences prefs = preferences(request.get("provider"));
        List<String> parameters = new ArrayList<>(4);
        boolean routingFields = false;
        for (var fields = request.fields(); fields.hasNext(); ) {
            var field = fields.next();
            if (PARAMETERS.contains(field.getKey()) && !field.getValue().isNull()) {
                parameters.add(field.getKey()); // an object's field names are unique: Set.of takes them as they are
            }
            routingFields |= ROUTING_FIELDS.contains(field.getKey());
        }
        if (routingFields) {
            request.remove(ROUTING_FIELDS); // what is left goes upstream (the adapter sets model and stream options)
        }
        return new ChatRequest(List.copyOf(models), prefs, stream != null && stream.asBoolean(),
                Set.of(parameters.toArray(new String[0])), user == null || user.isNull() ? null : user.textValue(),
                request);
    }

    private static ProviderPreferences preferences(JsonNode p) {
        if (p == null || p.isNull()) {
            return ProviderPreferences.NONE;
        }
        if (!p.isObject()) {
            throw bad("provider must be an object");
        }
        p.fieldNames().forEachRemaining(f -> {
            if (!PROVIDER_FIELDS.contains(f)) {
                throw bad("provider." + f + " is not a known provider preference");
            }
        });
        JsonNode allow = p.get("allow_fallbacks");
        if (allow != null && !allow.isNull() && !allow.isBoolean()) {
            throw bad("provider.allow_fallbacks must be a boolean");
        }
        JsonNode require = p.get("require_parameters");
        if (require != null && !require.isNull() && !require.isBoolean()) {
            throw bad("provider.require_parameters must be a boolean");
        }
        String sort = null;
        JsonNode s = p.get("sort");
        if (s != null && !s.isNull()) {
            JsonNode by = s.isObject() ? s.get("by") : s;
            if (by == null || !by.isTextual() || !Set.of("price", "throughput", "latency").contains(by.textValue())) {
                throw bad("provider.sort must be one of price, throughput, latency (or {\"by\": ...})");
            }
            sort = by.textValue();
        }
        BigDecimal maxPrompt = null;
        BigDecimal maxCompletion = null;
        BigDecimal maxRequest = null;
        JsonNode mp = p.get("max_price");
        if (mp != null && !mp.isNull()) {
            if (!mp.isObject()) {
                throw bad("provider.max_price must be an object");
            }
            maxPrompt = price(mp, "prompt");
            maxCompletion = price(mp, "completion");
            maxRequest = price(mp, "request");
        }
        JsonNode zdr = p.get("zdr");
        if (zdr != null && !zdr.isNull() && !zdr.isBoolean()) {
            throw bad("provider.zdr must be a boolean");
        }
        JsonNode dataCollection = p.get("data_collection");
        if (dataCollection != null && !dataCollection.isNull() && !(dataCollection.isTextual()
                && Set.of("allow", "deny").contains(dataCollection.textValue()))) {
            throw bad("provider.data_collection must be \"allow\" or \"deny\"");
        }
        List<String> quantizations = p.has("quantizations") && !p.get("quantizations").isNull()
                ? strings(p, "quantizations", "provider.quantizations") : null;
        List<String> order = p.has("order") && !p.get("order").isNull() ? strings(p, "order", "provider.order") : null;
        List<String> only = p.has("only") && !p.get("only").isNull() ? strings(p, "only", "provider.only") : null;
        List<String> ignore = p.has("ignore") && !p.get("ignore").isNull() ? strings(p, "ignore", "provider.ignore") : null;
        return new ProviderPreferences(order, only, ignore, allow == null || allow.isNull() || allow.booleanValue(), sort,
                require != null && require.asBoolean(), maxPrompt, maxCompletion, maxRequest,
                zdr != null && zdr.asBoolean(), dataCollection != null && "deny".equals(dataCollection.asText()),
                quantizations);
    }

    /** OpenRouter's schema has strings, its docs numbers: accept both. */
    private static BigDecimal price(JsonNode maxPrice, String field) {
        JsonNode v = maxPrice.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            if (v.isNumber()) {
                return v.decimalValue();
            }
            if (v.isTextual()) {
                return new BigDecimal(v.textValue());
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw bad("provider.max_price." + field + " must be a number");
    }

    private static List<String> strings(JsonNode parent, String field, String name) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw bad(name + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual() || e.textValue().isBlank()) {
                throw bad(name + " must be an array of strings");
            }
            out.add(e.textValue());
        }
        return out;
    }

    private static GatewayError bad(String message) {
        return new GatewayError(400, message);
    }
}
