package io.keyway.keys.service;

import io.keyway.contracts.RoutingView;
import io.keyway.keys.model.Account;
import io.keyway.keys.model.AccountSettings;
import io.keyway.keys.model.ByokKey;
import io.keyway.keys.model.PooledCredential;
import io.keyway.contracts.KeyChange;
import io.keyway.keys.secrets.SecretNotFoundException;
import io.keyway.keys.secrets.SecretOwner;
import io.keyway.keys.secrets.SecretStoreUnavailableException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * An account's routing view for the gateway (GET /internal/v1/accounts/{id}/routing-view): enabled BYOK keys with
 * their credentials, settings, and the platform's pooled credentials. Its version is
 * "{account change sequence}.{platform change sequence}", so an unchanged view costs the gateway one small query
 * (304) and no secret read. Every secret read is audited.
 *
 * <p>A view is built from each secret as its store has it now, never from this replica's {@code cache-ttl} copy: a
 * rotation handled by another replica bumps the change sequence at once but refreshes only that replica's cache, and
 * a stale secret under the new version would be kept by the gateway on every 304. A view that had to use a stale copy
 * (store down) gets a version of its own ("….stale-…") that no later request matches, so the gateway's next
 * revalidation gets a fresh view once the store answers again.
 *
 * <p>A store that cannot answer (and has no copy within its stale window) does not fail the view: only the credentials
 * kept there lose their secret. They stay in the view with a null credential (their flags, always use and byok only,
 * still steer routing) and are named in {@code left_out} with the reason; pooled credentials and keys of other stores
 * are served as usual. Such a partial view gets a version of its own ("….partial-…", from the ids left out), so the
 * gateway's next revalidation gets the full view once the store answers again.
 */
@ApplicationScoped
public class RoutingViewService {

    private static final Logger LOG = Logger.getLogger(RoutingViewService.class);

    /** A view, or only its version when the caller's copy is current. */
    public record Result(String version, RoutingView view) {
    }

    private record Loaded(String version, AccountSettings settings, List<ByokKey> byok, List<PooledCredential> pooled) {
    }

    /** One credential's secret as read; {@code secret} null when the store has none ({@code unavailable} false) or cannot answer. */
    private record Read(String kind, String id, String provider, String secret, boolean stale, boolean unavailable) {
        @Override
        public String toString() {
            return "Read[" + kind + " " + id + "]";
        }
    }

    private final SecretAccess secrets;
    private final AuditLog audit;

    public RoutingViewService(SecretAccess secrets, AuditLog audit) {
        this.secrets = secrets;
        this.audit = audit;
    }

    /** The gateway's read (the only service whose token may read a view); null when the account does not exist. */
    public Uni<Result> view(UUID accountId, String ifNoneMatch) {
        return view(accountId, ifNoneMatch, "gateway");
    }

    /**
     * Null when the account does not exist. {@code service} names the reader in the audit log: one {@code secret_read}
     * row per secret per view built, none for a 304, never one per completion request (the gateway caches the view).
     */
    public Uni<Result> view(UUID accountId, String ifNoneMatch, String service) {
        return Panache.withSession(() -> Account.<Account>findById(accountId).flatMap(account -> {
            if (account == null) {
                return Uni.createFrom().nullItem();
            }
            return Versions.platformSeq().flatMap(platform -> {
                String version = account.changeSeq + "." + platform;
                if (matches(ifNoneMatch, version)) {
                    return Uni.createFrom().item(new Loaded(version, null, null, null));
                }
                return AccountSettings.<AccountSettings>findById(accountId).flatMap(settings -> ByokKey.<ByokKey>list(
                                "accountId = ?1 and enabled = true order by case when section = 'PRIORITIZED' then 0 else 1 end,"
                                        + " provider, position", accountId)
                        .flatMap(byok -> PooledCredential.<PooledCredential>list("order by provider, position")
                                .map(pooled -> new Loaded(version, settings, byok, pooled))));
            });
        })).flatMap(loaded -> {
            if (loaded == null) {
                return Uni.createFrom().nullItem();
            }
            if (loaded.settings() == null) {
                return Uni.createFrom().item(new Result(loaded.version(), null));
            }
            return withCredentials(accountId, loaded, Caller.service(service));
        });
    }

