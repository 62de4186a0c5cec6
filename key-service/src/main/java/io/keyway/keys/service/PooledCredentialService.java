package io.keyway.keys.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.KeyChange;
import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.mapping.PooledCredentialJson;
import io.keyway.keys.model.PooledCredential;
import io.keyway.keys.secrets.SecretOwner;
import io.keyway.keys.secrets.SecretValue;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/** The platform's pooled provider credentials (/admin/v1/pooled-credentials): shared capacity for every account. */
@ApplicationScoped
public class PooledCredentialService {

    private static final Logger LOG = Logger.getLogger(PooledCredentialService.class);

    private final ProviderKeyFormats formats;
    private final SecretAccess secrets;
    private final AuditLog audit;
    private final ChangeFeed changes;
    private final ObjectMapper json;
    private final KeyServiceConfig config;

    public PooledCredentialService(ProviderKeyFormats formats, SecretAccess secrets, AuditLog audit, ChangeFeed changes,
            ObjectMapper json, KeyServiceConfig config) {
        this.formats = formats;
        this.secrets = secrets;
        this.audit = audit;
        this.changes = changes;
        this.json = json;
        this.config = config;
    }

    public Uni<Idempotency.Outcome> create(JsonFields body) {
        body.allowOnly(Set.of("provider", "key", "name", "secret_store", "position"));
        String provider = ProviderKeyFormats.checkProviderSlug(body.requiredString("provider", 64), "provider");
        String rawKey = body.requiredString("key", ProviderKeyFormats.MAX_KEY_LENGTH);
        ProviderKeyFormats.CheckedKey checked = formats.check(provider, rawKey);
        PooledCredential c = new PooledCredential();
        c.id = UUID.randomUUID();
        c.provider = provider;
        c.name = body.string("name", 200).orElse(null);
        c.secretStore = secrets.checkUsable(body.string("secret_store", 32).orElse(config.defaultSecretStore()), "secret_store");
        Integer position = body.nonNegativeInt("position", 10_000).orElse(null);
        c.hint = checked.hint();
        c.label = checked.label();
        c.createdAt = Instant.now();
        c.updatedAt = c.createdAt;
        SecretOwner owner = new SecretOwner(KeyChange.PLATFORM, provider, c.id.toString());
        return secrets.create(c.secretStore, owner, new SecretValue(checked.secret()))
                .flatMap(locator -> {
                    c.secretLocator = locator;
                    return Panache.withTransaction(() -> Versions.lockPlatform()
                                    .flatMap(v -> providerGroup(provider))
                                    .flatMap(group -> {
                                        int at = position == null ? group.size() : Math.min(position, group.size());
                                        group.add(at, c);
                                        renumber(group);
                                        return c.persist();
                                    })
                                    .flatMap(v -> audit.record(Caller.ADMIN, null, "create", "pooled_credential", c.id,
                                            "provider=" + provider + ",store=" + c.secretStore)))
                            .onFailure().call(f -> secrets.delete(c.secretStore, locator).onFailure().recoverWithNull());
                })
                .call(v -> changes.platformChanged(c.id))
                .map(v -> {
                    ObjectNode out = json.createObjectNode();
                    out.set("data", json.valueToTree(PooledCredentialJson.of(c)));
                    return new Idempotency.Outcome(201, out, null, null, null);
                });
    }

    public Uni<List<PooledCredentialJson>> list() {
        return Panache.withSession(() -> PooledCredential.<PooledCredential>list("order by provider, position"))
                .map(all -> all.stream().map(PooledCredentialJson::of).toList());
    }

    public Uni<PooledCredentialJson> get(UUID id) {
        return Panache.withSession(() -> find(id)).map(PooledCredentialJson::of);
    }

