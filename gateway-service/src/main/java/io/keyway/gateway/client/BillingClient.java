package io.keyway.gateway.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.keyway.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * billing-service's internal API (internal token): an API key's usage, for {@code GET /api/v1/key} only — never on the
 * chat completions path, which reads billing's account state from Kafka instead. Non-blocking (Vert.x client).
 */
@ApplicationScoped
public class BillingClient {

    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final HttpClient http;
    private final ObjectReader json;
    private final String authorization;
    private final RequestOptions base;
    private final String basePath;

    public BillingClient(Vertx vertx, GatewayConfig config, ObjectMapper json) {
        URI uri = URI.create(config.billingUrl());
        boolean ssl = "https".equalsIgnoreCase(uri.getScheme());
        this.base = new RequestOptions().setMethod(HttpMethod.GET).setHost(uri.getHost())
                .setPort(uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80).setSsl(ssl);
        this.basePath = uri.getPath() == null ? "" : uri.getPath().replaceAll("/$", "");
        this.http = vertx.createHttpClient(new HttpClientOptions().setSsl(ssl).setConnectTimeout(2000)
                .setMaxPoolSize(4).setKeepAlive(true));
        this.json = json.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS); // exact amounts
        this.authorization = "Bearer " + config.internalToken();
    }

    /**
     * The key's {@code usage}, {@code usage_daily|weekly|monthly}, {@code byok_usage} and
     * {@code byok_usage_daily|weekly|monthly} (numbers, USD); fails when billing cannot answer in time.
     */
    public Uni<JsonNode> keyUsage(String apiKeyId) {
        RequestOptions options = new RequestOptions(base)
                .setURI(basePath + "/internal/v1/api-keys/" + URLEncoder.encode(apiKeyId, StandardCharsets.UTF_8)
                        + "/usage")
                .putHeader("Authorization", authorization).putHeader("Accept", "application/json")
                .setIdleTimeout(TIMEOUT.toMillis());
        return http.request(options)
                .flatMap(req -> req.send())
                .flatMap(resp -> resp.body().map(body -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("billing-service answered " + resp.statusCode());
                    }
                    try {
                        return json.readTree(body.getBytes()).path("data");
                    } catch (IOException e) {
                        throw new IllegalStateException("billing-service sent an unreadable answer");
                    }
                }))
                .ifNoItem().after(TIMEOUT).fail();
    }
}
