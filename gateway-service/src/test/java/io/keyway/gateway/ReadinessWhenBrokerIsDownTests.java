package io.keyway.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Readiness with the broker at a port where nothing listens, from the start. */
@QuarkusTest
@TestProfile(ReadinessWhenBrokerIsDownTests.Unreachable.class)
class ReadinessWhenBrokerIsDownTests {

    public static class Unreachable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:1",
                    // give up on an unreachable broker within seconds, so the loss shows up in a test
                    "keyway.gateway.usage.producer.max.block.ms", "2000",
                    "keyway.gateway.usage.producer.request.timeout.ms", "1000",
                    "keyway.gateway.usage.producer.delivery.timeout.ms", "2000");
        }
    }

    /**
     * A broker outage alone keeps the gateway in service while the usage buffer has room (docs/operations.md, "Kafka
     * outage"); a gateway that never read billing's account state is not ready, since every account would look empty.
     */
    @Test
    void anUnreachableBrokerLeavesTheBrokerCheckUpWhileUsageEventsCanBeBufferedButAccountStateKeepsANewPodOut() {
        given().when().get("/q/health/ready").then()
                .statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'Kafka broker' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Kafka broker' }.data.reason", startsWith("broker unreachable"))
                .body("checks.find { it.name == 'Account state loaded' }.status", equalTo("DOWN"));
    }
}
