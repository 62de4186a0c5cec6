package io.keyway.keys.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.KeyChange;
import io.keyway.keys.mapping.ByokKeyJson;
import io.keyway.keys.model.ApiKey;
import io.keyway.keys.model.ByokKey;
import io.keyway.keys.secrets.SecretOwner;
import io.keyway.keys.secrets.SecretValue;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * An account's BYOK provider keys (DESIGN.md §3): /api/v1/byok. Sections (is_fallback), contiguous positions per
 * (provider, section), enabled and always-use toggles, model and API-key filters, rotation without a new id.
 * The secret is written to its store first and the row second; if the row cannot be written the secret is deleted.
 */
@ApplicationScoped
public class ByokKeyService {

    private static final Logger LOG = Logger.getLogger(ByokKeyService.class);

    static final int MAX_FILTER_ENTRIES = 100;
    static final Set<String> CREATE_FIELDS = Set.of("provider", "key", "name", "is_fallback", "disabled",
            "allowed_models", "allowed_api_key_hashes", "always_use", "is_required", "is_byok_only", "declared_zdr",
            "position", "sort_order", "secret_store", "workspace_id", "allowed_user_ids");
    static final Set<String> PATCH_FIELDS = Set.of("name", "is_fallback", "disabled", "allowed_models",
            "allowed_api_key_hashes", "always_use", "is_required", "is_byok_only", "declared_zdr", "position",
            "sort_order", "version", "allowed_user_ids", "workspace_id");
    /** OpenRouter's update also takes the new secret ({@code key}). */
    static final Set<String> PATCH_FIELDS_WITH_KEY = withKey(PATCH_FIELDS);
    static final String ORDER = " order by provider, case when section = 'PRIORITIZED' then 0 else 1 end, position, createdAt";

    private final ProviderKeyFormats formats;
    private final SecretAccess secrets;
    private final AccountService accounts;
    private final AuditLog audit;
    private final ChangeFeed changes;
    private final ObjectMapper json;

    public ByokKeyService(ProviderKeyFormats formats, SecretAccess secrets, AccountService accounts, AuditLog audit,
            ChangeFeed changes, ObjectMapper json) {
        this.formats = formats;
        this.secrets = secrets;
        this.accounts = accounts;
        this.audit = audit;
        this.changes = changes;
        this.json = json;
    }

