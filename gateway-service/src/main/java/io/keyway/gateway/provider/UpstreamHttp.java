package io.keyway.gateway.provider;

import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.ProviderSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jboss.logging.Logger;

/**
 * The HTTP side every adapter shares: pooled keep-alive connections, one pool per event loop, the connect and idle
 * timeouts, cancellation, and failures without an answer turned into {@link UpstreamException}s. Adapters build the
 * request (URL, headers, body); this sends it, marks the attempt {@link Acceptance accepted} once the request is
 * written in full, and hands back the response head with its body paused.
 * <p>
 * The idle timeout (no byte for this long ends the exchange) is {@code first-byte-timeout} for streamed calls: a
 * stream's first event and every later one come as the answer is generated. A non-streamed answer sends nothing until
 * it is complete, so its wait is the provider's catalog option {@code non_streamed_first_byte_timeout}, by default the
 * total timeout — then no idle timeout is set at all, and the executor's total timeout alone ends the call (so a long
 * whole answer counts as the request's length, not as the endpoint's silence: {@code Culprit}).
 */
@Singleton
public class UpstreamHttp {

    private static final Logger LOG = Logger.getLogger(UpstreamHttp.class);

    public static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    public static final CharSequence ACCEPT = HttpHeaders.createOptimized("Accept");
    public static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    public static final CharSequence TEXT_EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");

    /** Where a request goes: parsed once per URL and kept by the adapter. */
    public record Target(String host, int port, boolean ssl, String uri) {

        public static Target of(String url) {
            URI u = URI.create(url);
            boolean ssl = "https".equalsIgnoreCase(u.getScheme());
            int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            return new Target(u.getHost(), port, ssl, u.getRawQuery() == null ? path : path + "?" + u.getRawQuery());
        }

        /** The same host with another path (and query). */
        public Target withUri(String uri) {
            return new Target(host, port, ssl, uri);
        }
    }

    private final Vertx vertx;
    private final HttpClientOptions clientOptions;
    private final PoolOptions poolOptions;
    /**
     * One client, so one connection pool, per event loop: a request's upstream connection is served by the request's
     * own event loop, so neither the write of the request nor the reads of the answer hop to another thread.
     */
    private final ThreadLocal<HttpClient> perEventLoop;
    /** For a call made off the event loops (not the request path). */
    private final HttpClient shared;
    private final long idleTimeoutMs;
    private final long totalTimeoutMs;
    /** Non-streamed idle timeout per provider slug (0: none, the total timeout governs); the catalog is fixed. */
    private final ConcurrentHashMap<String, Long> nonStreamedIdleMs = new ConcurrentHashMap<>();
    private final SSLContext sslContext;
    private final Limits limits;

    /**
     * How much of an upstream's answer the gateway reads at most (bytes): a whole answer, an error body, one SSE line,
     * and what a stream sends before its first event. A breach fails the attempt as retryable ({@code TOO_LARGE}).
     */
    public record Limits(int body, int errorBody, int sseLine, int beforeFirstEvent) {

        static Limits of(GatewayConfig.Upstream upstream) {
            return new Limits(upstream.maxBodyBytes(), upstream.maxErrorBodyBytes(), upstream.maxSseLineBytes(),
                    upstream.maxBytesBeforeFirstEvent());
        }
    }

