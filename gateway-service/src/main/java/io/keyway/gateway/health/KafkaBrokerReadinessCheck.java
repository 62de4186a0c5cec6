package io.keyway.gateway.health;

import io.keyway.gateway.service.UsagePublisher;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * The Kafka cluster as readiness sees it: a broker outage alone does not take the gateway out of service, because it
 * can still serve and its usage publisher holds the events until the broker is back (docs/operations.md, "Kafka
 * outage"). So the check is UP while the cluster answers a describe-cluster call within a few seconds, or while it
 * does not and the usage-event buffer ({@code keyway.gateway.usage.max-pending}) still has room; it is DOWN once the
 * broker is gone and the buffer is full, when every further request's usage event would be refused. The data says
 * which (broker reachable or not, events pending). Quarkus' own Kafka check waits for the admin client's default
 * timeout (a minute) when the broker is gone; a probe must answer sooner.
 */
@Readiness
@ApplicationScoped
public class KafkaBrokerReadinessCheck implements HealthCheck {

    static final int TIMEOUT_MS = 3000;

    private final Admin admin;
    private final IntSupplier pending;
    private final int maxPending;

    /**
     * @param kafka every {@code kafka.*} property (bootstrap servers and the security settings: SASL, TLS), so the
     *              check reaches a secured cluster exactly as the service's own clients do
     */
    @Inject
    public KafkaBrokerReadinessCheck(@Identifier("default-kafka-broker") Map<String, Object> kafka,
                                     UsagePublisher usage) {
        this(kafka, usage::pending, usage.maxPending());
    }

    /** @param pending usage events waiting for the broker; {@code maxPending} of them fill the buffer */
    KafkaBrokerReadinessCheck(Map<String, Object> kafka, IntSupplier pending, int maxPending) {
        this.admin = Admin.create(adminConfig(kafka));
        this.pending = pending;
        this.maxPending = maxPending;
    }

    static Map<String, Object> adminConfig(Map<String, Object> kafka) {
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "gateway-service-readiness");
        return props;
    }

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("Kafka broker");
        String unreachable;
        try {
            var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS));
            int nodes = cluster.nodes().get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS).size();
            return check.up().withData("nodes", nodes).withData("usage_events_pending", pending.getAsInt()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unreachable = "interrupted";
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            unreachable = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        int waiting = pending.getAsInt();
        check.withData("reason", "broker unreachable (" + unreachable + ")")
                .withData("usage_events_pending", waiting)
                .withData("usage_events_max_pending", maxPending);
        if (waiting < maxPending) {
            return check.up().withData("serving", "usage events are buffered until the broker is back").build();
        }
        return check.down().withData("serving", "usage event buffer full: further events are refused").build();
    }

    @PreDestroy
    void close() {
        admin.close(java.time.Duration.ofSeconds(1));
    }
}
