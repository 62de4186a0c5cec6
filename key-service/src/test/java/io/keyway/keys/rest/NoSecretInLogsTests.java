package io.keyway.keys.rest;

import io.keyway.keys.FakeCredentials;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/**
 * Creating, rotating, reading (routing view), failing to parse and replaying keys never puts a secret or a
 * plaintext key into the log output or into an error response.
 */
@QuarkusTest
class NoSecretInLogsTests {

    static final class Capture extends Handler {
        final Queue<String> lines = new ConcurrentLinkedQueue<>();

        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(String.valueOf(record.getLoggerName())).append(' ')
                    .append(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void noSecretOrPlaintextKeyAppearsInLogsOrErrorsAcrossTheKeyLifecycle() {
        Capture capture = new Capture();
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>();
        try {
            Api.Account a = Api.newAccount();
            secrets.add(a.managementKey());
            String idem = UUID.randomUUID().toString();
            Response apiKey = a.mgmt().header("Idempotency-Key", idem).body(Map.of("name", "logs")).post("/api/v1/keys");
            secrets.add(apiKey.path("key"));
            a.mgmt().header("Idempotency-Key", idem).body(Map.of("name", "logs")).post("/api/v1/keys").then().statusCode(201);

            String token = Api.randomToken("sk-logs-");
            String rotated = Api.randomToken("sk-rotated-");
            String bedrockSecret = Api.randomToken("wJalrXUtnFEMI");
            String azureKey = Api.randomToken("az");
            secrets.addAll(List.of(token, rotated, bedrockSecret, azureKey));

            String id = Api.newByokId(a, "openai", token);
            a.mgmt().body(Map.of("key", rotated)).post("/api/v1/byok/" + id + "/rotate").then().statusCode(200);
            Api.newByok(a, Map.of("provider", "amazon-bedrock", "key", FakeCredentials.bedrockAccessKeys(bedrockSecret, "1234"))).then().statusCode(201);
            Api.newByok(a, Map.of("provider", "azure", "key", "{\"model_slug\":\"openai/gpt-4o\",\"endpoint_url\":"
                    + "\"https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21\","
                    + "\"api_key\":\"" + azureKey + "\",\"model_id\":\"gpt-4o\"}")).then().statusCode(201);
            Api.routingView(a.id()).then().statusCode(200);

            // rejected inputs that carry a secret: the error names the field but never echoes the value
            String badToken = "sk bad " + Api.randomToken("");
            String badJson = "{\"accessKeyId\":\"ID-FAKE\",\"secretAccessKey\":\"" + Api.randomToken("") + "\"";
            secrets.add(badToken);
            secrets.add(badJson.substring(30));
            assertFalse(Api.newByok(a, Map.of("provider", "openai", "key", badToken)).then().statusCode(400)
                    .extract().asString().contains(badToken));
            assertFalse(Api.newByok(a, Map.of("provider", "amazon-bedrock", "key", badJson)).then().statusCode(400)
                    .extract().asString().contains(badJson.substring(30)));
            String rawBody = "{\"provider\":\"openai\",\"key\":\"" + token + "\" oops";
            assertFalse(a.mgmt().body(rawBody).post("/api/v1/byok").then().statusCode(400).extract().asString()
                    .contains(token));
        } finally {
            root.removeHandler(capture);
        }
        for (String secret : secrets) {
            // name only the length: the test output must not show the secret either
            assertTrue(capture.lines.stream().noneMatch(l -> l.contains(secret)),
                    "a secret of length " + secret.length() + " appeared in the log output");
        }
    }
}
