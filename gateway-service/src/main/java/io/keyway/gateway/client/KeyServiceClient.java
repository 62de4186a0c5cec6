package io.keyway.gateway.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.ApiKeyResolution;
import io.keyway.contracts.RoutingView;
import io.keyway.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * key-service's internal API (the gateway's token): API-key resolution and routing views. Non-blocking (Vert.x client).
 * Only cache misses and revalidations come here; see ApiKeyResolver and RoutingViews. Every call is counted in
 * {@code keyway_key_service_requests_total} (tag {@code call}), so cache misses are visible.
 */
@ApplicationScoped
public class KeyServiceClient {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final InternalApi api;
    private final ObjectMapper json;
    private final Counter apiKeyCalls;
    private final Counter apiKeyByIdCalls;
    private final Counter routingViewCalls;

    /** A routing view and its ETag; {@code view} is null when key-service answered 304 Not Modified. */
    public record ViewAnswer(RoutingView view, String etag) {
        public boolean notModified() {
            return view == null;
        }
    }

    public KeyServiceClient(Vertx vertx, GatewayConfig config, InternalCredentials credentials, ObjectMapper json,
            MeterRegistry registry) {
        this.api = new InternalApi(vertx, config.keyServiceUrl(), credentials, 20);
        this.json = json;
        this.apiKeyCalls = registry.counter(REQUESTS_METRIC, "call", "api_key");
        this.apiKeyByIdCalls = registry.counter(REQUESTS_METRIC, "call", "api_key_by_id");
        this.routingViewCalls = registry.counter(REQUESTS_METRIC, "call", "routing_view");
    }

    public static final String REQUESTS_METRIC = "keyway.key_service.requests";
    /**
     * Revalidations that found key-service unable to answer and kept serving a cached answer (tag {@code cache}:
     * {@code api_key}, {@code routing_view}); rising while key-service is away.
     */
    public static final String STALE_KEPT_METRIC = "keyway.key_service.stale_kept";

    /** Empty when key-service does not know the hash (404). */
    public Uni<Optional<ApiKeyResolution>> resolveApiKey(String sha256Hex) {
        apiKeyCalls.increment();
        return get("/internal/v1/api-keys/" + sha256Hex, null).map(r -> {
            if (r.status == 404) {
                return Optional.<ApiKeyResolution>empty();
            }
            requireOk(r, "api-key resolution");
            return Optional.of(read(r.body, ApiKeyResolution.class));
        });
    }

    public Uni<ApiKeyResolution> apiKeyById(String apiKeyId) {
        apiKeyByIdCalls.increment();
        return get("/internal/v1/api-keys/by-id/" + apiKeyId, null).map(r -> {
            requireOk(r, "api-key lookup");
            return read(r.body, ApiKeyResolution.class);
        });
    }

    /** The account's routing view; with {@code etag} given, a 304 answer comes back as {@link ViewAnswer#notModified()}. */
    public Uni<ViewAnswer> routingView(String accountId, String etag) {
        routingViewCalls.increment();
        return get("/internal/v1/accounts/" + accountId + "/routing-view", etag).map(r -> {
            if (r.status == 304) {
                return new ViewAnswer(null, etag);
            }
            requireOk(r, "routing view");
            return new ViewAnswer(read(r.body, RoutingView.class), r.etag);
        });
    }

    private record Answer(int status, String etag, Buffer body) {
    }

    private Uni<Answer> get(String path, String ifNoneMatch) {
        RequestOptions options = api.get(path, TIMEOUT);
        if (ifNoneMatch != null) {
            options.putHeader("If-None-Match", ifNoneMatch);
        }
        return api.http().request(options)
                .flatMap(req -> req.send())
                .flatMap(resp -> resp.body().map(body -> new Answer(resp.statusCode(), resp.getHeader("ETag"), body)))
                .ifNoItem().after(TIMEOUT).failWith(() -> new KeyServiceUnavailable("key-service did not answer in time"))
                .onFailure(f -> !(f instanceof KeyServiceUnavailable))
                .transform(f -> new KeyServiceUnavailable("key-service unreachable: " + f.getClass().getSimpleName()));
    }

    private void requireOk(Answer r, String what) {
        if (r.status != 200) {
            throw new KeyServiceUnavailable("key-service answered " + r.status + " to " + what);
        }
    }

    private <T> T read(Buffer body, Class<T> type) {
        try {
            return json.readValue(body.getBytes(), type);
        } catch (IOException e) {
            throw new KeyServiceUnavailable("key-service sent an unreadable " + type.getSimpleName());
        }
    }

    /**
     * key-service cannot be asked right now (unreachable, timed out, an error status, an unreadable body): a cached
     * answer is served within its stale window, otherwise the gateway answers 503. "Unknown" (404) is an answer.
     */
    public static class KeyServiceUnavailable extends RuntimeException {
        public KeyServiceUnavailable(String message) {
            super(message, null, false, false);
        }
    }
}
