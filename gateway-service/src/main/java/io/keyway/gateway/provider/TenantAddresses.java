package io.keyway.gateway.provider;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.keyway.contracts.credentials.TenantNetworks;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where a connection to a host taken from a tenant's key (an Azure deployment's {@code endpoint_url}, a Vertex key's
 * {@code token_uri}) may go. The host is resolved here, every address it resolves to is checked against
 * {@link TenantNetworks} (loopback, link-local, private ranges are refused unless the operator allows them in
 * {@code keyway.tenant-urls.allowed-networks}), and the connection goes to the checked address itself — Vert.x does
 * not resolve the name a second time, so a DNS answer that changes between check and connect (rebinding) cannot
 * slip through. Answers are kept for {@link #TTL} and refreshed in the background; a refused host is a failure of the
 * key that named it, never of the endpoint.
 */
@Singleton
public class TenantAddresses {

    /** How long a resolution is used; about the JVM's own positive DNS cache. */
    static final Duration TTL = Duration.ofSeconds(30);

    /** A host's verdict: the address to connect to, or why there is none. */
    record Resolved(InetAddress address, int status, String refusal) {
    }

    private final TenantNetworks networks;
    private final AsyncLoadingCache<String, Resolved> resolved;

    @Inject
    public TenantAddresses(@ConfigProperty(name = "keyway.tenant-urls.allowed-networks")
                           Optional<List<String>> allowedNetworks) {
        this(TenantNetworks.allowing(allowedNetworks.orElse(List.of())));
    }

    TenantAddresses(TenantNetworks networks) {
        this.networks = networks;
        this.resolved = Caffeine.newBuilder()
                .refreshAfterWrite(TTL)
                .expireAfterWrite(TTL.multipliedBy(4))
                .maximumSize(10_000)
                .buildAsync(this::resolve); // on the common pool: a lookup blocks
    }

    /**
     * The checked address to connect to for {@code host}, or a failure with the key's blame: {@link UpstreamError}
     * 403 when the host leads into an internal network, 502 when it does not resolve.
     */
    public Future<SocketAddress> address(String host, int port, String field) {
        CompletableFuture<Resolved> pending = resolved.get(host);
        if (pending.isDone() && !pending.isCompletedExceptionally()) {
            return verdict(pending.join(), port, field);
        }
        return Future.fromCompletionStage(pending, Vertx.currentContext()).compose(r -> verdict(r, port, field));
    }

    /**
     * The same check for a caller off the event loop that connects by name itself (a library's blocking token
     * exchange): resolved now, through the JVM's DNS cache, which the caller's connection then reads too.
     */
    public void check(String host, String field) {
        Resolved r = resolve(host);
        if (r.refusal() != null) {
            throw refused(r, field);
        }
    }

    private static Future<SocketAddress> verdict(Resolved r, int port, String field) {
        if (r.refusal() != null) {
            return Future.failedFuture(refused(r, field));
        }
        return Future.succeededFuture(SocketAddress.inetSocketAddress(port, r.address().getHostAddress()));
    }

    private static UpstreamError refused(Resolved r, String field) {
        return new UpstreamError(r.status(), "the key's " + field + " " + r.refusal(), false,
                UpstreamError.Blame.CREDENTIAL);
    }

    private Resolved resolve(String host) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return new Resolved(null, 502, "does not resolve to an address");
        }
        for (InetAddress a : all) { // one internal answer among public ones refuses the host: any may be used
            if (!networks.permits(a)) {
                return new Resolved(null, 403, TenantNetworks.REFUSAL);
            }
        }
        return new Resolved(all[0], 0, null);
    }
}
