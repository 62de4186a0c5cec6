package io.keyway.keys.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.ApiKeyResolution;
import io.keyway.contracts.KeyChange;
import io.keyway.keys.mapping.ApiKeyJson;
import io.keyway.keys.model.AccountSettings;
import io.keyway.keys.model.ApiKey;
import io.keyway.keys.model.ByokKey;
import io.keyway.keys.model.ManagementKey;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** An account's API (inference) keys: /api/v1/keys, and their resolution for gateway and billing. */
@ApplicationScoped
public class ApiKeyService {

    static final Set<String> LIMIT_RESETS = Set.of("daily", "weekly", "monthly");
    static final Set<String> CREATE_FIELDS = Set.of("name", "limit", "limit_reset", "include_byok_in_limit",
            "expires_at", "workspace_id", "creator_user_id", "external", RequestLimitFields.RATE_LIMIT,
            RequestLimitFields.MAX_CONCURRENT);
    /** OpenRouter's {@code external} object on create; {@code api_key} (a partner-supplied key) is refused. */
    static final Set<String> EXTERNAL_FIELDS = Set.of("user", "api_key");
    /** Longest {@code creator_user_id} and {@code external.user} (ids of the tenant's own systems). */
    static final int OWNER_ID_MAX = 200;
    static final Set<String> PATCH_FIELDS = Set.of("name", "disabled", "limit", "limit_reset", "include_byok_in_limit",
            "expires_at", "version", RequestLimitFields.RATE_LIMIT, RequestLimitFields.MAX_CONCURRENT);

    private final AuditLog audit;
    private final ChangeFeed changes;
    private final ObjectMapper json;
    private final ApiKeyUsages usages;

    public ApiKeyService(AuditLog audit, ChangeFeed changes, ObjectMapper json, ApiKeyUsages usages) {
        this.audit = audit;
        this.changes = changes;
        this.json = json;
        this.usages = usages;
    }

    public Uni<Idempotency.Outcome> create(Caller caller, JsonFields body) {
        body.allowOnly(CREATE_FIELDS);
        ApiKey k = new ApiKey();
        k.id = UUID.randomUUID();
        k.accountId = caller.accountId();
        k.name = body.requiredString("name", 200);
        k.limit = body.amount("limit").orElse(null);
        k.limitReset = body.oneOf("limit_reset", LIMIT_RESETS).orElse(null);
        k.includeByokInLimit = body.bool("include_byok_in_limit").orElse(false);
        k.expiresAt = futureInstant(body);
        k.creatorUserId = body.string("creator_user_id", OWNER_ID_MAX).orElse(null);
        k.externalUser = externalUser(body);
        setRateLimit(k, RequestLimitFields.rateLimit(body).orElse(null));
        k.maxConcurrentRequests = RequestLimitFields.maxConcurrent(body).orElse(null);
        workspaceOfCaller(caller, body);
        k.createdAt = Instant.now();
        k.updatedAt = k.createdAt;
        String plaintext = KeyMaterial.newApiKey();
        k.hash = KeyMaterial.sha256Hex(plaintext);
        k.label = KeyMaterial.label(plaintext);
        return Panache.withTransaction(() -> Versions.lockAccount(k.accountId)
                        .flatMap(v -> k.persist())
                        .flatMap(v -> audit.record(caller, k.accountId, "create", "api_key", k.id, null))
                        .flatMap(v -> AccountSettings.<AccountSettings>findById(k.accountId)))
                .call(s -> changes.accountChanged(k.accountId, KeyChange.Kind.API_KEY, k.id, k.hash))
                .map(settings -> {
                    ObjectNode out = json.createObjectNode();
                    out.set("data", json.valueToTree(shown(k)));
                    return new Idempotency.Outcome(201, out, plaintext, settings.defaultSecretStore, k.accountId);
                });
    }

    public Uni<List<ApiKeyJson>> list(Caller caller, boolean includeDisabled, int offset, int limit) {
        String query = includeDisabled ? "accountId = ?1" : "accountId = ?1 and disabled = false";
        return Panache.withSession(() -> ApiKey.<ApiKey>find(query, Sort.by("createdAt").and("id"), caller.accountId())
                .range(offset, offset + limit - 1).list())
                .map(keys -> keys.stream().map(this::shown).toList());
    }

