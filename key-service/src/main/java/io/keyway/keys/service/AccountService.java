package io.keyway.keys.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.KeyChange;
import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.mapping.AccountJson;
import io.keyway.keys.mapping.SettingsJson;
import io.keyway.keys.model.Account;
import io.keyway.keys.model.AccountSettings;
import io.keyway.keys.model.ApiKey;
import io.keyway.keys.model.ManagementKey;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Accounts, their first management key, their settings, and management-key authentication. */
@ApplicationScoped
public class AccountService {

    private static final Logger LOG = Logger.getLogger(AccountService.class);

    static final Set<String> PRECEDENCES = Set.of(AccountSettings.BYOK_FIRST, AccountSettings.ORDER_FIRST);

    private final SecretAccess secrets;
    private final AuditLog audit;
    private final ChangeFeed changes;
    private final ObjectMapper json;
    private final KeyServiceConfig config;
    private final Pool pool;

    public AccountService(SecretAccess secrets, AuditLog audit, ChangeFeed changes, ObjectMapper json, KeyServiceConfig config,
            Pool pool) {
        this.secrets = secrets;
        this.audit = audit;
        this.changes = changes;
        this.json = json;
        this.config = config;
        this.pool = pool;
    }

    /** POST /admin/v1/accounts: the account, its settings and its first management key (plaintext shown once). */
    public Uni<Idempotency.Outcome> create(JsonFields body) {
        body.allowOnly(Set.of("name", "default_secret_store"));
        String name = body.requiredString("name", 200);
        String store = body.string("default_secret_store", 32)
                .map(s -> secrets.checkUsable(s, "default_secret_store"))
                .orElse(config.defaultSecretStore());
        Account account = Account.create(name);
        AccountSettings settings = new AccountSettings();
        settings.accountId = account.id;
        settings.defaultSecretStore = store;
        settings.ignoredProviders = new ArrayList<>();
        settings.updatedAt = account.createdAt;
        String plaintext = KeyMaterial.newManagementKey();
        ManagementKey mk = new ManagementKey();
        mk.id = UUID.randomUUID();
        mk.accountId = account.id;
        mk.hash = KeyMaterial.sha256Hex(plaintext);
        mk.name = "default";
        mk.label = KeyMaterial.label(plaintext);
        mk.createdAt = account.createdAt;
        return Panache.withTransaction(() -> account.persist()
                        .flatMap(a -> settings.persist())
                        .flatMap(s -> mk.persist())
                        .flatMap(k -> audit.record(Caller.ADMIN, account.id, "create", "account", account.id, "name"))
                        .flatMap(v -> audit.record(Caller.ADMIN, account.id, "create", "management_key", mk.id, null)))
                .flatMap(v -> changes.accountChanged(account.id, KeyChange.Kind.ACCOUNT, account.id, null))
                .map(v -> {
                    ObjectNode out = json.createObjectNode();
                    out.set("data", json.valueToTree(AccountJson.of(account)));
                    return new Idempotency.Outcome(201, out, plaintext, store, account.id);
                });
    }

    public Uni<AccountJson> get(UUID accountId) {
        return Panache.withSession(() -> Account.<Account>findById(accountId))
                .map(a -> {
                    if (a == null) {
                        throw ApiException.notFound("account");
                    }
                    return AccountJson.of(a);
                });
    }

    public Uni<SettingsJson> settings(UUID accountId) {
        return Panache.withSession(() -> AccountSettings.<AccountSettings>findById(accountId))
                .map(s -> {
                    if (s == null) {
                        throw ApiException.notFound("account");
                    }
                    return SettingsJson.of(s);
                });
    }

    /** Default secret store of an account (for keys created without secret_store). */
    public Uni<String> defaultStore(UUID accountId) {
        return AccountSettings.<AccountSettings>findById(accountId).map(s -> {
            if (s == null) {
                throw ApiException.notFound("account");
            }
            return s.defaultSecretStore;
        });
    }

