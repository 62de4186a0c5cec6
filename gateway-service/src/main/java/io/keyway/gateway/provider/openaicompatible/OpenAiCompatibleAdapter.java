package io.keyway.gateway.provider.openaicompatible;

import io.keyway.contracts.credentials.TokenCredential;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamHttp.Target;
import io.keyway.gateway.provider.UpstreamRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Any provider that speaks OpenAI's Chat Completions API (io.net, OpenAI, Together, Groq, vLLM, …), configured by
 * base URL: {@code POST <base_url>/chat/completions} with {@code Authorization: Bearer <token>}. Its answers are
 * already in Keyway's shape, so streams are relayed without copying ({@link OpenAiStream}).
 */
@Singleton
public class OpenAiCompatibleAdapter implements ProviderAdapter {

    public static final String NAME = "openai-compatible";

    private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");

    private final UpstreamHttp http;
    private final OpenAiWire wire;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public OpenAiCompatibleAdapter(UpstreamHttp http, OpenAiWire wire) {
        this.http = http;
        this.wire = wire;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) {
        Target target = targets.computeIfAbsent(request.provider().baseUrl(),
                base -> Target.of(base.replaceAll("/$", "") + "/chat/completions"));
        String token = ((TokenCredential) request.credential()).token();
        RequestOptions options = http.post(target, request).putHeader(AUTHORIZATION, "Bearer " + token);
        var exchange = http.send(request, options,
                wire.body(request.body(), request.endpoint().upstreamModel(), request.stream()));
        return new UpstreamCall(exchange.head().compose(head -> wire.answer(head, request.stream())), exchange.cancel());
    }
}
