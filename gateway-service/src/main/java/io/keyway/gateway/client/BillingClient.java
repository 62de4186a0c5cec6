package io.keyway.gateway.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.keyway.contracts.ApiKeyUsage;
import io.keyway.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * billing-service's internal API (the gateway's token): an API key's usage, for {@code GET /api/v1/key} only — never on the
 * chat completions path, which reads billing's account state from Kafka instead. Non-blocking (Vert.x client).
 */
@ApplicationScoped
public class BillingClient {

    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final InternalApi api;
    private final ObjectReader usage;

    public BillingClient(Vertx vertx, GatewayConfig config, InternalCredentials credentials, ObjectMapper json) {
        this.api = new InternalApi(vertx, config.billingUrl(), credentials, 4);
        this.usage = json.readerFor(ApiKeyUsage.class).at("/data");
    }

    /** The key's usage; fails when billing cannot answer in time or answers anything but 200. */
    public Uni<ApiKeyUsage> keyUsage(String apiKeyId) {
        String path = "/internal/v1/api-keys/" + URLEncoder.encode(apiKeyId, StandardCharsets.UTF_8) + "/usage";
        return api.http().request(api.get(path, TIMEOUT))
                .flatMap(req -> req.send())
                .flatMap(resp -> resp.body().map(body -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("billing-service answered " + resp.statusCode());
                    }
                    try {
                        return usage.<ApiKeyUsage>readValue(body.getBytes());
                    } catch (IOException e) {
                        throw new IllegalStateException("billing-service sent an unreadable answer");
                    }
                }))
                .ifNoItem().after(TIMEOUT).fail();
    }
}
