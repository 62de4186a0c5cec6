package io.keyway.gateway.metrics;

import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.service.AccountStates;
import io.keyway.gateway.service.CircuitBreakers;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The gateway's gauges, read at scrape time from the state their owners keep (nothing is done per request): the
 * circuit breaker of every endpoint of the catalog ({@value #BREAKER_STATE}, 0 closed, 1 half-open, 2 open; one series
 * per model and provider, as many as the catalog's endpoints) and the account-state lag and age
 * ({@link AccountStateLag}).
 * <p>
 * Each gauge reads through the injected bean on every scrape, never an object captured at start: Micrometer's global
 * registry outlives the application in a test JVM that restarts it, and keeps the first registration of a gauge.
 */
@Startup
@ApplicationScoped
public class GatewayGauges {

    public static final String BREAKER_STATE = "keyway.gateway.breaker.state";
    public static final String ACCOUNT_STATE_LAG = "keyway.gateway.account_state.lag";
    public static final String ACCOUNT_STATE_AGE = "keyway.gateway.account_state.age";

    public GatewayGauges(MeterRegistry registry, ModelCatalog catalog, CircuitBreakers breakers,
                         AccountStates states) {
        for (CatalogModel model : catalog.models()) {
            for (ModelEndpoint endpoint : model.endpoints()) {
                String key = CircuitBreakers.endpointKey(model.id(), endpoint.provider());
                Gauge.builder(BREAKER_STATE, breakers, b -> b.state(key))
                        .description("Circuit breaker of an endpoint (model at provider): 0 closed, 1 half-open, 2 open")
                        .tag("provider", endpoint.provider()).tag("model", model.id())
                        .strongReference(true).register(registry);
            }
        }
        Gauge.builder(ACCOUNT_STATE_LAG, states, s -> s.lag().lagSeconds()).baseUnit("seconds")
                .description("How long after billing wrote it the latest account state was applied here")
                .strongReference(true).register(registry);
        Gauge.builder(ACCOUNT_STATE_AGE, states, s -> s.lag().ageSeconds()).baseUnit("seconds")
                .description("Age of the newest account state applied here (grows while billing publishes none)")
                .strongReference(true).register(registry);
    }
}
