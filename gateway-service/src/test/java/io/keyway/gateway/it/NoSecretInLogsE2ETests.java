package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.ANTHROPIC;
import static io.keyway.gateway.it.KeywayServices.AZURE;
import static io.keyway.gateway.it.KeywayServices.CLAUDE;
import static io.keyway.gateway.it.KeywayServices.GPT_4O;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/**
 * Requests served and failed with structured credentials (an Azure key's JSON, Anthropic keys, upstream errors that
 * quote the key) never put a secret part into the gateway's log, key-service's or billing's log (JSON lines, as the
 * chart runs them; read decoded by ServiceLogs) or a client's answer. The gateway's own log is captured record by
 * record, before any formatter, so the check holds for its plain and JSON formats alike.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class NoSecretInLogsE2ETests extends GatewayE2E {

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
    void noSecretPartOfAnyCredentialAppearsInLogsOrAnswers() throws Exception {
        Capture capture = new Capture();
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        try {
            org.jboss.logging.Logger.getLogger("io.keyway.gateway").warn("capture-marker");
            var key = new Seed.ApiKey[1];
            var account = fundedAccount(key);
            for (String behaviour : List.of("status401", "status529", "ok")) {
                String s = secret(behaviour);
                secrets.add(s);
                seed.byok(account, ANTHROPIC, s, Map.of());
            }
            for (String behaviour : List.of("status401", "status429", "ok")) {
                String apiKey = secret(behaviour);
                secrets.add(apiKey);
                seed.byok(account, AZURE, AzureE2ETests.deployment(GPT_4O, apiKey), Map.of());
            }
            for (String behaviour : List.of("denied", "ok")) { // a Bedrock key of access keys, signed with SigV4
                secrets.add(BedrockKeys.secretAccessKey(behaviour));
                seed.byok(account, KeywayServices.BEDROCK, BedrockKeys.accessKeysJson(behaviour, "us-east-1"),
                        Map.of());
            }
            answers.add(chat(key[0], body(CLAUDE)).then().statusCode(200).extract().asString());
            answers.add(chat(key[0], body(CLAUDE, "provider", Map.of("only", List.of(KeywayServices.BEDROCK))))
                    .then().statusCode(200).extract().asString());
            answers.add(chat(key[0], body(CLAUDE, "stream", true)).then().statusCode(200).extract().asString());
            answers.add(chat(key[0], body(GPT_4O)).then().statusCode(200).extract().asString());
            answers.add(chat(key[0], body(GPT_4O, "stream", true)).then().statusCode(200).extract().asString());
        } finally {
            root.removeHandler(capture);
        }
        assertTrue(capture.lines.stream().anyMatch(l -> l.contains("capture-marker")), "the capture sees the log");
        String gatewayLog = String.join("\n", capture.lines);
        ServiceLogs.assertJson("key-service");
        ServiceLogs.assertJson("billing-service");
        String keyServiceLog = ServiceLogs.text("key-service");
        String billingLog = ServiceLogs.text("billing-service");
        for (String s : secrets) {
            String tail = s.substring(s.indexOf('-') + 1); // the random part: the prefix only names a behaviour
            assertFalse(gatewayLog.contains(tail), "a secret in the gateway's log");
            assertFalse(keyServiceLog.contains(tail), "a secret in key-service's log");
            assertFalse(billingLog.contains(tail), "a secret in billing-service's log");
            answers.forEach(a -> assertFalse(a.contains(tail), "a secret in an answer"));
        }
    }
}
