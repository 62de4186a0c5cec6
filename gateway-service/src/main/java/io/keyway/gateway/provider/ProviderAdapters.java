package io.keyway.gateway.provider;

import io.keyway.gateway.service.catalog.ModelCatalog;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;

/** Adapters by name; every provider in the catalog must name a registered adapter (checked at start). */
@Singleton
public class ProviderAdapters {

    private final Map<String, ProviderAdapter> byName = new HashMap<>();

    @Inject
    public ProviderAdapters(Instance<ProviderAdapter> adapters, ModelCatalog catalog) {
        this((Iterable<ProviderAdapter>) adapters, catalog);
    }

    public ProviderAdapters(Iterable<ProviderAdapter> adapters, ModelCatalog catalog) {
        adapters.forEach(a -> byName.put(a.name(), a));
        catalog.providers().forEach(p -> {
            ProviderAdapter adapter = byName.get(p.adapter());
            if (adapter == null) {
                throw new IllegalStateException("invalid model catalog: provider " + p.slug()
                        + " names unknown adapter " + p.adapter() + " (known: " + byName.keySet() + ")");
            }
            String problem = adapter.check(p);
            try {
                p.nonStreamedFirstByteTimeout(); // every adapter's option
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                throw new IllegalStateException("invalid model catalog: provider " + p.slug() + " (adapter "
                        + p.adapter() + ") " + problem);
            }
        });
    }

    public ProviderAdapter forAdapter(String name) {
        return byName.get(name);
    }
}
