package io.keyway.keys.logging;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.logging.ConsoleFormat;
import io.quarkus.test.junit.QuarkusTest;
import java.util.logging.Level;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/** Without KEYWAY_LOG_JSON the console prints the plain text format of application.properties (local runs). */
@QuarkusTest
class PlainLogsByDefaultTests {

    @Test
    void consoleLogsArePlainTextUnlessKeywayLogJsonIsSet() {
        ExtLogRecord record = new ExtLogRecord(Level.INFO, "plain-log-marker", ExtLogRecord.FormatStyle.NO_FORMAT,
                PlainLogsByDefaultTests.class.getName());
        record.setLoggerName("io.keyway.keys.logging");
        String line = ConsoleFormat.formatter().format(record);
        assertFalse(line.startsWith("{"), line);
        assertTrue(line.contains("INFO  [io.ke.ke.logging]") && line.contains("plain-log-marker"), line);
    }
}
