package io.keyway.keys.console;

import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.secrets.SecretStores;
import io.keyway.keys.service.ProviderKeyFormats;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The console's one dynamic file, {@code GET /console/config.json}: the base URLs of gateway-service and
 * billing-service ("" = this origin), the secret stores this deployment offers and each provider's adapter (which
 * key form to show), read by the browser before
 * anything else. No secret and no account data: it needs no sign-in. The console itself is static
 * ({@code META-INF/resources/console/}).
 */
@Path("/console")
public class ConsoleResource {

    private final ConsoleConfig config;
    private final SecretStores stores;
    private final KeyServiceConfig keys;

    public ConsoleResource(ConsoleConfig config, SecretStores stores, KeyServiceConfig keys) {
        this.config = config;
        this.stores = stores;
        this.keys = keys;
    }

    /** {@code /console} without the slash: the relative links of index.html need the folder form. */
    @GET
    public Response folder() {
        return Response.status(Response.Status.MOVED_PERMANENTLY).location(URI.create("/console/")).build();
    }

    @GET
    @Path("/config.json")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("gateway_url", base(config.gatewayUrl().orElse("")));
        c.put("billing_url", base(config.billingUrl().orElse("")));
        c.put("secret_stores", stores.names().stream().filter(stores::isConfigured).sorted().toList());
        c.put("default_secret_store", keys.defaultSecretStore());
        // the key form follows the provider's adapter, as the format check does (ProviderKeyFormats)
        Map<String, String> adapters = new TreeMap<>(ProviderKeyFormats.WELL_KNOWN_ADAPTERS);
        adapters.putAll(keys.providerAdapters());
        c.put("provider_adapters", adapters);
        return c;
    }

    /** Without a trailing slash, so that the console appends each API path to it as it is. */
    static String base(String url) {
        String u = url.trim();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
