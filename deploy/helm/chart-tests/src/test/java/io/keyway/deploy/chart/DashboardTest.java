package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard the chart ships (dashboards/keyway.json in a ConfigMap for Grafana's sidecar): optional, and
 * every metric its queries name is one of the list (dashboards/metrics.txt) that gateway-service's MetricsE2ETests
 * finds in the real services' {@code /q/metrics} — so a panel cannot silently query a metric no service exposes.
 */
class DashboardTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG_MAP = KeywayChart.RELEASE + "-keyway-dashboard";

    /** PromQL words that look like metric names but are not: keywords, set operators, modifiers, number literals. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$");
    private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$");

    /** The metric names a PromQL expression selects: identifiers outside strings, label matchers, ranges and label lists
     * that are neither called (functions, aggregations), keywords nor part of a number or duration. */
    static Set<String> metricNames(String promql) {
        String s = STRING.matcher(promql).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        s = VARIABLE.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            int before = m.start() - 1;
            if (before >= 0 && (Character.isDigit(s.charAt(before)) || s.charAt(before) == '.')) {
                continue; // 1e3, 5m
            }
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
                after++;
            }
            if (after < s.length() && s.charAt(after) == '(') {
                continue; // rate(, sum(, histogram_quantile(
            }
            if (!KEYWORDS.contains(id.toLowerCase())) {
                names.add(id);
            }
        }
        return names;
    }

    /** A template variable's query: Grafana's label_values(metric, label) / query_result(expr), or plain PromQL. */
    static Set<String> variableMetricNames(String query) {
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.matches()) {
            return metricNames(labelValues.group(1));
        }
        Matcher result = QUERY_RESULT.matcher(query);
        return metricNames(result.matches() ? result.group(1) : query);
    }

    static Set<String> metricList() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String raw : Files.readAllLines(KeywayChart.chartDir().resolve("dashboards/metrics.txt"))) {
            String line = raw.strip();
            if (!line.isEmpty() && !line.startsWith("#") && !line.startsWith("[")) {
                names.add(line);
            }
        }
        return names;
    }

    static JsonNode renderedDashboard() throws IOException {
        var chart = KeywayChart.render("profiles/observability.yaml");
        return JSON.readTree(chart.get(ConfigMap.class, CONFIG_MAP).getData().get("keyway.json"));
    }

    /** Every PromQL expression of the dashboard: panel targets (rows' nested panels too) and template variables. */
    static Map<String, Set<String>> queries(JsonNode dashboard) {
        Map<String, Set<String>> byQuery = new java.util.LinkedHashMap<>();
        for (JsonNode expr : dashboard.path("panels").findValues("expr")) {
            byQuery.put(expr.asText(), metricNames(expr.asText()));
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode q = variable.path("query");
                String query = q.isTextual() ? q.asText() : q.path("query").asText();
                byQuery.put(query, variableMetricNames(query));
            }
        }
        return byQuery;
    }

    @Test
    void theDashboardIsAConfigMapForGrafanasSidecarOnlyWhenEnabled() throws IOException {
        assertTrue(KeywayChart.render().find(ConfigMap.class, CONFIG_MAP).isEmpty(), "off by default");
        var chart = KeywayChart.render("profiles/observability.yaml");
        var configMap = chart.get(ConfigMap.class, CONFIG_MAP);
        assertEquals("1", configMap.getMetadata().getLabels().get("grafana_dashboard"), "the sidecar's default label");
        assertEquals("Keyway", configMap.getMetadata().getAnnotations().get("grafana_folder"));
        String shipped = Files.readString(KeywayChart.chartDir().resolve("dashboards/keyway.json"));
        assertEquals(JSON.readTree(shipped), JSON.readTree(configMap.getData().get("keyway.json")),
                "the ConfigMap carries dashboards/keyway.json as it is");
        var inNamespace = KeywayChart.render(Map.of("metrics.grafanaDashboard.enabled", "true",
                "metrics.grafanaDashboard.namespace", "monitoring")).get(ConfigMap.class, CONFIG_MAP);
        assertEquals("monitoring", inNamespace.getMetadata().getNamespace(), "for a sidecar watching one namespace");
    }

    @Test
    void everyMetricTheRenderedDashboardsQueriesNameIsOnTheListTheServicesAreProvenToExpose() throws IOException {
        Set<String> exposed = metricList();
        Map<String, Set<String>> queries = queries(renderedDashboard());
        assertTrue(queries.size() > 20, "the dashboard's queries were found: " + queries.size());
        List<String> unknown = new ArrayList<>();
        queries.forEach((query, names) -> {
            assertFalse(names.isEmpty(), "a query that names no metric: " + query);
            names.stream().filter(n -> !exposed.contains(n)).forEach(n -> unknown.add(n + "  in  " + query));
        });
        assertTrue(unknown.isEmpty(), "metrics not on dashboards/metrics.txt:\n" + String.join("\n", unknown));
    }

    @Test
    void theDashboardHasPanelsForEveryMetricOfIssue19() throws IOException {
        Set<String> used = new TreeSet<>();
        queries(renderedDashboard()).values().forEach(used::addAll);
        for (String required : List.of(
                "keyway_gateway_upstream_attempt_seconds_bucket", // upstream attempt latency
                "keyway_gateway_time_to_first_byte_seconds_bucket",
                "keyway_gateway_routing_retries_total", "keyway_gateway_routing_fallbacks_total",
                "keyway_gateway_breaker_state", "keyway_gateway_breaker_openings_total",
                "keyway_gateway_limit_refusals_total", // 402 and 429 by limit_source
                "keyway_usage_events_publish_lag_seconds_bucket", "keyway_usage_events_pending",
                "keyway_gateway_account_state_lag_seconds",
                "keyway_billing_usage_consumer_lag_records", "keyway_billing_usage_applied_total")) {
            assertTrue(used.contains(required), "no panel queries " + required);
        }
    }

    @Test
    void everyPanelHasAQueryAndEveryQueryUsesTheDashboardsDataSource() throws IOException {
        JsonNode dashboard = renderedDashboard();
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            assertTrue(panel.path("targets").size() > 0, "panel without a query: " + panel.path("title"));
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), panel.path("title").asText());
        }
    }

    @Test
    void everyListedMetricIsDocumentedInOperations() throws IOException {
        String operations = Files.readString(KeywayChart.repoDir().resolve("docs/operations.md"));
        for (String name : metricList()) {
            String family = name.replaceAll("_(bucket|count|sum)$", "");
            assertTrue(operations.contains("`" + family + "`") || operations.contains("`" + name + "`"),
                    "docs/operations.md does not document " + name);
        }
    }

    @Test
    void theQueryParserFindsMetricNamesAndNothingElse() {
        assertEquals(Set.of("a_bucket"), metricNames("histogram_quantile(0.95, sum by (le, provider) "
                + "(rate(a_bucket{outcome=\"success\",namespace=~\"$namespace\"}[$__rate_interval])))"));
        assertEquals(Set.of("a_sum", "a_count"), metricNames("sum(rate(a_sum[5m])) / sum(rate(a_count[5m]))"));
        assertEquals(Set.of("x", "y"), metricNames("max(x) > bool 1e3 and on (job) group_left y offset 5m"));
        assertEquals(Set.of("up_total"), metricNames("sum(rate(up_total[1h])) without (instance) * 2"));
        assertEquals(Set.of("m"), variableMetricNames("label_values(m{job=\"a\"}, namespace)"));
        assertEquals(Set.of("keyway_x"), variableMetricNames("query_result(topk(5, keyway_x))"));
    }
}