    public Uni<ApiKeyJson> get(Caller caller, String hash) {
        return Panache.withSession(() -> own(caller, hash)).map(this::shown);
    }

    public Uni<ApiKeyJson> patch(Caller caller, String hash, JsonFields body, String ifMatch) {
        body.allowOnly(PATCH_FIELDS);
        var expected = Versions.expected(body.version("version"), ifMatch);
        if (body.isNull("name")) {
            throw ApiException.badRequest("field 'name' cannot be null");
        }
        var name = body.string("name", 200);
        var disabled = body.nonNullBool("disabled");
        var includeByok = body.nonNullBool("include_byok_in_limit");
        var limit = body.amount("limit");
        var limitReset = body.oneOf("limit_reset", LIMIT_RESETS);
        Instant expiresAt = futureInstant(body);
        var rateLimit = RequestLimitFields.rateLimit(body);
        var maxConcurrent = RequestLimitFields.maxConcurrent(body);
        return Panache.withTransaction(() -> Versions.lockAccount(caller.accountId())
                        .flatMap(v -> own(caller, hash))
                        .flatMap(k -> {
                            Versions.check(expected, k.version);
                            name.ifPresent(v -> k.name = v);
                            disabled.ifPresent(v -> k.disabled = v);
                            includeByok.ifPresent(v -> k.includeByokInLimit = v);
                            if (body.has("limit")) {
                                k.limit = limit.orElse(null);
                            }
                            if (body.has("limit_reset")) {
                                k.limitReset = limitReset.orElse(null);
                            }
                            if (body.has("expires_at")) {
                                k.expiresAt = expiresAt;
                            }
                            if (body.has(RequestLimitFields.RATE_LIMIT)) {
                                setRateLimit(k, rateLimit.orElse(null));
                            }
                            if (body.has(RequestLimitFields.MAX_CONCURRENT)) {
                                k.maxConcurrentRequests = maxConcurrent.orElse(null);
                            }
                            k.updatedAt = Instant.now();
                            return audit.record(caller, k.accountId, "update", "api_key", k.id,
                                            String.join(",", AccountService.fieldNames(body)))
                                    .flatMap(v -> k.<ApiKey>persistAndFlush());
                        }))
                .call(k -> changes.accountChanged(k.accountId, KeyChange.Kind.API_KEY, k.id, k.hash))
                .map(this::shown);
    }

    /** Deletes the key and removes it from every BYOK key's API-key filter of the account. */
    public Uni<Void> delete(Caller caller, String hash, String ifMatch) {
        var expected = Versions.expected(java.util.Optional.empty(), ifMatch);
        return Panache.withTransaction(() -> Versions.lockAccount(caller.accountId())
                        .flatMap(v -> own(caller, hash))
                        .flatMap(k -> {
                            Versions.check(expected, k.version);
                            return dropFromByokFilters(k)
                                    .flatMap(v -> audit.record(caller, k.accountId, "delete", "api_key", k.id, null))
                                    .flatMap(v -> k.delete())
                                    .replaceWith(k);
                        }))
                .call(k -> changes.accountChanged(k.accountId, KeyChange.Kind.API_KEY, k.id, k.hash))
                .replaceWithVoid();
    }

    private Uni<Void> dropFromByokFilters(ApiKey k) {
        String id = k.id.toString();
        return ByokKey.<ByokKey>list("accountId", k.accountId).map(all -> {
            for (ByokKey b : all) {
                if (b.allowedApiKeyIds != null && b.allowedApiKeyIds.contains(id)) {
                    // The filter still restricts: an emptied list means no API key may use this BYOK key.
                    List<String> rest = new ArrayList<>(b.allowedApiKeyIds);
                    rest.remove(id);
                    b.allowedApiKeyIds = rest;
                    b.updatedAt = Instant.now();
                }
            }
            return null;
        });
    }

    /** 404 unless the key exists and belongs to the caller's account (ids of other accounts look unknown). */
    private Uni<ApiKey> own(Caller caller, String hash) {
        if (!KeyMaterial.isHash(hash)) {
            return Uni.createFrom().failure(ApiException.notFound("API key"));
        }
        return ApiKey.<ApiKey>find("hash = ?1 and accountId = ?2", hash, caller.accountId()).firstResult()
                .map(k -> {
                    if (k == null) {
                        throw ApiException.notFound("API key");
                    }
                    return k;
                });
    }

