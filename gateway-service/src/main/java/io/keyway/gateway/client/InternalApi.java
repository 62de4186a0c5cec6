package io.keyway.gateway.client;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import java.net.URI;
import java.time.Duration;

/**
 * Another Keyway service's {@code /internal/v1} API: where it is (a base URL, http or https, maybe with a path), the
 * gateway's own token and trusted CA bundle ({@link InternalCredentials}), and a keep-alive connection pool to it.
 */
final class InternalApi {

    private final HttpClient http;
    private final String host;
    private final int port;
    private final boolean ssl;
    private final String basePath;
    private final String authorization;

    InternalApi(Vertx vertx, String baseUrl, InternalCredentials credentials, int maxPoolSize) {
        URI uri = URI.create(baseUrl);
        this.ssl = "https".equalsIgnoreCase(uri.getScheme());
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
        this.basePath = uri.getPath() == null ? "" : uri.getPath().replaceAll("/$", "");
        this.authorization = credentials.authorization();
        this.http = vertx.createHttpClient(credentials.trust(new HttpClientOptions().setSsl(ssl).setConnectTimeout(2000)
                .setMaxPoolSize(maxPoolSize).setKeepAlive(true)));
    }

    /** A JSON GET of {@code path} (below the base URL) with the gateway's token, given up after {@code idle} of silence. */
    RequestOptions get(String path, Duration idle) {
        return new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setSsl(ssl)
                .setURI(basePath + path).putHeader("Authorization", authorization)
                .putHeader("Accept", "application/json").setIdleTimeout(idle.toMillis());
    }

    /** A JSON POST to {@code path} (below the base URL) with the gateway's token. */
    RequestOptions post(String path, Duration idle) {
        return new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setSsl(ssl)
                .setURI(basePath + path).putHeader("Authorization", authorization)
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "application/json").setIdleTimeout(idle.toMillis());
    }

    HttpClient http() {
        return http;
    }
}
