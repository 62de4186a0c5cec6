package io.keyway.gateway.standin;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A STAND-IN for an OpenTelemetry collector's OTLP/HTTP receiver (not a real collector), on loopback: it takes every
 * {@code POST} (the SDK's exporter sends protobuf {@code ExportTraceServiceRequest}s to {@code /v1/traces}), answers
 * {@code 200} with an empty protobuf body (an empty {@code ExportTraceServiceResponse}: everything accepted), counts
 * requests and bytes, and keeps the first {@link #KEPT_BYTES} bytes it received so that a test can look for the
 * strings the spans carry (protobuf writes strings as their UTF-8 bytes). It decodes nothing: what costs the gateway —
 * creating, batching, encoding and sending spans — is all real.
 */
public final class OtlpCollectorStandIn implements AutoCloseable {

    static final int KEPT_BYTES = 4 * 1024 * 1024;

    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    public OtlpCollectorStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if ("POST".equals(exchange.getRequestMethod())) {
                    requests.incrementAndGet();
                    bytes.addAndGet(body.length);
                    synchronized (kept) {
                        kept.write(body, 0, Math.min(body.length, Math.max(0, KEPT_BYTES - kept.size())));
                    }
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "otlp-collector-standin");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The endpoint to configure ({@code keyway.otel.endpoint}, with protocol {@code http/protobuf}). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Export requests received. */
    public long requests() {
        return requests.get();
    }

    /** Bytes of export requests received. */
    public long bytes() {
        return bytes.get();
    }

    /** Whether the kept bytes hold {@code text} (UTF-8). */
    public boolean received(String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        byte[] hay;
        synchronized (kept) {
            hay = kept.toByteArray();
        }
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