    public Uni<Idempotency.Outcome> create(Caller caller, JsonFields body) {
        body.allowOnly(CREATE_FIELDS);
        UUID accountId = caller.accountId();
        String provider = ProviderKeyFormats.checkProviderSlug(body.requiredString("provider", 64), "provider");
        String rawKey = body.requiredString("key", ProviderKeyFormats.MAX_KEY_LENGTH);
        ProviderKeyFormats.CheckedKey checked = formats.check(provider, rawKey);
        ByokKey k = new ByokKey();
        k.id = UUID.randomUUID();
        k.accountId = accountId;
        k.provider = provider;
        k.name = body.string("name", 200).orElse(null);
        k.section = body.bool("is_fallback").orElse(false) ? ByokKey.FALLBACK : ByokKey.PRIORITIZED;
        k.enabled = !body.bool("disabled").orElse(false);
        k.alwaysUse = alwaysUse(body).orElse(false);
        k.byokOnly = body.bool("is_byok_only").orElse(false);
        k.declaredZdr = body.bool("declared_zdr").orElse(null);
        k.allowedModels = models(body).orElse(null);
        k.allowedUserIds = userIds(body).orElse(null);
        Optional<List<String>> hashes = apiKeyHashes(body);
        Optional<Integer> position = position(body);
        Optional<String> store = body.string("secret_store", 32).map(s -> secrets.checkUsable(s, "secret_store"));
        checkFlags(k, k.section);
        k.hint = checked.hint();
        k.label = checked.label();
        k.createdAt = Instant.now();
        k.updatedAt = k.createdAt;
        SecretOwner owner = new SecretOwner(accountId.toString(), provider, k.id.toString());

        return Panache.withSession(() -> (store.isPresent() ? Uni.createFrom().item(store.get()) : accounts.defaultStore(accountId))
                        .flatMap(s -> {
                            k.secretStore = s;
                            return idsOf(accountId, hashes.orElse(null));
                        }))
                .flatMap(ids -> {
                    k.allowedApiKeyIds = ids;
                    if (store.isEmpty()) {
                        secrets.checkUsable(k.secretStore, "secret_store");
                    }
                    return secrets.create(k.secretStore, owner, new SecretValue(checked.secret()));
                })
                .flatMap(locator -> {
                    k.secretLocator = locator;
                    return Panache.withTransaction(() -> Versions.lockAccount(accountId)
                                    .flatMap(v -> group(accountId, provider, k.section))
                                    .flatMap(group -> {
                                        place(group, k, position.orElse(null));
                                        return k.persist();
                                    })
                                    .flatMap(v -> audit.record(caller, accountId, "create", "byok_key", k.id,
                                            "provider=" + provider + ",store=" + k.secretStore)))
                            .onFailure().call(f -> secrets.delete(k.secretStore, locator)
                                    .onFailure().invoke(d -> LOG.warnf("could not delete the secret of BYOK key %s after a"
                                            + " failed insert: %s", k.id, d.getClass().getSimpleName()))
                                    .onFailure().recoverWithNull());
                })
                .call(v -> changes.accountChanged(accountId, KeyChange.Kind.BYOK_KEY, k.id, null))
                .map(v -> {
                    Map<String, String> hashById = new HashMap<>();
                    if (k.allowedApiKeyIds != null) {
                        for (int i = 0; i < k.allowedApiKeyIds.size(); i++) {
                            hashById.put(k.allowedApiKeyIds.get(i), hashes.get().get(i));
                        }
                    }
                    ObjectNode out = json.createObjectNode();
                    out.set("data", json.valueToTree(ByokKeyJson.of(k, hashById)));
                    return new Idempotency.Outcome(201, out, null, null, accountId);
                });
    }

    /** One page of an account's BYOK keys and how many there are in all (OpenRouter's {@code total_count}). */
    public record Page(List<ByokKeyJson> data, long totalCount) {
    }

    public Uni<Page> list(Caller caller, String provider, int offset, int limit) {
        if (provider != null) {
            ProviderKeyFormats.checkProviderSlug(provider, "provider");
        }
        return Panache.withSession(() -> {
            var query = provider == null
                    ? ByokKey.<ByokKey>find("accountId = ?1" + ORDER, caller.accountId())
                    : ByokKey.<ByokKey>find("accountId = ?1 and provider = ?2" + ORDER, caller.accountId(), provider);
            return query.range(offset, offset + limit - 1).list()
                    .flatMap(keys -> hashById(caller.accountId())
                            .map(h -> keys.stream().map(k -> ByokKeyJson.of(k, h)).toList()))
                    .flatMap(page -> (provider == null
                            ? ByokKey.count("accountId", caller.accountId())
                            : ByokKey.count("accountId = ?1 and provider = ?2", caller.accountId(), provider))
                            .map(total -> new Page(page, total)));
        });
    }

    public Uni<ByokKeyJson> get(Caller caller, UUID id) {
        return Panache.withSession(() -> own(caller, id).flatMap(k -> hashById(k.accountId).map(h -> ByokKeyJson.of(k, h))));
    }

