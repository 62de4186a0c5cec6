package io.keyway.gateway.provider.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.credentials.AzureCredential;
import io.keyway.contracts.credentials.CredentialFormat;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.Pricing;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.TenantAddresses;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamRequest;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.keyway.gateway.service.ConfigStub;
import io.keyway.gateway.standin.AzureStandIn;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An Azure deployment's {@code endpoint_url} is the tenant's choice: the adapter connects only to an address that
 * {@link TenantAddresses} checked, whatever key-service let through (a name may resolve elsewhere later). Against the
 * Azure STAND-IN on loopback, built by hand without Quarkus.
 */
class AzureAdapterTests {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String GPT_4O = "openai/gpt-4o";

    static Vertx vertx;
    static AzureStandIn azure;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        azure = new AzureStandIn();
    }

    @AfterAll
    static void stop() {
        azure.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void reset() {
        azure.reset();
    }

    @Test
    void anEndpointOnAnAllowedInternalNetworkIsCalled() throws Exception {
        AzureAdapter allowing = adapter(Optional.of(List.of("127.0.0.0/8")));

        Answer answer = call(allowing, key(azure.deploymentUrl("gpt-4o", "2024-10-21"))).get(30, TimeUnit.SECONDS);

        assertInstanceOf(Answer.Whole.class, answer);
        assertEquals(1, azure.calls().size());
    }

    @Test
    void anEndpointUrlOnLoopbackIsRefusedAsTheKeysFailureWithoutAConnection() throws Exception {
        AzureAdapter publicOnly = adapter(Optional.empty());

        UpstreamError refused = refusal(call(publicOnly, key(azure.deploymentUrl("gpt-4o", "2024-10-21"))));

        assertEquals(403, refused.status());
        assertEquals(UpstreamError.Blame.CREDENTIAL, refused.blame());
        assertTrue(refused.raw().contains("endpoint_url") && refused.raw().contains("private address"), refused.raw());
        assertEquals(0, azure.calls().size(), "no request may reach an internal address");
    }

    @Test
    void aHostNameThatResolvesToAnInternalAddressIsRefusedAtConnectTime() throws Exception {
        AzureAdapter publicOnly = adapter(Optional.empty());
        String byName = azure.deploymentUrl("gpt-4o", "2024-10-21").replace("127.0.0.1", "localhost");

        UpstreamError refused = refusal(call(publicOnly, key(byName)));

        assertEquals(403, refused.status());
        assertEquals(0, azure.calls().size());
    }

    // ---- plumbing ----

    static AzureAdapter adapter(Optional<List<String>> allowedNetworks) {
        GatewayConfig.Upstream upstream = ConfigStub.of(GatewayConfig.Upstream.class, Map.of(
                "connectTimeout", Duration.ofSeconds(2),
                "firstByteTimeout", Duration.ofSeconds(5),
                "maxPoolSize", 20,
                "trustCertificates", Optional.of(azure.tls().certificatePemPath().toString())));
        GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of("upstream", upstream));
        return new AzureAdapter(new UpstreamHttp(vertx, config), new OpenAiWire(JSON), new TenantAddresses(allowedNetworks));
    }

    static AzureCredential key(String endpointUrl) {
        String apiKey = "ok-test-azure-key-" + UUID.randomUUID();
        return (AzureCredential) ProviderCredential.parse(CredentialFormat.AZURE, "{\"model_slug\":\"" + GPT_4O
                + "\",\"endpoint_url\":\"" + endpointUrl + "\",\"api_key\":\"" + apiKey + "\",\"model_id\":\"gpt-4o\"}");
    }

    static CompletableFuture<Answer> call(AzureAdapter adapter, AzureCredential credential) {
        ProviderSpec provider = new ProviderSpec("azure", "Azure", AzureAdapter.NAME, null, Map.of());
        ModelEndpoint endpoint = new ModelEndpoint("azure", "gpt-4o",
                new Pricing(new BigDecimal("0.0000025"), new BigDecimal("0.00001"), BigDecimal.ZERO), 128_000,
                16_384, null, null);
        CatalogModel model = new CatalogModel(GPT_4O, "GPT-4o", null, null, 128_000, List.of("text"), List.of("text"),
                null, null, List.of(endpoint));
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "hi");
        UpstreamRequest request = new UpstreamRequest(provider, model, endpoint, credential, body, false);
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Answer> done = new CompletableFuture<>();
        context.runOnContext(v -> adapter.call(request).answer()
                .onSuccess(done::complete).onFailure(done::completeExceptionally));
        return done;
    }

    static UpstreamError refusal(CompletableFuture<Answer> call) throws Exception {
        try {
            throw new AssertionError("expected a refusal, got " + call.get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            return assertInstanceOf(UpstreamError.class, e.getCause());
        }
    }
}
