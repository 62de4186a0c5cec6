package io.keyway.gateway.metrics;

import io.keyway.gateway.service.Budgets;
import io.keyway.gateway.service.UsagePublisher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The usage-event buffer's depth ({@value #USAGE_PENDING}: events queued plus sent and not yet acknowledged) and the
 * budget leases this replica holds ({@value #BUDGET_LEASES}), read at scrape time through the beans (see
 * {@link GatewayGauges} for why not through objects captured at start).
 */
@Startup
@ApplicationScoped
public class UsageGauges {

    public static final String USAGE_PENDING = "keyway.usage.events.pending";
    public static final String BUDGET_LEASES = "keyway.budget.leases";

    public UsageGauges(MeterRegistry registry, UsagePublisher publisher, Budgets budgets) {
        Gauge.builder(USAGE_PENDING, publisher, UsagePublisher::pending)
                .description("Usage events queued or sent and not yet acknowledged by the broker")
                .strongReference(true).register(registry);
        Gauge.builder(BUDGET_LEASES, budgets, Budgets::leaseCount)
                .description("Budget leases this replica holds")
                .strongReference(true).register(registry);
    }
}
