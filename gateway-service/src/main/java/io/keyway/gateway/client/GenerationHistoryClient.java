package io.keyway.gateway.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.GenerationHistory.ActivityDay;
import io.keyway.contracts.GenerationHistory.Kept;
import io.keyway.contracts.GenerationHistory.Page;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.GatewayError;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import org.jboss.logging.Logger;

/**
 * billing-service's kept requests (internal API, the gateway's token): one by id, a page of an account's, and per-day
 * activity ({@code io.keyway.contracts.GenerationHistory}). Off the completions path: called by {@code /generation}
 * past the in-memory ring, {@code /generations} and {@code /activity}, each with a short timeout. Its own small
 * connection pool, so a slow history query never holds up a budget-lease sync. A billing 400 (a bad cursor) is passed
 * on as the client's 400; no answer in time, or any other status, is a 503.
 */
@ApplicationScoped
public class GenerationHistoryClient {

    private static final Logger LOG = Logger.getLogger(GenerationHistoryClient.class);

    private final InternalApi api;
    private final Duration timeout;
    private final ObjectReader kept;
    private final ObjectReader page;
    private final ObjectReader activity;
    private final ObjectMapper json;

    public GenerationHistoryClient(Vertx vertx, GatewayConfig config, InternalCredentials credentials,
                                   ObjectMapper json) {
        this.api = new InternalApi(vertx, config.billingUrl(), credentials, 4);
        this.timeout = config.generationHistoryTimeout();
        this.kept = json.readerFor(Kept.class).at("/data");
        this.page = json.readerFor(Page.class);
        this.activity = json.readerFor(json.getTypeFactory().constructCollectionType(List.class, ActivityDay.class))
                .at("/data");
        this.json = json;
    }

    /** The account's request with this generation id (the bare UUID), or empty when billing keeps none. */
    public Uni<Optional<Kept>> generation(String accountId, String uuid) {
        return get("/internal/v1/accounts/" + enc(accountId) + "/generations/" + enc(uuid), true)
                .map(body -> body == null ? Optional.empty() : Optional.of(read(kept, body)));
    }

    /** A page of the account's requests, newest first; the query's values are passed as given (null: left out). */
    public Uni<Page> generations(String accountId, Map<String, String> query) {
        return get("/internal/v1/accounts/" + enc(accountId) + "/generations" + query(query), false)
                .map(body -> read(page, body));
    }

    /** The account's activity per UTC day × model × provider. */
    public Uni<List<ActivityDay>> activity(String accountId, Map<String, String> query) {
        return get("/internal/v1/accounts/" + enc(accountId) + "/activity" + query(query), false)
                .map(body -> read(activity, body));
    }

    /** The body of a 200; null for a 404 when {@code notFoundIsEmpty}; a 400 passed on; anything else a 503. */
    private Uni<byte[]> get(String path, boolean notFoundIsEmpty) {
        return api.http().request(api.get(path, timeout))
                .flatMap(req -> req.send())
                .flatMap(resp -> resp.body().map(body -> {
                    int status = resp.statusCode();
                    if (status == 200) {
                        return body.getBytes();
                    }
                    if (status == 404 && notFoundIsEmpty) {
                        return null;
                    }
                    if (status == 400) {
                        throw badRequest(body);
                    }
                    throw new IllegalStateException("billing-service answered " + status);
                }))
                .ifNoItem().after(timeout).fail()
                .onFailure(f -> !(f instanceof GatewayError)).transform(f -> {
                    LOG.warnf("Generation history from billing-service failed: %s", f.toString());
                    return new GatewayError(503, "Generation history is unavailable (billing-service did not answer), "
                            + "retry shortly");
                });
    }

    /** billing's 400 as the client's: its message and the parameter it names. */
    private GatewayError badRequest(Buffer body) {
        String message = "bad query parameter";
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        try {
            JsonNode error = json.readTree(body.getBytes()).path("error");
            message = error.path("message").asText(message);
            if (error.path("metadata").path("field").isTextual()) {
                metadata.put("parameter", error.path("metadata").path("field").asText());
            }
        } catch (IOException e) {
            // the generic message stands
        }
        return new GatewayError(400, message, metadata);
    }

    private static <T> T read(ObjectReader reader, byte[] body) {
        try {
            return reader.readValue(body);
        } catch (IOException e) {
            throw new GatewayError(503, "Generation history is unavailable (unreadable answer), retry shortly");
        }
    }

    private static String query(Map<String, String> params) {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + enc(v));
            }
        });
        return q.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
