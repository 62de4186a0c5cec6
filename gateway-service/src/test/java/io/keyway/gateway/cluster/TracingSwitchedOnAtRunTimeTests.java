package io.keyway.gateway.cluster;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.it.KeywayServices;
import io.keyway.gateway.it.Seed;
import io.keyway.gateway.standin.OtlpCollectorStandIn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged gateway jar (the build an operator deploys, built with tracing off by default) traces once it is
 * started with the OTLP endpoint alone ({@code keyway.otel.endpoint}, the {@code KEYWAY_OTEL_ENDPOINT} of the chart):
 * no rebuild. Its real OTLP exporter sends the request's spans to a collector STAND-IN on loopback (which speaks
 * OTLP/HTTP, hence the protocol setting; export every 100 ms instead of 5 s so that the test does not wait).
 * The services are the cluster tests' shared ones ({@link TwoReplicas}); the tracing gateway is a process of its own.
 */
@ExtendWith(TwoReplicas.class)
class TracingSwitchedOnAtRunTimeTests {

    private static OtlpCollectorStandIn collector;
    private static Process gateway;
    private static String url;
    private static final Seed seed = new Seed();

    @BeforeAll
    static void startATracingGateway() throws Exception {
        collector = new OtlpCollectorStandIn();
        int[] port = new int[1];
        gateway = TwoReplicas.launchGateway(Map.of(
                        "keyway.otel.endpoint", collector.endpoint(),
                        "quarkus.otel.exporter.otlp.protocol", "http/protobuf",
                        "quarkus.otel.bsp.schedule.delay", "100ms"),
                "gateway-tracing.log", port);
        url = "http://127.0.0.1:" + port[0];
    }

    @AfterAll
    static void stopAll() {
        seed.cleanUp();
        KeywayServices.stopProcess(gateway);
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void theEndpointAloneMakesThePackagedGatewayExportEachRequestsSpansOverOtlp() {
        Seed.Account account = seed.account();
        Seed.ApiKey key = seed.apiKey(account);
        seed.topUp(account, "10.00");
        String byokSecret = "status500-" + UUID.randomUUID().toString().replace("-", "");
        seed.byok(account, KeywayServices.CHEAP, byokSecret, Map.of());
        seed.pooled(KeywayServices.CHEAP, "ok-" + UUID.randomUUID().toString().replace("-", ""));
        Map<String, Object> body = Map.of("model", KeywayServices.MODEL,
                "provider", Map.of("only", List.of(KeywayServices.CHEAP)),
                "messages", List.of(Map.of("role", "user", "content", "Say hello")));
        String id = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                given().baseUri(url).header("Authorization", "Bearer " + key.key()).contentType("application/json")
                        .body(body).post("/api/v1/chat/completions").then().extract(), r -> r.statusCode() == 200)
                .jsonPath().getString("id");
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                collector.received(id) && collector.received("publish keyway.usage.v1"));
        for (String span : List.of("POST /api/v1/chat/completions", "keyway.route", "keyway.attempt")) {
            assertTrue(collector.received(span), span + " was exported");
        }
        assertFalse(collector.received(byokSecret), "no secret leaves in a span");
        assertFalse(collector.received("Say hello"), "nor the prompt");
    }
}