    /** PATCH settings: omitted = unchanged; null ignored_providers = none ignored. */
    public Uni<SettingsJson> patchSettings(Caller caller, UUID accountId, JsonFields body, String ifMatch) {
        body.allowOnly(Set.of("ignored_providers", "default_secret_store", "byok_precedence", "version",
                RequestLimitFields.RATE_LIMIT, RequestLimitFields.MAX_CONCURRENT));
        for (String limit : List.of(RequestLimitFields.RATE_LIMIT, RequestLimitFields.MAX_CONCURRENT)) {
            if (caller != Caller.ADMIN && body.has(limit)) {
                // the account's own limits are the operator's to set; a tenant limits its keys (/api/v1/keys)
                throw new ApiException(403, "field '" + limit + "' is an operator setting (PATCH"
                        + " /admin/v1/accounts/{id}/settings); an account limits its own API keys with the same field on"
                        + " /api/v1/keys");
            }
        }
        var rateLimit = RequestLimitFields.rateLimit(body);
        var maxConcurrent = RequestLimitFields.maxConcurrent(body);
        var expected = Versions.expected(body.version("version"), ifMatch);
        var ignored = body.stringList("ignored_providers", 100, 64);
        ignored.ifPresent(list -> {
            for (int i = 0; i < list.size(); i++) {
                ProviderKeyFormats.checkProviderSlug(list.get(i), "ignored_providers[" + i + "]");
            }
        });
        if (body.isNull("default_secret_store") || body.isNull("byok_precedence")) {
            throw ApiException.badRequest("field '" + (body.isNull("default_secret_store") ? "default_secret_store"
                    : "byok_precedence") + "' cannot be null");
        }
        var store = body.string("default_secret_store", 32).map(s -> secrets.checkUsable(s, "default_secret_store"));
        var precedence = body.oneOf("byok_precedence", PRECEDENCES);
        return Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> AccountSettings.<AccountSettings>findById(accountId))
                        .flatMap(s -> {
                            Versions.check(expected, s.version);
                            if (body.has("ignored_providers")) {
                                s.ignoredProviders = new ArrayList<>(ignored.orElse(new ArrayList<>()));
                            }
                            store.ifPresent(v -> s.defaultSecretStore = v);
                            precedence.ifPresent(v -> s.byokPrecedence = v);
                            if (body.has(RequestLimitFields.RATE_LIMIT)) {
                                s.rateLimitRequests = rateLimit.map(r -> r.requests()).orElse(null);
                                s.rateLimitInterval = rateLimit.map(r -> r.interval()).orElse(null);
                            }
                            if (body.has(RequestLimitFields.MAX_CONCURRENT)) {
                                s.maxConcurrentRequests = maxConcurrent.orElse(null);
                            }
                            s.updatedAt = Instant.now();
                            return audit.record(caller, accountId, "update", "settings", accountId,
                                            String.join(",", fieldNames(body)))
                                    .flatMap(v -> s.<AccountSettings>persistAndFlush());
                        }))
                .call(s -> changes.accountChanged(accountId, KeyChange.Kind.SETTINGS, null, null))
                .map(SettingsJson::of);
    }

    /**
     * The account a management key belongs to: 401 for a missing or unknown key, 403 for an API (inference) key,
     * which may never manage.
     */
    public Uni<Caller> authenticateManagementKey(String authorization) {
        String token = bearer(authorization);
        if (token == null) {
            return Uni.createFrom().failure(new ApiException(401, "missing management key: send 'Authorization: Bearer <management key>'"));
        }
        String hash = KeyMaterial.sha256Hex(token);
        return Panache.withSession(() -> ManagementKey.<ManagementKey>find("hash", hash).firstResult()
                        .flatMap(mk -> {
                            if (mk != null && !mk.disabled) {
                                return Uni.createFrom().item(mk);
                            }
                            if (mk != null) {
                                return Uni.createFrom().<ManagementKey>failure(new ApiException(401, "this management key is disabled"));
                            }
                            return ApiKey.count("hash", hash).flatMap(n -> Uni.createFrom().<ManagementKey>failure(n > 0
                                    ? new ApiException(403, "Only management keys can perform this operation")
                                    : new ApiException(401, "unknown management key")));
                        }))
                .call(this::touch)
                .map(mk -> Caller.managementKey(mk.id, mk.accountId));
    }

    /** Records the key's last use, to the minute (one write a minute for a busy key); best effort. */
    private Uni<Void> touch(ManagementKey mk) {
        if (mk.lastUsedAt != null && mk.lastUsedAt.isAfter(Instant.now().minusSeconds(LastUsed.GRANULARITY_SECONDS))) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("UPDATE management_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL"
                        + " OR last_used_at < now() - make_interval(secs => " + LastUsed.GRANULARITY_SECONDS + "))")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(mk.id)).replaceWithVoid()
                .onFailure().recoverWithUni(f -> {
                    LOG.warnf("could not record the last use of management key %s: %s", mk.id, f.getClass().getSimpleName());
                    return Uni.createFrom().voidItem();
                });
    }

    static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    static java.util.List<String> fieldNames(JsonFields body) {
        var names = new ArrayList<String>();
        body.node().fieldNames().forEachRemaining(names::add);
        return names;
    }
}
