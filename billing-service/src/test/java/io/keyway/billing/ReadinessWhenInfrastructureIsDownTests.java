package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Readiness must really ask PostgreSQL and Kafka: pointed at ports where nothing listens, it says DOWN. */
@QuarkusTest
@TestProfile(ReadinessWhenInfrastructureIsDownTests.Unreachable.class)
class ReadinessWhenInfrastructureIsDownTests {

    public static class Unreachable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:1/keyway_billing_test",
                    "quarkus.flyway.migrate-at-start", "false",
                    "quarkus.flyway.clean-at-start", "false",
                    "quarkus.hibernate-orm.schema-management.strategy", "none",
                    "kafka.bootstrap.servers", "127.0.0.1:1",
                    "keyway.billing.consumer.enabled", "false",
                    "keyway.billing.republish-state-on-start", "false");
        }
    }

    @Test
    void readinessIsDownWhenDatabaseAndBrokerAreUnreachable() {
        given().when().get("/q/health/ready").then()
                .statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'Reactive PostgreSQL connections health check' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'Kafka broker' }.status", equalTo("DOWN"))
                .body("checks.status", hasItem("DOWN"));
    }
}
