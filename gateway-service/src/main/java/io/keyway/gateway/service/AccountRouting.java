package io.keyway.gateway.service;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.credentials.CredentialFormatException;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.Credentials;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * One account's routing view with its credentials parsed: each credential's secret is parsed in its adapter's format
 * the first time a plan needs it and kept as long as the view, so a request never parses a secret. A secret that is
 * not in its adapter's format (a key stored before its provider's adapter changed) is logged once, without the secret,
 * and left out of every plan.
 */
public final class AccountRouting implements Credentials {

    private static final Logger LOG = Logger.getLogger(AccountRouting.class);
    /** Marks a credential that did not parse. */
    private static final Object INVALID = new Object();

    private final RoutingView view;
    private final ModelCatalog catalog;
    private final ProviderAdapters adapters;
    private final Map<String, String> secrets = new HashMap<>();
    private final Map<Parsed, Object> parsed = new ConcurrentHashMap<>();

    /** A credential as one adapter reads it. */
    private record Parsed(String credentialId, String adapter) {
    }

    public AccountRouting(RoutingView view, ModelCatalog catalog, ProviderAdapters adapters) {
        this.view = view;
        this.catalog = catalog;
        this.adapters = adapters;
        if (view.byokKeys() != null) {
            view.byokKeys().forEach(k -> secrets.put(k.id(), k.credential() == null ? null : k.credential().secret()));
        }
        if (view.pooled() != null) {
            view.pooled().forEach(p -> secrets.put(p.id(), p.credential() == null ? null : p.credential().secret()));
        }
    }

    public RoutingView view() {
        return view;
    }

    @Override
    public ProviderCredential usable(String credentialId, CatalogModel model, ModelEndpoint endpoint) {
        ProviderAdapter adapter = adapters.forAdapter(catalog.provider(endpoint.provider()).adapter());
        Object c = parsed.computeIfAbsent(new Parsed(credentialId, adapter.name()), k -> parse(credentialId, adapter));
        if (c == INVALID) {
            return null;
        }
        ProviderCredential credential = (ProviderCredential) c;
        return adapter.serves(credential, model) ? credential : null;
    }

    private Object parse(String credentialId, ProviderAdapter adapter) {
        String secret = secrets.get(credentialId);
        if (secret == null) {
            return INVALID;
        }
        try {
            return ProviderCredential.parse(adapter.credentialFormat(), secret);
        } catch (CredentialFormatException e) {
            LOG.warnf("Credential %s of account %s is left out of routing: not in the %s adapter's format (%s)",
                    credentialId, view.accountId(), adapter.name(), e.getMessage());
            return INVALID;
        }
    }
}