    /** PATCH: {@code name} (null clears it) and {@code position} within the provider's credentials; optimistic lock. */
    public Uni<PooledCredentialJson> patch(UUID id, JsonFields body, String ifMatch) {
        for (String fixed : List.of("provider", "secret_store")) {
            if (body.has(fixed)) {
                throw ApiException.badRequest("field '" + fixed + "' cannot be changed; create a new credential instead");
            }
        }
        if (body.has("key")) {
            throw ApiException.badRequest("field 'key' cannot be patched; use POST /admin/v1/pooled-credentials/{id}/rotate");
        }
        body.allowOnly(Set.of("name", "position", "version"));
        var expected = Versions.expected(body.version("version"), ifMatch);
        if (body.isNull("position")) {
            throw ApiException.badRequest("field 'position' cannot be null");
        }
        var name = body.string("name", 200);
        Optional<Integer> position = body.nonNegativeInt("position", 10_000);
        return Panache.withTransaction(() -> Versions.lockPlatform()
                        .flatMap(v -> find(id))
                        .flatMap(c -> {
                            Versions.check(expected, c.version);
                            if (body.has("name")) {
                                c.name = name.orElse(null);
                            }
                            c.updatedAt = Instant.now();
                            Uni<Void> moved = position.isEmpty() ? Uni.createFrom().voidItem()
                                    : providerGroup(c.provider).map(group -> {
                                        group.removeIf(g -> g.id.equals(c.id));
                                        group.add(Math.min(position.get(), group.size()), c);
                                        renumber(group);
                                        return null;
                                    });
                            return moved.flatMap(v -> audit.record(Caller.ADMIN, null, "update", "pooled_credential", c.id,
                                            String.join(",", AccountService.fieldNames(body))))
                                    .flatMap(v -> Panache.getSession()).flatMap(s -> s.flush())
                                    .replaceWith(c);
                        }))
                .call(c -> changes.platformChanged(c.id))
                .map(PooledCredentialJson::of);
    }

    /** A new version of the credential's secret in its store; id, store and locator stay the same. */
    public Uni<PooledCredentialJson> rotate(UUID id, JsonFields body, String ifMatch) {
        body.allowOnly(Set.of("key", "version"));
        var expected = Versions.expected(body.version("version"), ifMatch);
        String rawKey = body.requiredString("key", ProviderKeyFormats.MAX_KEY_LENGTH);
        return Panache.withSession(() -> find(id))
                .flatMap(c -> {
                    Versions.check(expected, c.version);
                    ProviderKeyFormats.CheckedKey checked = formats.check(c.provider, rawKey);
                    SecretOwner owner = new SecretOwner(KeyChange.PLATFORM, c.provider, c.id.toString());
                    return secrets.rotate(c.secretStore, c.secretLocator, owner, new SecretValue(checked.secret()))
                            .replaceWith(checked);
                })
                .flatMap(checked -> Panache.withTransaction(() -> Versions.lockPlatform()
                        .flatMap(v -> find(id))
                        .flatMap(c -> {
                            c.hint = checked.hint();
                            c.label = checked.label();
                            c.updatedAt = Instant.now();
                            return audit.record(Caller.ADMIN, null, "rotate", "pooled_credential", c.id, "store=" + c.secretStore)
                                    .flatMap(v -> c.<PooledCredential>persistAndFlush());
                        })))
                .call(c -> changes.platformChanged(c.id))
                .map(PooledCredentialJson::of);
    }

    public Uni<Void> delete(UUID id, String ifMatch) {
        var expected = Versions.expected(Optional.empty(), ifMatch);
        return Panache.withTransaction(() -> Versions.lockPlatform()
                        .flatMap(v -> find(id))
                        .flatMap(c -> {
                            Versions.check(expected, c.version);
                            return providerGroup(c.provider).flatMap(group -> {
                                group.removeIf(g -> g.id.equals(c.id));
                                renumber(group);
                                return audit.record(Caller.ADMIN, null, "delete", "pooled_credential", c.id, null)
                                        .flatMap(v -> c.delete()).replaceWith(c);
                            });
                        }))
                .call(c -> changes.platformChanged(c.id))
                .call(c -> secrets.delete(c.secretStore, c.secretLocator)
                        .onFailure().invoke(f -> LOG.warnf("pooled credential %s deleted, but its secret was not: %s",
                                c.id, f.getClass().getSimpleName()))
                        .onFailure().recoverWithNull())
                .replaceWithVoid();
    }

    private static Uni<PooledCredential> find(UUID id) {
        return PooledCredential.<PooledCredential>findById(id).map(c -> {
            if (c == null) {
                throw ApiException.notFound("pooled credential");
            }
            return c;
        });
    }

    private static Uni<List<PooledCredential>> providerGroup(String provider) {
        return PooledCredential.<PooledCredential>list("provider = ?1 order by position, createdAt", provider)
                .map(ArrayList::new);
    }

    private static void renumber(List<PooledCredential> group) {
        for (int i = 0; i < group.size(); i++) {
            if (group.get(i).position != i) {
                group.get(i).position = i;
            }
        }
    }
}
