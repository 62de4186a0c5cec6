package io.keyway.gateway.provider.azure;

import io.keyway.contracts.credentials.AzureCredential;
import io.keyway.contracts.credentials.AzureCredential.Deployment;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.TenantAddresses;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamHttp.Target;
import io.keyway.gateway.provider.UpstreamRequest;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Azure OpenAI and Azure AI Foundry deployments (seed 002's key format): a key lists deployments, each serving one
 * catalog model slug at its own {@code endpoint_url}, used as given (https, ending in {@code /chat/completions}, with
 * its {@code api-version}), with the {@code api-key} header. Both URL forms work unchanged:
 * {@code *.openai.azure.com/openai/deployments/<deployment>/chat/completions} (the deployment is in the path) and
 * Foundry's {@code *.services.ai.azure.com/models/chat/completions} (the model is named in the body: the deployment's
 * {@code model_id}, which is sent in both forms). A key serves only the slugs it lists: the router leaves it out for
 * any other model ({@link #serves}). The wire format is OpenAI's ({@link OpenAiWire}); Azure's own additions (content
 * filter results) pass through. The endpoint is the tenant's choice, so the connection goes only to an address that
 * {@link TenantAddresses} checked (never the operator's internal networks unless allowed).
 */
@Singleton
public class AzureAdapter implements ProviderAdapter {

    public static final String NAME = "azure";

    private static final CharSequence API_KEY = HttpHeaders.createOptimized("api-key");

    private final UpstreamHttp http;
    private final OpenAiWire wire;
    private final TenantAddresses addresses;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public AzureAdapter(UpstreamHttp http, OpenAiWire wire, TenantAddresses addresses) {
        this.http = http;
        this.wire = wire;
        this.addresses = addresses;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Endpoints come with each key's deployments: the catalog provider needs no base_url. */
    @Override
    public String check(ProviderSpec provider) {
        return null;
    }

    @Override
    public boolean serves(ProviderCredential credential, CatalogModel model) {
        return ((AzureCredential) credential).forModel(model.id()).isPresent();
    }

    /** Each key's deployments name their own {@code endpoint_url}: a tenant's resource, not Azure at large. */
    @Override
    public boolean hostFromCredential() {
        return true;
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) {
        Deployment deployment = ((AzureCredential) request.credential()).forModel(request.model().id()).orElse(null);
        if (deployment == null) { // the router plans a key only for the models it serves
            return UpstreamCall.failed(new UpstreamError(404, "this Azure key has no deployment for "
                    + request.model().id(), false, UpstreamError.Blame.CREDENTIAL));
        }
        Target target = targets.computeIfAbsent(deployment.endpointUrl().toString(), Target::of);
        RequestOptions options = http.post(target, request).putHeader(API_KEY, deployment.apiKey());
        var exchange = http.send(addresses.address(target.host(), target.port(), "endpoint_url"), request, options,
                wire.body(request.body(), deployment.modelId(), request.stream()));
        return new UpstreamCall(exchange.head().compose(head -> wire.answer(head, request.stream())), exchange.cancel());
    }
}
