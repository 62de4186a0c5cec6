package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway enforces request limits per replica, each its share ceil(limit / KEYWAY_GATEWAY_REPLICAS): the chart
 * derives that divisor from the gateway's replica count, and sets the upstream wait queue's bound.
 */
class GatewayRequestLimitsTest {

    @Test
    void theLimitDivisorIsTheGatewaysReplicaCount() {
        assertEquals("2", KeywayChart.render().configEnv(GATEWAY).get("KEYWAY_GATEWAY_REPLICAS"));
        assertEquals("5", KeywayChart.render(Map.of("gateway.replicaCount", 5)).configEnv(GATEWAY)
                .get("KEYWAY_GATEWAY_REPLICAS"));
    }

    @Test
    void withAutoscalingTheLimitDivisorIsMaxReplicasSoTheReplicasNeverAdmitMoreThanALimit() {
        var env = KeywayChart.render(Map.of("gateway.autoscaling.enabled", true, "gateway.autoscaling.maxReplicas", 8))
                .configEnv(GATEWAY);
        assertEquals("8", env.get("KEYWAY_GATEWAY_REPLICAS"));
    }

    @Test
    void limitReplicasOverridesTheDerivedDivisorAndZeroReplicasCountAsOne() {
        assertEquals("3", KeywayChart.render(Map.of("gateway.limitReplicas", 3)).configEnv(GATEWAY)
                .get("KEYWAY_GATEWAY_REPLICAS"));
        assertEquals("1", KeywayChart.render(Map.of("gateway.replicaCount", 0)).configEnv(GATEWAY)
                .get("KEYWAY_GATEWAY_REPLICAS"));
    }

    @Test
    void theUpstreamWaitQueueIsBoundedBy1024UnlessSet() {
        assertEquals("1024", KeywayChart.render().configEnv(GATEWAY).get("KEYWAY_GATEWAY_UPSTREAM_MAX_WAIT_QUEUE"));
        assertEquals("64", KeywayChart.render(Map.of("gateway.upstream.maxWaitQueue", 64)).configEnv(GATEWAY)
                .get("KEYWAY_GATEWAY_UPSTREAM_MAX_WAIT_QUEUE"));
    }
}
