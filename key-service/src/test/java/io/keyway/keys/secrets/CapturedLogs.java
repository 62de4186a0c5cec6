package io.keyway.keys.secrets;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Collection;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/** Every log line the test JVM writes (message and stack trace), to check that no secret ever reaches a log. */
final class CapturedLogs extends Handler {

    private static final CapturedLogs INSTANCE = new CapturedLogs();

    static {
        Logger.getLogger("").addHandler(INSTANCE);
    }

    private final Queue<String> lines = new ConcurrentLinkedQueue<>();

    private CapturedLogs() {
    }

    /** Starts capturing (idempotent); call before the code under test logs. */
    static void install() {
        // class initialisation does the work
    }

    static boolean anyContains(String text) {
        return INSTANCE.lines.stream().anyMatch(line -> line.contains(text));
    }

    static void assertNoneContain(Collection<String> secrets) {
        for (String secret : secrets) {
            // The assertion message names the secret's length only: test output must not show it either.
            assertTrue(INSTANCE.lines.stream().noneMatch(line -> line.contains(secret)),
                    "a secret of length " + secret.length() + " appeared in the log output");
        }
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder line = new StringBuilder(record.getLoggerName() == null ? "" : record.getLoggerName())
                .append(' ');
        line.append(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
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
