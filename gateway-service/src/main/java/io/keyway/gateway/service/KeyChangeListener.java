package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.KeyChange;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * key-service's change feed: drops cached API-key resolutions and routing views at once, so a disabled key or a new
 * BYOK key takes effect within the feed's delay instead of the cache TTL. Every instance reads every event (own group).
 */
@ApplicationScoped
public class KeyChangeListener {

    private static final Logger LOG = Logger.getLogger(KeyChangeListener.class);

    private final ApiKeyResolver apiKeys;
    private final RoutingViews routingViews;
    private final ObjectMapper json;

    public KeyChangeListener(ApiKeyResolver apiKeys, RoutingViews routingViews, ObjectMapper json) {
        this.apiKeys = apiKeys;
        this.routingViews = routingViews;
        this.json = json;
    }

    @Incoming("key-changes")
    public void consume(String value) {
        if (value == null) {
            return;
        }
        try {
            apply(json.readValue(value, KeyChange.class));
        } catch (Exception e) {
            LOG.warnf("Ignoring unreadable key change record (%s)", e.getClass().getSimpleName());
        }
    }

    public void apply(KeyChange change) {
        if (change.kind() == KeyChange.Kind.POOLED_CREDENTIAL || KeyChange.PLATFORM.equals(change.accountId())) {
            routingViews.forgetAll();
            return;
        }
        if (change.apiKeyHash() != null) {
            apiKeys.forgetKey(change.apiKeyHash());
        }
        if (change.kind() == KeyChange.Kind.API_KEY) {
            apiKeys.forgetUnknown(); // a key created just now may have been cached as unknown
        }
        if (change.accountId() != null) {
            if (change.kind() == KeyChange.Kind.ACCOUNT) {
                apiKeys.forgetAccount(change.accountId());
            }
            routingViews.forget(change.accountId());
        }
    }
}
