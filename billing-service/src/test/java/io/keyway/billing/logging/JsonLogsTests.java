package io.keyway.billing.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.logging.ConsoleFormat;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.junit.jupiter.api.Test;

/**
 * KEYWAY_LOG_JSON=true (the one switch the Helm chart sets) makes the console print one JSON object per line, with
 * the MDC: OpenTelemetry puts its traceId and spanId there, so they reach the logs once tracing is on.
 */
@QuarkusTest
@TestProfile(JsonLogsTests.JsonOn.class)
class JsonLogsTests {

    public static class JsonOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("KEYWAY_LOG_JSON", "true");
        }
    }

    @Test
    void keywayLogJsonPrintsEachRecordAsOneJsonLineWithItsMdcTraceAndSpanIds() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String spanId = "00f067aa0ba902b7";
        MDC.put("traceId", traceId);
        MDC.put("spanId", spanId);
        String line;
        try {
            ExtLogRecord record = new ExtLogRecord(Level.WARN, "json-log-marker", ExtLogRecord.FormatStyle.NO_FORMAT,
                    JsonLogsTests.class.getName());
            record.setLoggerName("io.keyway.billing.logging");
            record.copyMdc();
            line = ConsoleFormat.formatter().format(record);
        } finally {
            MDC.remove("traceId");
            MDC.remove("spanId");
        }
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals("json-log-marker", json.path("message").asText());
        assertEquals("io.keyway.billing.logging", json.path("loggerName").asText());
        assertEquals(traceId, json.path("mdc").path("traceId").asText());
        assertEquals(spanId, json.path("mdc").path("spanId").asText());
    }
}
