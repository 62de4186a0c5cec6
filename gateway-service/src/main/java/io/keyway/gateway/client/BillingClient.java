package io.keyway.gateway.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.keyway.contracts.ApiKeyUsage;
import io.keyway.contracts.BudgetLease;
import io.vertx.mutiny.core.buffer.Buffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import io.keyway.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * billing-service's internal API (the gateway's token): an API key's usage, for {@code GET /api/v1/key}, and budget lease
 * syncs ({@link io.keyway.gateway.service.Budgets}: off the request path while a lease has room). Non-blocking (Vert.x
 * client).
 */
@ApplicationScoped
public class BillingClient {

    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final InternalApi api;
    private final InternalApi leases;
    private final ObjectReader usage;
    private final ObjectReader grant;
    private final ObjectMapper json;

    public BillingClient(Vertx vertx, GatewayConfig config, InternalCredentials credentials, ObjectMapper json) {
        this.api = new InternalApi(vertx, config.billingUrl(), credentials, 4);
        this.leases = new InternalApi(vertx, config.billingUrl(), credentials, 8);
        this.usage = json.readerFor(ApiKeyUsage.class).at("/data");
        this.grant = json.readerFor(BudgetLease.Grant.class);
        this.json = json;
    }

    /** Syncs one budget lease; fails when billing cannot answer within {@code timeout} or answers anything but 200. */
    public CompletableFuture<BudgetLease.Grant> syncLease(UUID leaseId, BudgetLease.Sync sync, Duration timeout) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(sync);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return leases.http().request(leases.post("/internal/v1/budget-leases/" + leaseId, timeout))
                .flatMap(req -> req.send(Buffer.buffer(body)))
                .flatMap(resp -> resp.body().map(answer -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("billing-service answered " + resp.statusCode());
                    }
                    try {
                        return grant.<BudgetLease.Grant>readValue(answer.getBytes());
                    } catch (IOException e) {
                        throw new IllegalStateException("billing-service sent an unreadable answer");
                    }
                }))
                .ifNoItem().after(timeout).fail()
                .subscribeAsCompletionStage();
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