    /** The key as the API shows it, with its usage from billing (in memory, no call). */
    private ApiKeyJson shown(ApiKey k) {
        return ApiKeyJson.of(k, usages.of(k.accountId, k.id));
    }

    /**
     * {@code external.user} of OpenRouter's create body: the tenant's end user the key is for. Its {@code api_key}, a
     * key a partner supplies for Keyway to accept, is not supported: Keyway makes every key itself.
     */
    private static String externalUser(JsonFields body) {
        JsonNode external = body.node().get("external");
        if (external == null || external.isNull()) {
            return null;
        }
        if (!external.isObject()) {
            throw ApiException.badRequest("field 'external' must be an object with 'user'");
        }
        external.fieldNames().forEachRemaining(f -> {
            if (!EXTERNAL_FIELDS.contains(f)) {
                throw ApiException.badRequest("unknown field 'external." + f + "'");
            }
        });
        if (external.hasNonNull("api_key")) {
            throw ApiException.badRequest("field 'external.api_key' is not supported: Keyway generates every API key "
                    + "itself; leave it out and use the key in the answer");
        }
        // the nested field under its dotted name, so that the shared checks name it in their errors
        ObjectNode user = JsonNodeFactory.instance.objectNode().set("external.user", external.get("user"));
        return new JsonFields(user).requiredString("external.user", OWNER_ID_MAX);
    }

    /** Each account is one workspace until workspaces exist: a {@code workspace_id} must be the account's id. */
    private static void workspaceOfCaller(Caller caller, JsonFields body) {
        body.string("workspace_id", OWNER_ID_MAX).ifPresent(w -> {
            if (!w.equals(caller.accountId().toString())) {
                throw ApiException.badRequest("field 'workspace_id' must be this account's id (each account is one "
                        + "workspace; the keys answer shows it as workspace_id)");
            }
        });
    }

    private static void setRateLimit(ApiKey k, io.keyway.contracts.RateLimit limit) {
        k.rateLimitRequests = limit == null ? null : limit.requests();
        k.rateLimitInterval = limit == null ? null : limit.interval();
    }

    private static Instant futureInstant(JsonFields body) {
        Instant at = body.instant("expires_at").orElse(null);
        if (at != null && !at.isAfter(Instant.now())) {
            throw ApiException.badRequest("field 'expires_at' must be in the future");
        }
        return at;
    }

    /** GET /internal/v1/api-keys/{hash}: API keys and management keys alike; null when unknown. */
    public Uni<ApiKeyResolution> resolveByHash(String hash) {
        if (!KeyMaterial.isHash(hash)) {
            return Uni.createFrom().nullItem();
        }
        return Panache.withSession(() -> ApiKey.<ApiKey>find("hash", hash).firstResult().flatMap(k -> k != null
                ? Uni.createFrom().item(resolution(k))
                : ManagementKey.<ManagementKey>find("hash", hash).firstResult()
                        .map(m -> m == null ? null : new ApiKeyResolution(m.id.toString(), m.accountId.toString(),
                                m.name, true, m.disabled, null, null, null, false))));
    }

    /** GET /internal/v1/api-keys/by-id/{id}; null when unknown. */
    public Uni<ApiKeyResolution> resolveById(UUID id) {
        return Panache.withSession(() -> ApiKey.<ApiKey>findById(id).flatMap(k -> k != null
                ? Uni.createFrom().item(resolution(k))
                : ManagementKey.<ManagementKey>findById(id)
                        .map(m -> m == null ? null : new ApiKeyResolution(m.id.toString(), m.accountId.toString(),
                                m.name, true, m.disabled, null, null, null, false))));
    }

    private static ApiKeyResolution resolution(ApiKey k) {
        return new ApiKeyResolution(k.id.toString(), k.accountId.toString(), k.name, false, k.disabled, k.expiresAt,
                k.limit, k.limitReset, k.includeByokInLimit, k.creatorUserId, k.rateLimit(), k.maxConcurrentRequests);
    }
}
