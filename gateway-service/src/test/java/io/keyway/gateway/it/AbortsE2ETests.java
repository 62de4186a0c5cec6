package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.keyway.contracts.UsageEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Aborts and cut streams (issue 16 item 4) with the real services, Kafka, billing and the upstream STAND-IN: a client
 * that goes away ends the upstream exchange at once — whether the gateway is relaying or holding the upstream paused
 * because the client stopped reading — and what was delivered before an abort or an upstream's mid-stream break is
 * metered (estimated when the upstream reported no usage: ceil(characters / 4)) and charged.
 * The client here is a plain socket, so the test decides exactly when it stops reading and when it closes.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class AbortsE2ETests extends GatewayE2E {

    /** How soon after the client closes the upstream must see its connection closed. */
    private static final Duration PROMPTLY = Duration.ofSeconds(2);

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** A streamed chat request on a raw socket; the response is read only as far as the test says. */
    private static Socket openStream(Seed.ApiKey key, int receiveBuffer) throws Exception {
        URI gateway = URI.create(KeywayServices.gatewayUrl);
        String body = "{\"model\":\"" + MODEL + "\",\"stream\":true,\"provider\":{\"only\":[\"" + CHEAP + "\"]},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer); // before connecting: it sets the TCP window
        socket.connect(new InetSocketAddress(gateway.getHost(), gateway.getPort()), 5000);
        socket.setSoTimeout(15000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /api/v1/chat/completions HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\n"
                + "Authorization: Bearer " + key.key() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    /** Reads until the first {@code data:} event has arrived (the answer has begun reaching the client). */
    private static void readFirstEvent(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[512];
        while (!seen.toString().contains("data: ")) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("the gateway closed the stream before its first event: " + seen);
            }
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        assertTrue(seen.toString().startsWith("HTTP/1.1 200"), seen::toString);
    }

    private static void assertClosedPromptly(String credential, long clientClosedAt) {
        await().atMost(PROMPTLY).pollInterval(Duration.ofMillis(20))
                .until(() -> KeywayServices.upstream.connectionClosedAt(credential) != null);
        long ms = (KeywayServices.upstream.connectionClosedAt(credential) - clientClosedAt) / 1_000_000;
        assertTrue(ms < PROMPTLY.toMillis(), "upstream connection closed " + ms + " ms after the client's");
    }

    private JsonNode event(ChatCompletionsApiTests.UsageTopic topic, String accountId) throws Exception {
        JsonNode event = json.readTree(topic.awaitForAccount(accountId, 1).get(0).value());
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                UsageEvent.class.getClassLoader().getResourceAsStream(UsageEvent.SCHEMA_RESOURCE),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        var errors = schema.validate(event);
        assertTrue(errors.isEmpty(), () -> "schema violations: " + errors + " in " + event);
        return event;
    }

    @Test
    void aClientThatGoesAwayMidStreamClosesTheUpstreamConnectionAtOnceAndWhatWasDeliveredIsMetered() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        // five chunks a second apart, usage only at the end: before the fix the gateway read on for 5 s
        String slow = secret("slowstream1000");
        seed.pooled(CHEAP, slow);
        try (var topic = new ChatCompletionsApiTests.UsageTopic(bootstrap)) {
            Socket socket = openStream(key[0], 65536);
            readFirstEvent(socket);
            assertNull(KeywayServices.upstream.connectionClosedAt(slow), "the upstream is still generating");
            long closedAt = System.nanoTime();
            socket.close();
            assertClosedPromptly(slow, closedAt);

            JsonNode event = event(topic, account.id());
            assertEquals("success", event.get("status").asText(), "served: the client chose to stop");
            assertEquals("client", event.get("interrupted").asText());
            assertTrue(event.get("tokens_estimated").asBoolean(), "no usage came before the abort: " + event);
            assertEquals(3, event.get("prompt_tokens").asLong(), "ceil(9 characters of 'Say hello' / 4)");
        }
    }

    @Test
    void aClientThatStopsReadingAndGoesAwayClosesTheUpstreamConnectionThatBackpressureHeldPaused() throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        String flood = secret("floodstream");
        seed.pooled(CHEAP, flood);
        Socket socket = openStream(key[0], 4096);
        readFirstEvent(socket);
        // The client reads no more: the gateway's write queue fills, it pauses the upstream, the stand-in waits.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> KeywayServices.upstream.waitingForReader(flood));
        Thread.sleep(300); // still held: nothing resumes it
        assertTrue(KeywayServices.upstream.waitingForReader(flood), "the upstream is paused by backpressure");
        assertNull(KeywayServices.upstream.connectionClosedAt(flood));
        long closedAt = System.nanoTime();
        socket.close();
        assertClosedPromptly(flood, closedAt);
    }

    @Test
    void anUpstreamThatBreaksMidStreamIsMeteredForWhatWasDeliveredAsAnEstimateAndBillingChargesIt() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.pooled(CHEAP, secret("midstream")); // sends "Hello " then closes, without usage
        try (var topic = new ChatCompletionsApiTests.UsageTopic(bootstrap)) {
            String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                    .then().statusCode(200).extract().asString();
            assertTrue(sse.contains("\"finish_reason\":\"error\""), sse);

            JsonNode event = event(topic, account.id());
            assertEquals("error", event.get("status").asText());
            assertEquals("upstream", event.get("interrupted").asText());
            assertTrue(event.get("tokens_estimated").asBoolean());
            assertEquals(3, event.get("prompt_tokens").asLong(), "ceil(9 characters of 'Say hello' / 4)");
            assertEquals(2, event.get("completion_tokens").asLong(), "ceil(6 characters of 'Hello ' / 4)");
            // CHEAP: 0.000001 per prompt token, 0.000002 per completion token
            assertEquals(0, new BigDecimal("0.000007").compareTo(new BigDecimal(event.get("list_cost").asText())));
        }
        // billing-service charges it (a pooled request: its list cost), as /key reports from billing
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> new BigDecimal(
                given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/key").then().statusCode(200)
                        .extract().jsonPath().getString("data.usage")).compareTo(new BigDecimal("0.000007")) == 0);
    }
}
