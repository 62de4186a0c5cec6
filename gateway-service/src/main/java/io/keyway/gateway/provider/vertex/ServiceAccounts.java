package io.keyway.gateway.provider.vertex;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import io.keyway.contracts.credentials.VertexCredential;
import io.keyway.gateway.provider.TenantAddresses;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * What the Vertex adapter keeps per service-account key: the region the key file names, and its OAuth2 access token.
 * The token comes from google-auth-library ({@code ServiceAccountCredentials}, scope cloud-platform, the JWT bearer
 * grant at the key's {@code token_uri}) over a transport that trusts what the gateway's upstream client trusts. The
 * exchange blocks, so it runs on a worker thread, never on an event loop; one exchange per key is in flight at a time,
 * and every request that needs the key's token meanwhile waits for that one. A token is reused until
 * {@value #REFRESH_MARGIN_MINUTES} minutes (or half its lifetime, if shorter) before it expires.
 * <p>
 * Keyed by the credential record: equal for the same key file however often it is parsed, different once the key is
 * rotated, and printed with its secret masked. A key not used for {@link #IDLE} (a token's lifetime) is dropped at the
 * next exchange. Tokens leave this class only for the request's {@code Authorization} header and are never logged.
 */
final class ServiceAccounts {

    static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/cloud-platform");
    static final int REFRESH_MARGIN_MINUTES = 5;
    private static final Duration REFRESH_MARGIN = Duration.ofMinutes(REFRESH_MARGIN_MINUTES);
    /** Google's service-account tokens last an hour; a key unused for longer has no token worth keeping. */
    static final Duration IDLE = Duration.ofHours(1);
    private static final int MAX_RAW_CHARS = 500;

    private final Vertx vertx;
    private final ObjectMapper json;
    private final HttpTransportFactory transport;
    /** The key's {@code token_uri} is the tenant's choice: checked before each exchange. */
    private final TenantAddresses addresses;
    private final Map<VertexCredential, ServiceAccount> accounts = new ConcurrentHashMap<>();

    /** @param tls the TLS the gateway's upstream client uses (its trusted authorities), for the token endpoint */
    ServiceAccounts(Vertx vertx, ObjectMapper json, SSLContext tls, TenantAddresses addresses) {
        this.vertx = vertx;
        this.json = json;
        this.addresses = addresses;
        NetHttpTransport shared = new NetHttpTransport.Builder().setSslSocketFactory(tls.getSocketFactory()).build();
        this.transport = () -> shared;
    }

    ServiceAccount of(VertexCredential key) {
        ServiceAccount account = accounts.computeIfAbsent(key, ServiceAccount::new);
        account.lastUsed = System.nanoTime();
        return account;
    }

    /** A token as issued: its value, and when to exchange the key again. */
    private record Issued(String value, Instant refreshAt) {
    }

    final class ServiceAccount {

        private final VertexCredential key;
        /** The key file's own {@code region}, or null when it names none (the record then says "global"). */
        private final String region;
        private volatile Issued token;
        private volatile long lastUsed;
        /** The latest exchange, in flight or done; guarded by this. */
        private Future<Issued> exchange;
        /** Made by the first exchange and reused by later ones; touched only by the one exchange in flight. */
        private volatile GoogleCredentials credentials;

        private ServiceAccount(VertexCredential key) {
            this.key = key;
            String named;
            try {
                named = json.readTree(key.serviceAccountJson()).path("region").asText(null);
            } catch (IOException e) { // parsed by contracts already: cannot happen
                named = null;
            }
            this.region = named;
            this.lastUsed = System.nanoTime();
        }

        String region() {
            return region;
        }

        /**
         * The access token, exchanged first when there is none or it is due for refresh; completes on the caller's
         * context. Fails with an {@link UpstreamError} (the token endpoint refused the key: 401, the key's fault; or
         * failed: 5xx, the endpoint's) or an {@link UpstreamException} (no answer).
         */
        Future<String> accessToken() {
            Issued current = token;
            if (current != null && Instant.now().isBefore(current.refreshAt())) {
                return Future.succeededFuture(current.value());
            }
            Future<Issued> pending;
            synchronized (this) {
                current = token; // an exchange may have finished since the read above
                if (current != null && Instant.now().isBefore(current.refreshAt())) {
                    return Future.succeededFuture(current.value());
                }
                if (exchange == null || exchange.isComplete()) { // none yet, or the last one failed
                    exchange = exchange();
                }
                pending = exchange;
            }
            return onCallersContext(pending.map(Issued::value));
        }

        /** Vertex refused {@code value} (revoked, or expired early): the next request exchanges the key again. */
        void refused(String value) {
            Issued current = token;
            if (current != null && current.value().equals(value)) {
                token = null;
            }
        }

        private Future<Issued> exchange() {
            sweep();
            return vertx.<Issued>executeBlocking(() -> {
                // Checked right before the library connects: it resolves the name through the JVM's DNS cache, the
                // same answer this check just read.
                addresses.check(URI.create(key.tokenUri()).getHost(), "token_uri");
                if (credentials == null) {
                    credentials = read(key);
                }
                Instant now = Instant.now();
                AccessToken issued = credentials.refreshAccessToken();
                Instant expiry = issued.getExpirationTime() == null ? now.plus(REFRESH_MARGIN.multipliedBy(2))
                        : issued.getExpirationTime().toInstant();
                Duration margin = Duration.between(now, expiry).dividedBy(2);
                Issued fresh = new Issued(issued.getTokenValue(),
                        expiry.minus(margin.compareTo(REFRESH_MARGIN) < 0 ? margin : REFRESH_MARGIN));
                token = fresh;
                return fresh;
            }, false).recover(t -> Future.failedFuture(failure(t)));
        }

        private GoogleCredentials read(VertexCredential key) {
            try {
                // Without the library's own retries (1 + 2 + 4 s of back-off on a connect error): the router tries
                // the next key at once, and the next request exchanges this one again.
                return ServiceAccountCredentials.fromStream(
                        new ByteArrayInputStream(key.serviceAccountJson().getBytes(StandardCharsets.UTF_8)), transport)
                        .createWithCustomRetryStrategy(false).createScoped(SCOPES);
            } catch (IOException | RuntimeException e) {
                // The library's message may quote the key file: only the verdict goes on.
                throw new UpstreamError(401, "the service account key cannot be read by google-auth-library", false,
                        UpstreamError.Blame.CREDENTIAL);
            }
        }
    }

    /** Drops the keys not used for {@link #IDLE} (rotated or deleted ones among them). */
    private void sweep() {
        long idleBefore = System.nanoTime() - IDLE.toNanos();
        accounts.values().removeIf(a -> a.lastUsed - idleBefore < 0);
    }

    /**
     * A refused exchange (the token endpoint answered 4xx: invalid_grant for a deleted, disabled or wrong key) is the
     * key's failure, as a 401 retryable on another key; the token endpoint failing (5xx) is the endpoint's; no answer
     * at all is an {@link UpstreamException}. The raw text is the token endpoint's error body, which holds no secret.
     */
    static Throwable failure(Throwable t) {
        if (t instanceof UpstreamError) {
            return t;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HttpResponseException r) {
                String content = r.getContent() == null ? "" : r.getContent().strip();
                String raw = "Google token exchange failed: " + r.getStatusCode() + " "
                        + (content.length() <= MAX_RAW_CHARS ? content : content.substring(0, MAX_RAW_CHARS));
                return r.getStatusCode() >= 500
                        ? new UpstreamError(r.getStatusCode(), raw, false, UpstreamError.Blame.ENDPOINT)
                        : new UpstreamError(401, raw, false, UpstreamError.Blame.CREDENTIAL);
            }
        }
        Throwable root = t; // the socket's own exception, inside the library's wrappers
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return UpstreamException.of(root);
    }

    /** The waiting request goes on on its own event loop, not on the one that started the exchange. */
    private static <T> Future<T> onCallersContext(Future<T> shared) {
        Context caller = Vertx.currentContext();
        if (caller == null) {
            return shared;
        }
        Promise<T> own = Promise.promise();
        shared.onComplete(result -> {
            if (Vertx.currentContext() == caller) {
                own.handle(result);
            } else {
                caller.runOnContext(v -> own.handle(result));
            }
        });
        return own.future();
    }
}