    private Uni<Result> withCredentials(UUID accountId, Loaded loaded, Caller reader) {
        List<Uni<Read>> reads = new ArrayList<>();
        for (ByokKey k : loaded.byok()) {
            reads.add(read("byok_key", k.id, k.provider, k.secretStore, k.secretLocator,
                    new SecretOwner(accountId.toString(), k.provider, k.id.toString())));
        }
        for (PooledCredential c : loaded.pooled()) {
            reads.add(read("pooled_credential", c.id, c.provider, c.secretStore, c.secretLocator,
                    new SecretOwner(KeyChange.PLATFORM, c.provider, c.id.toString())));
        }
        // One at a time: a store (local) may use the database through the same Vert.x context.
        return Multi.createFrom().iterable(reads).onItem().transformToUniAndConcatenate(u -> u).collect().asList()
                .flatMap(done -> Panache.withTransaction(() -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Read r : done) {
                        if (r.secret() != null) {
                            chain = chain.flatMap(v -> audit.record(reader, accountId, AuditTrail.SECRET_READ, r.kind(),
                                    r.id(), "purpose=" + AuditTrail.PURPOSE_ROUTING_VIEW));
                        }
                    }
                    return chain;
                }).replaceWith(done))
                .map(done -> {
                    List<RoutingView.ByokKey> byok = new ArrayList<>();
                    List<RoutingView.LeftOut> leftOut = new ArrayList<>();
                    int i = 0;
                    for (ByokKey k : loaded.byok()) {
                        Read r = done.get(i++);
                        if (r.secret() != null || r.unavailable()) {
                            byok.add(new RoutingView.ByokKey(k.id.toString(), k.provider, k.section, k.position, k.alwaysUse,
                                    k.allowedModels, k.allowedApiKeyIds, credential(r),
                                    k.byokOnly, k.declaredZdr, k.allowedUserIds));
                        }
                        if (r.unavailable()) {
                            leftOut.add(new RoutingView.LeftOut(RoutingView.LeftOut.BYOK_KEY, r.id(), r.provider(),
                                    RoutingView.SECRET_STORE_UNAVAILABLE));
                        }
                    }
                    List<RoutingView.PooledCredential> pooled = new ArrayList<>();
                    for (PooledCredential c : loaded.pooled()) {
                        Read r = done.get(i++);
                        if (r.secret() != null || r.unavailable()) {
                            pooled.add(new RoutingView.PooledCredential(c.id.toString(), c.provider, credential(r)));
                        }
                        if (r.unavailable()) {
                            leftOut.add(new RoutingView.LeftOut(RoutingView.LeftOut.POOLED_CREDENTIAL, r.id(),
                                    r.provider(), RoutingView.SECRET_STORE_UNAVAILABLE));
                        }
                    }
                    AccountSettings s = loaded.settings();
                    String version = loaded.version();
                    if (!leftOut.isEmpty()) {
                        version += ".partial-" + leftOutTag(leftOut);
                    }
                    if (done.stream().anyMatch(Read::stale)) {
                        version += ".stale-" + UUID.randomUUID();
                    }
                    return new Result(version, new RoutingView(accountId.toString(), version,
                            s.byokPrecedence, List.copyOf(s.ignoredProviders), byok, pooled, List.copyOf(leftOut),
                            s.rateLimit(), s.maxConcurrentRequests));
                });
    }

    /**
     * A secret the store no longer has drops its key from the view (it cannot be used, ever); a store that cannot
     * answer leaves only this credential's secret out, marked {@code unavailable}.
     */
    private Uni<Read> read(String kind, UUID id, String provider, String store, String locator, SecretOwner owner) {
        return Uni.createFrom().deferred(() -> secrets.readCurrent(store, locator, owner))
                .map(c -> new Read(kind, id.toString(), provider, c.value().value(), c.stale(), false))
                .onFailure(SecretNotFoundException.class).recoverWithItem(f -> {
                    LOG.warnf("%s %s has no secret in store '%s'; left out of the routing view", kind, id, store);
                    return new Read(kind, id.toString(), provider, null, false, false);
                })
                .onFailure(SecretStoreUnavailableException.class).recoverWithItem(f -> {
                    LOG.warnf("%s %s is left out of the routing view: %s", kind, id, f.getMessage());
                    return new Read(kind, id.toString(), provider, null, false, true);
                });
    }

    private static RoutingView.Credential credential(Read r) {
        return r.secret() == null ? null : new RoutingView.Credential(r.secret());
    }

    /** The same credentials left out give the same tag: a short digest of their ids. */
    static String leftOutTag(List<RoutingView.LeftOut> leftOut) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (RoutingView.LeftOut l : leftOut) {
                digest.update(l.id().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(digest.digest(), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean matches(String ifNoneMatch, String version) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.replace("\"", "").equals(version)) {
                return true;
            }
        }
        return false;
    }
}
