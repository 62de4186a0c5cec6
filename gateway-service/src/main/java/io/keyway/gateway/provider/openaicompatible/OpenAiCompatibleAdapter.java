package io.keyway.gateway.provider.openaicompatible;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.ConnectException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Any provider that speaks OpenAI's Chat Completions API (io.net, OpenAI, Together, Groq, vLLM, …), configured by
 * base URL: {@code POST <base_url>/chat/completions} with {@code Authorization: Bearer <credential>}. Streaming
 * requests ask for usage in the last chunk ({@code stream_options.include_usage}). Pooled keep-alive connections, one
 * pool per event loop.
 */
@ApplicationScoped
public class OpenAiCompatibleAdapter implements ProviderAdapter {

    public static final String NAME = "openai-compatible";

    private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence ACCEPT = HttpHeaders.createOptimized("Accept");
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence TEXT_EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");

    private record Target(String host, int port, boolean ssl, String path) {
    }

    private final Vertx vertx;
    private final HttpClientOptions clientOptions;
    private final PoolOptions poolOptions;
    /**
     * One client, so one connection pool, per event loop: a request's upstream connection is served by the request's
     * own event loop, so neither the write of the request nor the reads of the answer hop to another thread (with one
     * shared pool a connection opened by another loop costs a task hand-over, and often a wake-up, per read and write).
     */
    private final ThreadLocal<HttpClient> perEventLoop;
    /** For a call made off the event loops (not the request path). */
    private final HttpClient shared;
    private final ObjectMapper json;
    private final long idleTimeoutMs;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public OpenAiCompatibleAdapter(Vertx vertx, GatewayConfig config, ObjectMapper json) {
        var upstream = config.upstream();
        this.vertx = vertx;
        this.clientOptions = new HttpClientOptions()
                .setConnectTimeout((int) upstream.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setPipelining(false);
        this.poolOptions = new PoolOptions().setHttp1MaxSize(upstream.maxPoolSize()).setMaxWaitQueueSize(-1);
        this.perEventLoop = ThreadLocal.withInitial(this::newClient);
        this.shared = newClient();
        this.json = json;
        this.idleTimeoutMs = upstream.firstByteTimeout().toMillis();
    }

    private HttpClient newClient() {
        return vertx.createHttpClient(clientOptions, poolOptions);
    }

    private HttpClient http() {
        return Context.isOnEventLoopThread() ? perEventLoop.get() : shared;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamCall chatCompletion(ProviderSpec provider, ModelEndpoint endpoint, Credential credential,
                                       ObjectNode request, boolean stream) {
        Target target = targets.computeIfAbsent(provider.baseUrl(), OpenAiCompatibleAdapter::target);
        request.put("model", endpoint.upstreamModel());
        if (stream) {
            request.put("stream", true);
            request.putObject("stream_options").put("include_usage", true);
        } else {
            request.remove("stream_options");
        }
        Buffer body;
        try {
            body = Buffer.buffer(json.writeValueAsBytes(request));
        } catch (JsonProcessingException e) {
            return new UpstreamCall(Future.failedFuture(new IllegalStateException("cannot serialize request", e)),
                    () -> { });
        }
        // Idle timeout: no byte for this long (head, first chunk, or between chunks) ends the exchange.
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setHost(target.host()).setPort(target.port()).setSsl(target.ssl()).setURI(target.path())
                .setIdleTimeout(idleTimeoutMs)
                .putHeader(AUTHORIZATION, "Bearer " + credential.secret())
                .putHeader(CONTENT_TYPE, APPLICATION_JSON)
                .putHeader(ACCEPT, stream ? TEXT_EVENT_STREAM : APPLICATION_JSON);
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        Future<UpstreamResponse> answer = http().request(options).compose(req -> {
            if (cancelled.get()) { // cancelled while waiting for a connection
                req.reset();
                return Future.failedFuture(new UpstreamException(UpstreamException.Kind.TIMEOUT, "cancelled"));
            }
            sent.set(req);
            return req.send(body).map(resp -> {
                resp.pause(); // the caller decides how to read the body
                return new UpstreamResponse(req, resp);
            });
        }).recover(t -> Future.failedFuture(classify(t)));
        return new UpstreamCall(answer, () -> {
            cancelled.set(true);
            HttpClientRequest req = sent.get();
            if (req != null) {
                req.reset();
            }
        });
    }

    /** Connect errors, timeouts and resets are all retryable; the message never carries request data. */
    public static UpstreamException classify(Throwable cause) {
        if (cause instanceof UpstreamException u) {
            return u;
        }
        String type = cause.getClass().getSimpleName();
        if (cause instanceof ConnectException || type.contains("ConnectTimeout")) {
            return new UpstreamException(UpstreamException.Kind.CONNECT, "connect failed (" + type + ")");
        }
        if (cause instanceof TimeoutException || type.contains("Timeout")) {
            return new UpstreamException(UpstreamException.Kind.TIMEOUT, "timed out (" + type + ")");
        }
        return new UpstreamException(UpstreamException.Kind.RESET, "connection failed (" + type + ")");
    }

    private static Target target(String baseUrl) {
        URI uri = URI.create(baseUrl);
        boolean ssl = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
        String path = (uri.getPath() == null ? "" : uri.getPath().replaceAll("/$", "")) + "/chat/completions";
        return new Target(uri.getHost(), port, ssl, path);
    }
}
