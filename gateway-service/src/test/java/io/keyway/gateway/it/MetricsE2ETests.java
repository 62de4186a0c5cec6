package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.keyway.gateway.it.KeywayServices.OTHER_MODEL;
import static io.keyway.gateway.it.KeywayServices.PRICEY;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The metrics of issue 19 from the outside, as Prometheus scrapes them: the real gateway, key-service and
 * billing-service and the upstream STAND-IN, after real traffic — a BYOK request, a stream, a fallback, a 402, a 429
 * and a breaker that opens. Every name in the dashboard's metric list ({@code deploy/helm/keyway/dashboards/metrics.txt},
 * which the chart test holds the Grafana dashboard's queries to) must be in its service's {@code /q/metrics}, and the
 * values move as the rules say. Breakers as in production, but small: a credential opens after 3 consecutive
 * failures, an endpoint at 50 % failures of at least 4 calls. (Run alone, every name comes from this class's own
 * traffic; in the whole suite Micrometer's global registry also keeps the meters earlier applications of the JVM
 * registered.)
 */
@QuarkusTest
@WithTestResource(value = KeywayServices.class, initArgs = {
        @ResourceArg(name = "keyway.gateway.upstream.breaker-failure-threshold", value = "3"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-minimum-calls", value = "4"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-window-size", value = "10"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-failure-rate", value = "50"),
        @ResourceArg(name = "keyway.gateway.upstream.breaker-open-duration", value = "60S")})
class MetricsE2ETests extends GatewayE2E {

    static final Path METRIC_LIST = Path.of("../deploy/helm/keyway/dashboards/metrics.txt");
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One scraped sample. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A service's {@code /q/metrics}, parsed. */
    record Scrape(String text, List<Sample> samples) {

        TreeSet<String> names() {
            TreeSet<String> names = new TreeSet<>();
            samples.forEach(s -> names.add(s.name()));
            return names;
        }

        /** The sum of the samples of {@code name} whose labels include {@code labels} (k1, v1, k2, v2, …). */
        double sum(String name, String... labels) {
            double sum = 0;
            for (Sample s : samples) {
                boolean match = s.name().equals(name);
                for (int i = 0; match && i < labels.length; i += 2) {
                    match = labels[i + 1].equals(s.labels().get(labels[i]));
                }
                if (match) {
                    sum += s.value();
                }
            }
            return sum;
        }
    }

    static Scrape scrape(String baseUrl) {
        String text = given().baseUri(baseUrl).get("/q/metrics").then().statusCode(200).extract().asString();
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = SERIES.matcher(line);
            if (line.startsWith("#") || !m.find()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return new Scrape(text, samples);
    }

    /** metrics.txt: {@code [service]} headers, one metric name a line, {@code #} comments. */
    static Map<String, List<String>> metricList() throws IOException {
        Map<String, List<String>> byService = new LinkedHashMap<>();
        String service = null;
        for (String raw : Files.readAllLines(METRIC_LIST)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                service = line.substring(1, line.length() - 1);
                byService.put(service, new ArrayList<>());
            } else {
                assertTrue(service != null, "a metric name before the first [service] header: " + line);
                byService.get(service).add(line);
            }
        }
        return byService;
    }

    static String gateway() {
        return KeywayServices.gatewayUrl;
    }

    /** A funded account whose credits the gateway has seen, with {@code keyOptions} for its API key. */
    private Seed.Account funded(Seed.ApiKey[] key, Map<String, Object> keyOptions) {
        Seed.Account account = seed.account();
        key[0] = seed.apiKey(account, keyOptions);
        seed.topUp(account, "10.00");
        Seed.ApiKey k = key[0];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                given().header("Authorization", "Bearer " + k.key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
        return account;
    }

    private static Map<String, Object> only(String provider) {
        return Map.of("only", List.of(provider));
    }

    @Test
    void everyMetricOfTheDashboardsListIsExposedByItsServiceAfterTraffic() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = funded(key, Map.of("rate_limit", Map.of("requests", 6, "interval", "1h")));
        // Failures that blame keys, never an endpoint: the other tests of this class use the same endpoints.
        seed.byok(account, CHEAP, secret("status429"), Map.of());
        seed.byok(account, CHEAP, secret("ok"), Map.of("is_fallback", true));
        chat(key[0], body(MODEL, "provider", only(CHEAP))).then().statusCode(200); // BYOK, after a fallback
        chat(key[0], body(MODEL, "provider", only(CHEAP), "stream", true)).then().statusCode(200);
        seed.byok(account, PRICEY, secret("status401"), Map.of());
        for (int i = 0; i < 3; i++) { // the key's breaker opens at its third failure
            chat(key[0], body(MODEL, "provider", only(PRICEY))).then().statusCode(401);
        }
        chat(key[0], body(MODEL, "provider", only(PRICEY))).then().statusCode(503); // skipped: circuit open
        chat(key[0], body(MODEL, "provider", only(CHEAP))).then().statusCode(429); // the seventh of 6 an hour
        var broke = seed.account();
        chat(seed.apiKey(broke), body(MODEL)).then().statusCode(402);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                scrape(gateway()).sum("keyway_usage_events_publish_lag_seconds_count") > 0
                        && scrape(KeywayServices.billingUrl).sum("keyway_billing_usage_applied_total") > 0);

        Map<String, String> urls = Map.of("gateway-service", gateway(), "key-service", KeywayServices.keyServiceUrl,
                "billing-service", KeywayServices.billingUrl);
        Map<String, List<String>> expected = metricList();
        assertEquals(urls.keySet(), expected.keySet(), "metrics.txt names the three services");
        List<String> missing = new ArrayList<>();
        for (var service : expected.entrySet()) {
            TreeSet<String> exposed = scrape(urls.get(service.getKey())).names();
            for (String name : service.getValue()) {
                if (!exposed.contains(name)) {
                    missing.add(service.getKey() + ": " + name);
                }
            }
        }
        assertTrue(missing.isEmpty(), "listed in metrics.txt but not exposed after traffic: " + missing);
    }

    @Test
    void aFailedByokKeyFallingBackToTheNextModelIsCountedAsAFallbackFromStepByokToStepFallbackModel() {
        var key = new Seed.ApiKey[1];
        var account = funded(key, Map.of());
        seed.byok(account, CHEAP, secret("status503"), Map.of("allowed_models", List.of(MODEL)));
        seed.byok(account, CHEAP, secret("ok"), Map.of("allowed_models", List.of(OTHER_MODEL)));
        double before = scrape(gateway()).sum("keyway_gateway_routing_fallbacks_total", "from_step", "byok",
                "to_step", "fallback_model");
        chat(key[0], body(MODEL, "models", List.of(OTHER_MODEL), "provider", only(CHEAP))).then().statusCode(200)
                .body("model", org.hamcrest.Matchers.equalTo(OTHER_MODEL));
        assertEquals(before + 1, scrape(gateway()).sum("keyway_gateway_routing_fallbacks_total", "from_step",
                "byok", "to_step", "fallback_model"));
    }

    @Test
    void a402IsCountedWithItsLimitSourceAndA429WithItsOwn() {
        Scrape before = scrape(gateway());
        var broke = seed.account();
        chat(seed.apiKey(broke), body(MODEL)).then().statusCode(402);
        var limitedKey = new Seed.ApiKey[1];
        var limited = funded(limitedKey, Map.of("rate_limit", Map.of("requests", 1, "interval", "1h")));
        seed.byok(limited, CHEAP, secret("ok"), Map.of());
        chat(limitedKey[0], body(MODEL, "provider", only(CHEAP))).then().statusCode(200);
        chat(limitedKey[0], body(MODEL, "provider", only(CHEAP))).then().statusCode(429);
        Scrape after = scrape(gateway());
        String refusals = "keyway_gateway_limit_refusals_total";
        assertEquals(before.sum(refusals, "status", "402", "limit_source", "openrouter_credits",
                "limit_type", "exhausted") + 1, after.sum(refusals, "status", "402", "limit_source",
                "openrouter_credits", "limit_type", "exhausted"));
        assertEquals(before.sum(refusals, "status", "429", "limit_source", "key", "limit_type", "rate") + 1,
                after.sum(refusals, "status", "429", "limit_source", "key", "limit_type", "rate"));
    }

    @Test
    void aReservationTheBalanceCannotCoverIsA402CountedAsReservation() {
        var key = new Seed.ApiKey[1];
        Seed.Account account = seed.account();
        key[0] = seed.apiKey(account);
        seed.topUp(account, "0.000001");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
        seed.pooled(PRICEY, secret("ok"));
        String refusals = "keyway_gateway_limit_refusals_total";
        double before = scrape(gateway()).sum(refusals, "status", "402", "limit_type", "reservation");
        chat(key[0], body(MODEL, "provider", only(PRICEY), "max_tokens", 4000)).then().statusCode(402)
                .body("error.metadata.limit_source", org.hamcrest.Matchers.equalTo("openrouter_credits"));
        assertEquals(before + 1, scrape(gateway()).sum(refusals, "status", "402", "limit_source",
                "openrouter_credits", "limit_type", "reservation"));
    }

    @Test
    void aKeysBreakerOpeningIsCountedByProviderAndKindAndNoSeriesNamesTheKey() {
        var key = new Seed.ApiKey[1];
        var account = funded(key, Map.of());
        String secret = secret("status403");
        String byokId = seed.byok(account, PRICEY, secret, Map.of());
        String openings = "keyway_gateway_breaker_openings_total";
        double before = scrape(gateway()).sum(openings, "breaker", "credential", "provider", PRICEY,
                "credential_kind", "byok");
        for (int i = 0; i < 3; i++) {
            chat(key[0], body(MODEL, "provider", only(PRICEY))).then().statusCode(403);
        }
        Scrape after = scrape(gateway());
        assertEquals(before + 1, after.sum(openings, "breaker", "credential", "provider", PRICEY,
                "credential_kind", "byok"));
        assertFalse(after.text().contains(byokId), "no series names the BYOK key");
        assertFalse(after.text().contains(secret), "nor its secret");
        assertEquals(0, after.sum("keyway_gateway_breaker_state", "provider", PRICEY, "model", MODEL),
                "a key's failures leave the endpoint's breaker closed");
    }

    @Test
    void anEndpointsBreakerStateGaugeShowsItOpenAfterTheProvidersOwnFailures() {
        var key = new Seed.ApiKey[1];
        var account = funded(key, Map.of());
        seed.byok(account, MID, secret("status502"), Map.of());
        assertEquals(0, scrape(gateway()).sum("keyway_gateway_breaker_state", "provider", MID, "model", MODEL));
        for (int i = 0; i < 4; i++) {
            chat(key[0], body(MODEL, "provider", only(MID))).then().statusCode(502);
        }
        assertEquals(2, scrape(gateway()).sum("keyway_gateway_breaker_state", "provider", MID, "model", MODEL),
                "2 = open");
    }

    @Test
    void usageEventsAreCountedAppliedByBillingAndTheirPublishLagIsRecorded() {
        var key = new Seed.ApiKey[1];
        var account = funded(key, Map.of());
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        double lagCount = scrape(gateway()).sum("keyway_usage_events_publish_lag_seconds_count");
        double applied = scrape(KeywayServices.billingUrl).sum("keyway_billing_usage_applied_total");
        for (int i = 0; i < 3; i++) {
            chat(key[0], body(MODEL, "provider", only(CHEAP))).then().statusCode(200);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                scrape(gateway()).sum("keyway_usage_events_publish_lag_seconds_count") >= lagCount + 3
                        && scrape(KeywayServices.billingUrl).sum("keyway_billing_usage_applied_total") >= applied + 3);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                scrape(KeywayServices.billingUrl).sum("keyway_billing_usage_consumer_lag_records") == 0);
    }
}
