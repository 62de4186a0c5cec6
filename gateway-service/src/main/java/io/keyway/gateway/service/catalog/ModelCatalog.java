package io.keyway.gateway.service.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.ProviderSpec;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models and providers operators offer, read once at start from {@code keyway.gateway.catalog-path} (a JSON file,
 * e.g. a mounted ConfigMap) or the small default catalog in the jar. A broken catalog stops the service at start.
 */
@Singleton
public class ModelCatalog {

    public static final String DEFAULT_RESOURCE = "catalog.json";

    @JsonIgnoreProperties(ignoreUnknown = true)
    record CatalogFile(@JsonProperty("providers") List<ProviderSpec> providers,
                       @JsonProperty("models") List<CatalogModel> models) {
    }

    private final Map<String, CatalogModel> models = new LinkedHashMap<>();
    private final Map<String, ProviderSpec> providers = new LinkedHashMap<>();

    public ModelCatalog(GatewayConfig config, ObjectMapper json) {
        CatalogFile file = read(config.catalogPath(), json);
        for (ProviderSpec p : file.providers()) {
            require(p.slug() != null && p.adapter() != null, "provider entries need slug and adapter");
            providers.put(p.slug(), p);
        }
        for (CatalogModel m : file.models()) {
            require(m.id() != null && m.endpoints() != null && !m.endpoints().isEmpty(),
                    "model entries need id and at least one endpoint");
            for (ModelEndpoint e : m.endpoints()) {
                require(providers.containsKey(e.provider()),
                        "model " + m.id() + " names unknown provider " + e.provider());
                require(e.upstreamModel() != null && e.pricing() != null,
                        "endpoint " + m.id() + "@" + e.provider() + " needs upstream_model and pricing");
                checkPrice(e.pricing().prompt(), m.id(), e.provider(), "prompt");
                checkPrice(e.pricing().completion(), m.id(), e.provider(), "completion");
                checkPrice(e.pricing().request(), m.id(), e.provider(), "request");
            }
            models.put(m.id(), m);
        }
    }

    private static CatalogFile read(Optional<String> path, ObjectMapper json) {
        try (InputStream in = path.isPresent()
                ? Files.newInputStream(Path.of(path.get()))
                : ModelCatalog.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("model catalog resource " + DEFAULT_RESOURCE + " missing");
            }
            return json.readValue(in, CatalogFile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model catalog " + path.orElse(DEFAULT_RESOURCE), e);
        }
    }

    /**
     * Billing keeps money as NUMERIC(30, 12): a price with more decimals (or a negative one) would make every usage
     * event of the endpoint unbillable (dead-lettered), so the catalog is refused at start instead.
     */
    static void checkPrice(java.math.BigDecimal price, String model, String provider, String which) {
        require(price.signum() >= 0, "endpoint " + model + "@" + provider + " has a negative " + which + " price");
        require(price.stripTrailingZeros().scale() <= MAX_PRICE_DECIMALS, "endpoint " + model + "@" + provider
                + " has a " + which + " price with more than " + MAX_PRICE_DECIMALS + " decimals (" + price.toPlainString()
                + "); billing keeps 12");
        require(price.compareTo(MAX_PRICE) < 0, "endpoint " + model + "@" + provider + " has a " + which
                + " price of " + price.toPlainString() + " USD, beyond what billing keeps");
    }

    static final int MAX_PRICE_DECIMALS = 12;
    /** Below 10^9 USD: a price times a request's tokens (under 10^9) must fit billing's NUMERIC(30, 12), 18 digits. */
    private static final java.math.BigDecimal MAX_PRICE = java.math.BigDecimal.TEN.pow(9);

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException("invalid model catalog: " + message);
        }
    }

    public Optional<CatalogModel> model(String id) {
        return Optional.ofNullable(models.get(id));
    }

    public List<CatalogModel> models() {
        return List.copyOf(models.values());
    }

    public ProviderSpec provider(String slug) {
        return providers.get(slug);
    }

    public List<ProviderSpec> providers() {
        return List.copyOf(providers.values());
    }
}
