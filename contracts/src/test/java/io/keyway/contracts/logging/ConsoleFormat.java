package io.keyway.contracts.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * The formatter of the console handler that the running application's logging configuration installed (plain text,
 * or JSON with {@code KEYWAY_LOG_JSON=true}): the three services' log-format tests format a record with it.
 */
public final class ConsoleFormat {

    private ConsoleFormat() {
    }

    public static Formatter formatter() {
        List<Handler> todo = new ArrayList<>(List.of(LogContext.getLogContext().getLogger("").getHandlers()));
        while (!todo.isEmpty()) {
            Handler h = todo.remove(0);
            if (h instanceof ConsoleHandler) {
                return h.getFormatter();
            }
            if (h instanceof ExtHandler ext) {
                todo.addAll(List.of(ext.getHandlers()));
            }
        }
        throw new AssertionError("no console handler is installed");
    }
}
