package io.keyway.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.credentials.TokenCredential;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamHttp.Target;
import io.keyway.gateway.provider.UpstreamRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Anthropic's Messages API: {@code POST <base_url>/v1/messages} with {@code x-api-key} and {@code anthropic-version}
 * (catalog option {@code anthropic_version}, default {@value #VERSION}). The request is translated by
 * {@link AnthropicRequest}, the answer by {@link AnthropicAnswers}.
 */
@Singleton
public class AnthropicAdapter implements ProviderAdapter {

    public static final String NAME = "anthropic";
    static final String VERSION = "2023-06-01";

    private static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");
    private static final CharSequence ANTHROPIC_VERSION = HttpHeaders.createOptimized("anthropic-version");

    private final UpstreamHttp http;
    private final ObjectMapper json;
    private final AnthropicAnswers answers;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public AnthropicAdapter(UpstreamHttp http, ObjectMapper json) {
        this.http = http;
        this.json = json;
        this.answers = new AnthropicAnswers(json);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) {
        Buffer body;
        try {
            body = Buffer.buffer(json.writeValueAsBytes(AnthropicRequest.of(request.body(),
                    request.endpoint().upstreamModel(), request.endpoint().maxCompletionTokens(), request.stream(),
                    null, json)));
        } catch (UpstreamError e) {
            return UpstreamCall.failed(e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return UpstreamCall.failed(new IllegalStateException("cannot write the upstream request", e));
        }
        Target target = targets.computeIfAbsent(request.provider().baseUrl(),
                base -> Target.of(base.replaceAll("/$", "") + "/v1/messages"));
        RequestOptions options = http.post(target, request)
                .putHeader(X_API_KEY, ((TokenCredential) request.credential()).token())
                .putHeader(ANTHROPIC_VERSION, request.provider().option("anthropic_version", VERSION));
        var exchange = http.send(request, options, body);
        return new UpstreamCall(exchange.head().compose(head -> answers.answer(head, request.stream())),
                exchange.cancel());
    }
}
