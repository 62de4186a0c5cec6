package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class ChartLintTest {

    @Test
    void lintStrictPassesWithDefaultValues() {
        var result = KeywayChart.lintStrict();
        assertFalse(result.isFailed(), () -> "helm lint --strict failed: " + String.join("\n", result.getMessages()));
    }
}
