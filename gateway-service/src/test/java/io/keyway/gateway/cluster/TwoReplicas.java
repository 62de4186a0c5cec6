package io.keyway.gateway.cluster;

import io.keyway.gateway.it.KeywayServices;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One stack for every cluster test class: the real key-service, billing-service, broker and PostgreSQL, and two gateway
 * processes from this module's packaged jar. Started by the first class that needs it and stopped when the test run
 * ends (JUnit closes resources kept in the root store), so the classes share one start-up (about 85 s on CI) instead of
 * paying it each. Classes must not depend on what another class's requests left: each seeds accounts of its own.
 */
public final class TwoReplicas implements BeforeAllCallback {

    private static volatile Stack stack;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(TwoReplicas.class, k -> start(), Stack.class);
    }

    /** The replicas' base URLs (two), once the stack is up. */
    static List<String> urls() {
        if (stack == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(TwoReplicas.class)");
        }
        return stack.urls;
    }

    /**
     * One more gateway process against the shared services, with {@code extra} settings over theirs (a class that needs a
     * gateway configured differently); the caller stops it with {@link KeywayServices#stopProcess}. Its base URL is
     * {@code http://127.0.0.1:<port>} with the port returned in {@code port[0]}.
     */
    static Process launchGateway(Map<String, String> extra, String logName, int[] port) throws Exception {
        if (stack == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(TwoReplicas.class)");
        }
        port[0] = freePort();
        return KeywayServices.launchGateway(port[0], stack.config, extra, Path.of("target/keyway-it").resolve(logName));
    }

    private static Stack start() {
        Stack started = new Stack();
        try {
            Map<String, String> config = started.services.start();
            started.config = config;
            Path logs = Path.of("target/keyway-it");
            for (int i = 1; i <= 2; i++) {
                int port = freePort();
                started.gateways.add(KeywayServices.launchGateway(port, config, Map.of(),
                        logs.resolve("gateway-replica-" + i + ".log")));
                started.urls.add("http://127.0.0.1:" + port);
            }
        } catch (Exception e) {
            started.close();
            throw new IllegalStateException("the two-replica stack did not start", e);
        }
        stack = started;
        return started;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static final class Stack implements ExtensionContext.Store.CloseableResource {
        final KeywayServices services = new KeywayServices();
        final List<Process> gateways = new ArrayList<>();
        final List<String> urls = new ArrayList<>();
        Map<String, String> config;

        @Override
        public void close() {
            gateways.forEach(KeywayServices::stopProcess);
            services.stop();
            stack = null;
        }
    }
}