    /**
     * Updates a key's settings. A {@code key} in the body (OpenRouter's way to rotate in an update) rotates the secret
     * first, exactly as {@link #rotate} does, then applies the other fields; every field is checked before either.
     */
    public Uni<ByokKeyJson> patch(Caller caller, UUID id, JsonFields body, String ifMatch) {
        for (String fixed : List.of("provider", "secret_store")) {
            if (body.has(fixed)) {
                throw ApiException.badRequest("field '" + fixed + "' cannot be changed; create a new key instead");
            }
        }
        body.allowOnly(PATCH_FIELDS_WITH_KEY);
        var expected = Versions.expected(body.version("version"), ifMatch);
        String rawKey = body.has("key") ? body.requiredString("key", ProviderKeyFormats.MAX_KEY_LENGTH) : null;
        int settings = body.node().size() - (body.has("key") ? 1 : 0) - (body.has("version") ? 1 : 0);
        if (rawKey != null && settings == 0) {
            return rotate(caller, id, rawKey, expected);
        }
        for (String flag : List.of("disabled", "is_fallback", "always_use", "is_required", "is_byok_only", "position",
                "sort_order")) {
            if (body.isNull(flag)) {
                throw ApiException.badRequest("field '" + flag + "' cannot be null");
            }
        }
        var name = body.string("name", 200);
        var disabled = body.bool("disabled");
        var fallback = body.bool("is_fallback");
        var alwaysUse = alwaysUse(body);
        var byokOnly = body.bool("is_byok_only");
        var declaredZdr = body.bool("declared_zdr");
        var models = models(body);
        var userIds = userIds(body);
        var hashes = apiKeyHashes(body);
        var position = position(body);
        UUID accountId = caller.accountId();
        // After a rotation in this update, its version check has been made; the settings follow it unconditionally.
        Uni<Optional<Long>> rotated = rawKey == null ? Uni.createFrom().item(expected)
                : rotate(caller, id, rawKey, expected).map(done -> Optional.<Long>empty());
        return rotated.flatMap(check -> Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> own(caller, id))
                        .flatMap(k -> {
                            Versions.check(check, k.version);
                            return idsOf(accountId, hashes.orElse(null)).flatMap(ids -> {
                                if (body.has("name")) {
                                    k.name = name.orElse(null);
                                }
                                disabled.ifPresent(d -> k.enabled = !d);
                                alwaysUse.ifPresent(a -> k.alwaysUse = a);
                                byokOnly.ifPresent(b -> k.byokOnly = b);
                                if (body.has("declared_zdr")) {
                                    k.declaredZdr = declaredZdr.orElse(null);
                                }
                                if (body.has("allowed_models")) {
                                    k.allowedModels = models.orElse(null);
                                }
                                if (body.has("allowed_user_ids")) {
                                    k.allowedUserIds = userIds.orElse(null);
                                }
                                if (body.has("allowed_api_key_hashes")) {
                                    k.allowedApiKeyIds = ids;
                                }
                                String oldSection = k.section;
                                String newSection = fallback.map(f -> f ? ByokKey.FALLBACK : ByokKey.PRIORITIZED).orElse(oldSection);
                                checkFlags(k, newSection);
                                k.updatedAt = Instant.now();
                                Uni<Void> moved = Uni.createFrom().voidItem();
                                if (!newSection.equals(oldSection) || position.isPresent()) {
                                    moved = move(k, oldSection, newSection, position.orElse(null));
                                }
                                return moved.flatMap(v -> audit.record(caller, accountId, "update", "byok_key", k.id,
                                                String.join(",", AccountService.fieldNames(body))))
                                        .flatMap(v -> Panache.getSession()).flatMap(s -> s.flush())
                                        .flatMap(v -> hashById(accountId))
                                        .map(h -> ByokKeyJson.of(k, h));
                            });
                        })))
                .call(v -> changes.accountChanged(accountId, KeyChange.Kind.BYOK_KEY, id, null));
    }

    /** Writes a new version of the key's secret in its store; the id, store and locator stay the same. */
    public Uni<ByokKeyJson> rotate(Caller caller, UUID id, JsonFields body, String ifMatch) {
        body.allowOnly(Set.of("key", "version"));
        var expected = Versions.expected(body.version("version"), ifMatch);
        return rotate(caller, id, body.requiredString("key", ProviderKeyFormats.MAX_KEY_LENGTH), expected);
    }

    private Uni<ByokKeyJson> rotate(Caller caller, UUID id, String rawKey, Optional<Long> expected) {
        UUID accountId = caller.accountId();
        return Panache.withSession(() -> own(caller, id))
                .flatMap(k -> {
                    Versions.check(expected, k.version);
                    ProviderKeyFormats.CheckedKey checked = formats.check(k.provider, rawKey);
                    SecretOwner owner = new SecretOwner(accountId.toString(), k.provider, k.id.toString());
                    return secrets.rotate(k.secretStore, k.secretLocator, owner, new SecretValue(checked.secret()))
                            .replaceWith(checked);
                })
                .flatMap(checked -> Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> own(caller, id))
                        .flatMap(k -> {
                            k.hint = checked.hint();
                            k.label = checked.label();
                            k.updatedAt = Instant.now();
                            return audit.record(caller, accountId, "rotate", "byok_key", k.id, "store=" + k.secretStore)
                                    .flatMap(v -> k.<ByokKey>persistAndFlush())
                                    .flatMap(saved -> hashById(accountId).map(h -> ByokKeyJson.of(saved, h)));
                        })))
                .call(v -> changes.accountChanged(accountId, KeyChange.Kind.BYOK_KEY, id, null));
    }

    /** Deletes the row first (so nothing points at a missing secret), then the secret in its store. */
    public Uni<Void> delete(Caller caller, UUID id, String ifMatch) {
        var expected = Versions.expected(Optional.empty(), ifMatch);
        UUID accountId = caller.accountId();
        return Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> own(caller, id))
                        .flatMap(k -> {
                            Versions.check(expected, k.version);
                            return group(accountId, k.provider, k.section).flatMap(group -> {
                                group.removeIf(b -> b.id.equals(k.id));
                                renumber(group);
                                return audit.record(caller, accountId, "delete", "byok_key", k.id, "store=" + k.secretStore)
                                        .flatMap(v -> k.delete()).replaceWith(k);
                            });
                        }))
                .call(k -> changes.accountChanged(accountId, KeyChange.Kind.BYOK_KEY, id, null))
                .call(k -> secrets.delete(k.secretStore, k.secretLocator)
                        .onFailure().invoke(f -> LOG.warnf("BYOK key %s deleted, but its secret in store '%s' was not: %s",
                                k.id, k.secretStore, f.getClass().getSimpleName()))
                        .onFailure().recoverWithNull())
                .replaceWithVoid();
    }

    private Uni<Void> move(ByokKey k, String oldSection, String newSection, Integer position) {
        return group(k.accountId, k.provider, oldSection).flatMap(oldGroup -> {
            oldGroup.removeIf(b -> b.id.equals(k.id));
            if (newSection.equals(oldSection)) {
                place(oldGroup, k, position);
                return Uni.createFrom().voidItem();
            }
            renumber(oldGroup);
            k.section = newSection;
            return group(k.accountId, k.provider, newSection).map(newGroup -> {
                newGroup.removeIf(b -> b.id.equals(k.id));
                place(newGroup, k, position);
                return null;
            });
        });
    }

    private static Uni<List<ByokKey>> group(UUID accountId, String provider, String section) {
        return ByokKey.<ByokKey>list("accountId = ?1 and provider = ?2 and section = ?3 order by position, createdAt",
                accountId, provider, section).map(ArrayList::new);
    }

    /** Inserts {@code k} at {@code position} (clamped; null = last) and renumbers the section 0..n-1. */
    static void place(List<ByokKey> group, ByokKey k, Integer position) {
        int at = position == null ? group.size() : Math.min(position, group.size());
        group.add(at, k);
        renumber(group);
    }

    static void renumber(List<ByokKey> group) {
        for (int i = 0; i < group.size(); i++) {
            if (group.get(i).position != i) {
                group.get(i).position = i;
            }
        }
    }

    /** Always-use (is_required) and is_byok_only are flags of prioritized keys; a fallback key can have neither. */
    private static void checkFlags(ByokKey k, String section) {
        if (k.alwaysUse && ByokKey.FALLBACK.equals(section)) {
            throw ApiException.badRequest("field 'always_use' (is_required) applies to prioritized keys only; a"
                    + " fallback key (is_fallback = true) cannot be always-use");
        }
        if (k.byokOnly && ByokKey.FALLBACK.equals(section)) {
            throw ApiException.badRequest("field 'is_byok_only' applies to prioritized keys only; it cannot be"
                    + " combined with is_fallback = true");
        }
    }

    /**
     * "Always use for this provider": Keyway's {@code always_use} or OpenRouter's {@code is_required}, the same flag
     * under two names. Both may be sent when they agree.
     */
    static Optional<Boolean> alwaysUse(JsonFields body) {
        Optional<Boolean> alwaysUse = body.bool("always_use");
        Optional<Boolean> required = body.bool("is_required");
        if (alwaysUse.isPresent() && required.isPresent() && !alwaysUse.equals(required)) {
            throw ApiException.badRequest("fields 'always_use' and 'is_required' are the same flag and must agree");
        }
        return alwaysUse.isPresent() ? alwaysUse : required;
    }

    private static Set<String> withKey(Set<String> fields) {
        Set<String> all = new java.util.HashSet<>(fields);
        all.add("key");
        return Set.copyOf(all);
    }

    private static Optional<List<String>> userIds(JsonFields body) {
        Optional<List<String>> users = body.stringList("allowed_user_ids", MAX_FILTER_ENTRIES, 256);
        if (users.isPresent() && users.get().isEmpty()) {
            throw ApiException.badRequest("field 'allowed_user_ids' must not be empty; use null for every user");
        }
        return users;
    }

    private static Optional<List<String>> models(JsonFields body) {
        Optional<List<String>> models = body.stringList("allowed_models", MAX_FILTER_ENTRIES, 200);
        if (models.isPresent() && models.get().isEmpty()) {
            throw ApiException.badRequest("field 'allowed_models' must not be empty; use null for every model");
        }
        return models;
    }

    private static Optional<List<String>> apiKeyHashes(JsonFields body) {
        Optional<List<String>> hashes = body.stringList("allowed_api_key_hashes", MAX_FILTER_ENTRIES, 64);
        if (hashes.isPresent()) {
            if (hashes.get().isEmpty()) {
                throw ApiException.badRequest("field 'allowed_api_key_hashes' must not be empty; use null for every API key");
            }
            for (int i = 0; i < hashes.get().size(); i++) {
                if (!KeyMaterial.isHash(hashes.get().get(i))) {
                    throw ApiException.badRequest("field 'allowed_api_key_hashes[" + i + "]' must be 64 lowercase hex characters");
                }
            }
        }
        return hashes;
    }

    private static Optional<Integer> position(JsonFields body) {
        Optional<Integer> position = body.nonNegativeInt("position", 10_000);
        return position.isPresent() ? position : body.nonNegativeInt("sort_order", 10_000);
    }

    /** The ids of the given hashes, each of which must be a live (unexpired) API key of the account; null for null. */
    private static Uni<List<String>> idsOf(UUID accountId, List<String> hashes) {
        if (hashes == null) {
            return Uni.createFrom().nullItem();
        }
        return ApiKey.<ApiKey>list("accountId = ?1 and hash in ?2", accountId, hashes).map(found -> {
            Map<String, ApiKey> byHash = new HashMap<>();
            found.forEach(a -> byHash.put(a.hash, a));
            Instant now = Instant.now();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < hashes.size(); i++) {
                ApiKey a = byHash.get(hashes.get(i));
                if (a == null || a.isExpired(now)) {
                    throw ApiException.badRequest("field 'allowed_api_key_hashes[" + i + "]' is not a live API key of this account");
                }
                ids.add(a.id.toString());
            }
            return ids;
        });
    }

    private static Uni<Map<String, String>> hashById(UUID accountId) {
        return ApiKey.<ApiKey>list("accountId", accountId).map(keys -> {
            Map<String, String> m = new HashMap<>();
            keys.forEach(a -> m.put(a.id.toString(), a.hash));
            return m;
        });
    }

    /** 404 unless the key exists in the caller's account: another account's id looks exactly like an unknown one. */
    private static Uni<ByokKey> own(Caller caller, UUID id) {
        return ByokKey.<ByokKey>find("id = ?1 and accountId = ?2", id, caller.accountId()).firstResult()
                .map(k -> {
                    if (k == null) {
                        throw ApiException.notFound("BYOK key");
                    }
                    return k;
                });
    }
}
