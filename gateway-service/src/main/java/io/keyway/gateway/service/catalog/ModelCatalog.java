package io.keyway.gateway.service.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.ProviderSpec;
import jakarta.enterprise.context.ApplicationScoped;
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
@ApplicationScoped
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