    public UpstreamHttp(Vertx vertx, GatewayConfig config) {
        var upstream = config.upstream();
        this.vertx = vertx;
        this.clientOptions = new HttpClientOptions()
                .setConnectTimeout((int) upstream.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setPipelining(false)
                // traced as Keyway's own attempt spans (service/RequestTrace); no trace context goes to a provider
                .setTracingPolicy(TracingPolicy.IGNORE);
        TrustManagerFactory trust = upstream.trustCertificates().map(pem -> trust(Path.of(pem))).orElse(null);
        if (trust != null) {
            clientOptions.setTrustOptions(TrustOptions.wrap(trust));
        }
        this.sslContext = sslContext(trust);
        // A bounded queue: past it Vert.x fails the request with ConnectionPoolTooBusyException (a 503, see
        // UpstreamException.Kind.QUEUE_FULL) instead of holding requests without end.
        this.poolOptions = new PoolOptions().setHttp1MaxSize(upstream.maxPoolSize())
                .setMaxWaitQueueSize(upstream.maxWaitQueue());
        this.perEventLoop = ThreadLocal.withInitial(this::newClient);
        this.shared = newClient();
        this.idleTimeoutMs = upstream.firstByteTimeout().toMillis();
        this.totalTimeoutMs = upstream.totalTimeout().toMillis();
        this.limits = Limits.of(upstream);
    }

    private HttpClient newClient() {
        return vertx.createHttpClient(clientOptions, poolOptions);
    }

    private HttpClient http() {
        return Context.isOnEventLoopThread() ? perEventLoop.get() : shared;
    }

    /**
     * A POST to {@code target} for {@code request} with its idle timeout (no byte for this long — head, first chunk,
     * or between chunks — ends the exchange: see the class comment for streamed and non-streamed calls) and the
     * content type and accept headers set; the adapter adds its own.
     */
    public RequestOptions post(Target target, UpstreamRequest request) {
        return new RequestOptions().setMethod(HttpMethod.POST)
                .setHost(target.host()).setPort(target.port()).setSsl(target.ssl()).setURI(target.uri())
                .setIdleTimeout(request.stream() ? idleTimeoutMs : nonStreamedIdleTimeoutMs(request.provider()))
                .putHeader(CONTENT_TYPE, APPLICATION_JSON)
                .putHeader(ACCEPT, request.stream() ? TEXT_EVENT_STREAM : APPLICATION_JSON);
    }

    /** The provider's option when shorter than the total timeout; otherwise 0 (none: the total timeout ends it). */
    long nonStreamedIdleTimeoutMs(ProviderSpec provider) {
        return nonStreamedIdleMs.computeIfAbsent(provider.slug(), slug -> {
            Duration d = provider.nonStreamedFirstByteTimeout();
            return d == null || d.toMillis() >= totalTimeoutMs ? 0L : d.toMillis();
        });
    }

    /** An exchange in flight: its response head (body paused), and a way to end it at any point. */
    public record Exchange(Future<Head> head, Runnable cancel) {
    }

    /** A response head whose body is paused: the adapter reads it whole or as a stream, within {@code limits}. */
    public record Head(HttpClientRequest request, HttpClientResponse response, Limits limits) {

        public int status() {
            return response.statusCode();
        }

        /** Ends the exchange; the connection is not reused. */
        public void abort() {
            request.reset();
        }

        /**
         * The whole body (for JSON answers and error bodies), at most {@link Limits#body} bytes (an error status:
         * {@link Limits#errorBody}); a larger one ends the exchange and fails with {@code TOO_LARGE}.
         */
        public Future<Buffer> body() {
            int limit = status() >= 400 ? limits.errorBody() : limits.body();
            String declared = response.getHeader("Content-Length");
            long length = declared != null && declared.length() < 19 && isDigits(declared) ? Long.parseLong(declared) : -1;
            if (length > limit) {
                UpstreamException tooLarge = tooLarge("body of " + declared + " bytes", limit);
                abort();
                return Future.failedFuture(tooLarge);
            }
            Promise<Buffer> whole = Promise.promise();
            Buffer read = Buffer.buffer(length >= 0 ? (int) length : 4096);
            response.handler(buf -> {
                if (whole.future().isComplete()) {
                    return;
                }
                if (read.length() + buf.length() > limit) {
                    whole.tryFail(tooLarge("body", limit)); // first: the reset below fails the response too
                    abort();
                } else {
                    read.appendBuffer(buf);
                }
            });
            response.exceptionHandler(t -> whole.tryFail(UpstreamException.of(t)));
            response.endHandler(v -> whole.tryComplete(read));
            response.resume();
            return whole.future();
        }

        /**
         * The failure of an answer over a limit, logged once per breach with the upstream's host and the setting (never
         * with the body). The caller fails its attempt with it, then ends the exchange ({@link #abort}).
         */
        public UpstreamException tooLarge(String what, int limit) {
            LOG.warnf("upstream %s sent a %s larger than the %d bytes the gateway reads (keyway.gateway.upstream.*"
                    + " limits); the attempt failed as retryable", request.getHost(), what, limit);
            return new UpstreamException(UpstreamException.Kind.TOO_LARGE,
                    "upstream answer too large: " + what + " over " + limit + " bytes");
        }

        private static boolean isDigits(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return false;
                }
            }
            return !s.isEmpty();
        }
    }

    /** Sends {@code body}; {@code request}'s {@link Acceptance} is set once it is written in full. */
    public Exchange send(UpstreamRequest request, RequestOptions options, Buffer body) {
        return send(null, options, body, request.acceptance());
    }

    /**
     * As above, to an address checked first ({@link TenantAddresses}): the connection goes to that address, not to a
     * new resolution of the host; a refused address fails the exchange with its own {@link UpstreamError}.
     */
    public Exchange send(Future<SocketAddress> server, UpstreamRequest request, RequestOptions options, Buffer body) {
        return send(server, options, body, request.acceptance());
    }

    private Exchange send(Future<SocketAddress> server, RequestOptions options, Buffer body, Acceptance acceptance) {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        Future<HttpClientRequest> connected = server == null ? http().request(options)
                : server.compose(address -> http().request(options.setServer(address)));
        Future<Head> head = connected.compose(req -> {
            if (cancelled.get()) { // cancelled while waiting for a connection
                req.reset();
                return Future.failedFuture(new UpstreamException(UpstreamException.Kind.TIMEOUT, "cancelled"));
            }
            sent.set(req);
            req.end(body).onSuccess(v -> acceptance.accepted()); // completes once the last byte is written
            return req.response().map(resp -> {
                resp.pause(); // the adapter decides how to read the body
                return new Head(req, resp, limits);
            });
        }).recover(t -> Future.failedFuture(t instanceof UpstreamError ? t : UpstreamException.of(t)));
        return new Exchange(head, () -> {
            cancelled.set(true);
            HttpClientRequest req = sent.get();
            if (req != null) {
                req.reset();
            }
        });
    }

    /**
     * TLS for an upstream client that is not this one (a provider library's own HTTP transport, e.g. Google's token
     * exchange), trusting what this client trusts.
     */
    public SSLContext sslContext() {
        return sslContext;
    }

    private static SSLContext sslContext(TrustManagerFactory trust) {
        try {
            if (trust == null) {
                return SSLContext.getDefault();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS context for upstream calls", e);
        }
    }

    /**
     * The JVM's trusted authorities plus the certificates of a PEM file (an operator's private CA, or a test's
     * self-signed upstream stand-in).
     */
    static TrustManagerFactory trust(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jvm.init((KeyStore) null);
            int i = 0;
            for (TrustManager tm : jvm.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("jvm-" + i++, c);
                    }
                }
            }
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("extra-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("keyway.gateway.upstream.trust-certificates: cannot read " + pem
                    + " as PEM certificates (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
