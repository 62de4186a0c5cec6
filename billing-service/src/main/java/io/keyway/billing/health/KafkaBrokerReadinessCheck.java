package io.keyway.billing.health;

import jakarta.annotation.PreDestroy;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when the Kafka cluster answers a describe-cluster call within a few seconds. Quarkus' own Kafka check
 * waits for the admin client's default timeout (a minute) when the broker is gone; a probe must answer sooner.
 */
@Readiness
@ApplicationScoped
public class KafkaBrokerReadinessCheck implements HealthCheck {

    static final int TIMEOUT_MS = 3000;

    private final Admin admin;

    /**
     * @param kafka every {@code kafka.*} property (bootstrap servers and the security settings: SASL, TLS), so the
     *              check reaches a secured cluster exactly as the service's own clients do
     */
    public KafkaBrokerReadinessCheck(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.admin = Admin.create(adminConfig(kafka));
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
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "billing-service-readiness");
        return props;
    }

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("Kafka broker");
        try {
            var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS));
            int nodes = cluster.nodes().get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS).size();
            return check.up().withData("nodes", nodes).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return check.down().withData("reason", "interrupted").build();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return check.down().withData("reason", cause.getClass().getSimpleName() + ": " + cause.getMessage()).build();
        }
    }

    @PreDestroy
    void close() {
        admin.close(java.time.Duration.ofSeconds(1));
    }
}
