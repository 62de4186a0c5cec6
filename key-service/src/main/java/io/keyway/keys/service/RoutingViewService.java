package io.keyway.keys.service;

import io.keyway.contracts.RoutingView;
import io.keyway.keys.model.Account;
import io.keyway.keys.model.AccountSettings;
import io.keyway.keys.model.ByokKey;
import io.keyway.keys.model.PooledCredential;
import io.keyway.keys.secrets.SecretNotFoundException;
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
 */
@ApplicationScoped
public class RoutingViewService {

    private static final Logger LOG = Logger.getLogger(RoutingViewService.class);

    /** A view, or only its version when the caller's copy is current. */
    public record Result(String version, RoutingView view) {
    }

    private record Loaded(String version, AccountSettings settings, List<ByokKey> byok, List<PooledCredential> pooled) {
    }

    private record Read(String kind, String id, String provider, String secret) {
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

    /** Null when the account does not exist. */
    public Uni<Result> view(UUID accountId, String ifNoneMatch) {
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
            return withCredentials(accountId, loaded);
        });
    }

    private Uni<Result> withCredentials(UUID accountId, Loaded loaded) {
        List<Uni<Read>> reads = new ArrayList<>();
        for (ByokKey k : loaded.byok()) {
            reads.add(read("byok_key", k.id, k.provider, k.secretStore, k.secretLocator));
        }
        for (PooledCredential c : loaded.pooled()) {
            reads.add(read("pooled_credential", c.id, c.provider, c.secretStore, c.secretLocator));
        }
        // One at a time: a store (local) may use the database through the same Vert.x context.
        return Multi.createFrom().iterable(reads).onItem().transformToUniAndConcatenate(u -> u).collect().asList()
                .flatMap(done -> Panache.withTransaction(() -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Read r : done) {
                        if (r.secret() != null) {
                            chain = chain.flatMap(v -> audit.record(Caller.INTERNAL, accountId, "secret_read", r.kind(),
                                    r.id(), "routing-view"));
                        }
                    }
                    return chain;
                }).replaceWith(done))
                .map(done -> {
                    List<RoutingView.ByokKey> byok = new ArrayList<>();
                    int i = 0;
                    for (ByokKey k : loaded.byok()) {
                        Read r = done.get(i++);
                        if (r.secret() != null) {
                            byok.add(new RoutingView.ByokKey(k.id.toString(), k.provider, k.section, k.position, k.alwaysUse,
                                    k.allowedModels, k.allowedApiKeyIds, new RoutingView.Credential(r.secret()),
                                    k.byokOnly, k.declaredZdr, k.allowedUserIds));
                        }
                    }
                    List<RoutingView.PooledCredential> pooled = new ArrayList<>();
                    for (PooledCredential c : loaded.pooled()) {
                        Read r = done.get(i++);
                        if (r.secret() != null) {
                            pooled.add(new RoutingView.PooledCredential(c.id.toString(), c.provider,
                                    new RoutingView.Credential(r.secret())));
                        }
                    }
                    AccountSettings s = loaded.settings();
                    return new Result(loaded.version(), new RoutingView(accountId.toString(), loaded.version(),
                            s.byokPrecedence, List.copyOf(s.ignoredProviders), byok, pooled));
                });
    }

    /** A secret the store no longer has leaves its key out of the view (it cannot be used); a store that is down fails the view (503). */
    private Uni<Read> read(String kind, UUID id, String provider, String store, String locator) {
        return Uni.createFrom().deferred(() -> secrets.read(store, locator))
                .map(v -> new Read(kind, id.toString(), provider, v.value()))
                .onFailure(SecretNotFoundException.class).recoverWithItem(f -> {
                    LOG.warnf("%s %s has no secret in store '%s'; left out of the routing view", kind, id, store);
                    return new Read(kind, id.toString(), provider, null);
                });
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
