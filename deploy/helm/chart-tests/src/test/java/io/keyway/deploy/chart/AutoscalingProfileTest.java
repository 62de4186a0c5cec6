package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AutoscalingProfileTest {

    private static final RenderedChart chart = KeywayChart.render("profiles/autoscaling.yaml");

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void autoscalerTargetsItsDeploymentWhichLeavesReplicasToIt(RenderedChart.Component component) {
        var hpa = chart.get(HorizontalPodAutoscaler.class, component.resourceName());
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals("apps/v1", hpa.getSpec().getScaleTargetRef().getApiVersion());
        assertEquals(chart.deployment(component).getMetadata().getName(), hpa.getSpec().getScaleTargetRef().getName());
        assertNull(chart.deployment(component).getSpec().getReplicas(),
                "a fixed replica count would fight the autoscaler on every upgrade");
    }

    @Test
    void limitsAndTargetsComeFromTheValues() {
        var gateway = chart.get(HorizontalPodAutoscaler.class, GATEWAY.resourceName());
        assertEquals(3, gateway.getSpec().getMinReplicas());
        assertEquals(12, gateway.getSpec().getMaxReplicas());
        assertEquals(Map.of("cpu", 65, "memory", 80), utilizationTargets(gateway.getSpec().getMetrics()));
        var keys = chart.get(HorizontalPodAutoscaler.class, KEY_SERVICE.resourceName());
        assertEquals(2, keys.getSpec().getMinReplicas());
        assertEquals(4, keys.getSpec().getMaxReplicas());
        assertEquals(Map.of("cpu", 70), utilizationTargets(keys.getSpec().getMetrics()), "memory target is off by default");
    }

    private static Map<String, Integer> utilizationTargets(List<MetricSpec> metrics) {
        return metrics.stream().collect(Collectors.toMap(m -> m.getResource().getName(),
                m -> m.getResource().getTarget().getAverageUtilization()));
    }

    @Test
    void noDisruptionBudgetIsRenderedThatWouldLeaveNoPodToEvictAndBlockNodeDrains() {
        var single = KeywayChart.render(Map.of("gateway.replicaCount", "1", "billing.autoscaling.enabled", "true",
                "billing.autoscaling.minReplicas", "1", "keyService.replicaCount", "3",
                "keyService.pdb.minAvailable", "50%"));
        var budgets = single.all(PodDisruptionBudget.class).stream().map(b -> b.getMetadata().getName()).toList();
        assertEquals(List.of(KEY_SERVICE.resourceName()), budgets,
                "one replica (fixed or the autoscaler's minimum): no budget; 50 % of 3 rounds up to 2 of 3: kept");
        var halfOfTwo = KeywayChart.render(Map.of("keyService.pdb.minAvailable", "50%"));
        assertEquals(3, halfOfTwo.all(PodDisruptionBudget.class).size(), "50 % of 2 is 1 of 2: kept");
        var allOfTwo = KeywayChart.render(Map.of("keyService.pdb.minAvailable", "2"));
        assertEquals(2, allOfTwo.all(PodDisruptionBudget.class).size(), "2 of 2 would block: dropped");
    }

    @Test
    void autoscalingOneServiceLeavesTheOthersAtTheirReplicaCount() {
        var partial = KeywayChart.render(Map.of("gateway.autoscaling.enabled", "true", "billing.replicaCount", "3"));
        assertEquals(1, partial.all(HorizontalPodAutoscaler.class).size());
        assertEquals(3, partial.deployment(RenderedChart.Component.BILLING).getSpec().getReplicas());
        assertEquals(2, partial.deployment(KEY_SERVICE).getSpec().getReplicas());
    }
}
