package io.keyway.gateway.provider.vertex;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.credentials.VertexCredential;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.TenantAddresses;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamHttp.Target;
import io.keyway.gateway.provider.UpstreamRequest;
import io.keyway.gateway.provider.anthropic.AnthropicAnswers;
import io.keyway.gateway.provider.anthropic.AnthropicRequest;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Google Vertex AI with a service-account key: {@code Authorization: Bearer <token>}, the token exchanged and cached per
 * key by {@link ServiceAccounts}. Which API a model is called through follows its catalog {@code upstream_model}:
 * <ul>
 * <li>{@code anthropic/<model>} (e.g. {@code anthropic/claude-sonnet-4@20250514}): Claude on Vertex,
 *     {@code POST /v1/projects/{project}/locations/{region}/publishers/anthropic/models/<model>:rawPredict}
 *     ({@code :streamRawPredict} for streams) with Anthropic's Messages body ({@link AnthropicRequest}, no model in the
 *     body, {@code anthropic_version} {@value #ANTHROPIC_VERSION}) and Anthropic's answers ({@link AnthropicAnswers});</li>
 * <li>anything else (Gemini, e.g. {@code google/gemini-2.5-flash}): Vertex's OpenAI-compatible endpoint,
 *     {@code POST /v1/projects/{project}/locations/{region}/endpoints/openapi/chat/completions}, through
 *     {@link OpenAiWire}.</li>
 * </ul>
 * The project is the key's {@code project_id}; the region is the key's {@code region}, else the catalog option
 * {@code region}, else {@code global}. The host is {@code https://{region}-aiplatform.googleapis.com}, or
 * {@code https://aiplatform.googleapis.com} for {@code global}; the catalog option {@code endpoint} replaces it (a
 * private endpoint, or a test's stand-in). Catalog options: {@code region}, {@code endpoint},
 * {@code anthropic_version}; no {@code base_url}.
 */
@Singleton
public class VertexAdapter implements ProviderAdapter {

    public static final String NAME = "google-vertex";
    /** The upstream-model prefix of Anthropic's models on Vertex. */
    public static final String ANTHROPIC_PREFIX = "anthropic/";
    static final String ANTHROPIC_VERSION = "vertex-2023-10-16";
    static final String GLOBAL = VertexCredential.DEFAULT_REGION;
    /** A region becomes part of a host name. */
    private static final Pattern REGION = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");

    private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");

    private final UpstreamHttp http;
    private final OpenAiWire wire;
    private final ObjectMapper json;
    private final AnthropicAnswers anthropic;
    private final ServiceAccounts accounts;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    @Inject
    public VertexAdapter(Vertx vertx, UpstreamHttp http, OpenAiWire wire, ObjectMapper json, TenantAddresses addresses) {
        this.http = http;
        this.wire = wire;
        this.json = json;
        this.anthropic = new AnthropicAnswers(json);
        this.accounts = new ServiceAccounts(vertx, json, http.sslContext(), addresses);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** No base URL: the host follows the region. The options, when set, must make a host name and a URL. */
    @Override
    public String check(ProviderSpec provider) {
        String region = provider.option("region", null);
        if (region != null && !REGION.matcher(region).matches()) {
            return "option region must be a Google Cloud region such as us-central1, or global";
        }
        String endpoint = provider.option("endpoint", null);
        if (endpoint != null) {
            try {
                URI uri = URI.create(endpoint);
                if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                    return "option endpoint must be an http(s) URL";
                }
            } catch (IllegalArgumentException e) {
                return "option endpoint must be an http(s) URL";
            }
        }
        return null;
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) {
        VertexCredential key = (VertexCredential) request.credential();
        String model = request.endpoint().upstreamModel();
        boolean claude = model.startsWith(ANTHROPIC_PREFIX);
        boolean stream = request.stream();
        Buffer body;
        try {
            body = claude
                    ? Buffer.buffer(json.writeValueAsBytes(AnthropicRequest.of(request.body(), null,
                            request.endpoint().maxCompletionTokens(), stream,
                            request.provider().option("anthropic_version", ANTHROPIC_VERSION), json)))
                    : wire.body(request.body(), model, stream);
        } catch (UpstreamError e) {
            return UpstreamCall.failed(e);
        } catch (JsonProcessingException e) {
            return UpstreamCall.failed(new IllegalStateException("cannot write the upstream request", e));
        }
        ServiceAccounts.ServiceAccount account = accounts.of(key);
        String region = account.region() != null ? account.region() : request.provider().option("region", GLOBAL);
        String location = host(request.provider(), region) + "/v1/projects/" + key.projectId() + "/locations/" + region;
        String url = claude
                ? location + "/publishers/anthropic/models/" + model.substring(ANTHROPIC_PREFIX.length())
                        + (stream ? ":streamRawPredict" : ":rawPredict")
                : location + "/endpoints/openapi/chat/completions";
        Target target = targets.computeIfAbsent(url, Target::of);

        // The token may have to be exchanged first: the call can be cancelled before or after the request is sent.
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicReference<Runnable> cancelSent = new AtomicReference<>();
        Future<Answer> answer = account.accessToken().compose(token -> {
            if (cancelled.get()) {
                return Future.failedFuture(new UpstreamException(UpstreamException.Kind.TIMEOUT, "cancelled"));
            }
            var exchange = http.send(request, http.post(target, request).putHeader(AUTHORIZATION, "Bearer " + token), body);
            cancelSent.set(exchange.cancel());
            if (cancelled.get()) {
                exchange.cancel().run();
            }
            return exchange.head().compose(head -> {
                if (head.status() == 401) {
                    account.refused(token);
                }
                return claude ? anthropic.answer(head, stream) : wire.answer(head, stream);
            });
        });
        return new UpstreamCall(answer, () -> {
            cancelled.set(true);
            Runnable cancel = cancelSent.get();
            if (cancel != null) {
                cancel.run();
            }
        });
    }

    /** The scheme and host calls go to. */
    static String host(ProviderSpec provider, String region) {
        String endpoint = provider.option("endpoint", null);
        if (endpoint != null) {
            return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        }
        return GLOBAL.equals(region) ? "https://aiplatform.googleapis.com"
                : "https://" + region + "-aiplatform.googleapis.com";
    }
}
