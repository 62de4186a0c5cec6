package io.keyway.keys.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.KeyChange;
import io.keyway.keys.mapping.ManagementKeyJson;
import io.keyway.keys.model.ManagementKey;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * An account's management keys for operators (/admin/v1/accounts/{id}/management-keys): more keys besides the first,
 * and revocation of a leaked one (disable or delete takes effect at once in key-service; other services cache
 * resolutions briefly). Management keys manage; they never call inference.
 */
@ApplicationScoped
public class ManagementKeyService {

    private final AccountService accounts;
    private final AuditLog audit;
    private final ChangeFeed changes;
    private final ObjectMapper json;

    public ManagementKeyService(AccountService accounts, AuditLog audit, ChangeFeed changes, ObjectMapper json) {
        this.accounts = accounts;
        this.audit = audit;
        this.changes = changes;
        this.json = json;
    }

    public Uni<Idempotency.Outcome> create(UUID accountId, JsonFields body) {
        body.allowOnly(Set.of("name"));
        String plaintext = KeyMaterial.newManagementKey();
        ManagementKey k = new ManagementKey();
        k.id = UUID.randomUUID();
        k.accountId = accountId;
        k.name = body.requiredString("name", 200);
        k.hash = KeyMaterial.sha256Hex(plaintext);
        k.label = KeyMaterial.label(plaintext);
        k.createdAt = Instant.now();
        return Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> accounts.defaultStore(accountId))
                        .call(store -> k.persist())
                        .call(store -> audit.record(Caller.ADMIN, accountId, "create", "management_key", k.id, null)))
                .call(store -> changes.accountChanged(accountId, KeyChange.Kind.ACCOUNT, accountId, null))
                .map(store -> {
                    ObjectNode out = json.createObjectNode();
                    out.set("data", json.valueToTree(ManagementKeyJson.of(k)));
                    return new Idempotency.Outcome(201, out, plaintext, store, accountId);
                });
    }

    public Uni<List<ManagementKeyJson>> list(UUID accountId) {
        return Panache.withSession(() -> accounts.defaultStore(accountId) // 404 for an unknown account
                .flatMap(s -> ManagementKey.<ManagementKey>find("accountId", Sort.by("createdAt").and("id"), accountId).list()))
                .map(keys -> keys.stream().map(ManagementKeyJson::of).toList());
    }

    /** PATCH {@code name}, {@code disabled}: omitted = unchanged; neither may be null. */
    public Uni<ManagementKeyJson> patch(UUID accountId, UUID id, JsonFields body) {
        body.allowOnly(Set.of("name", "disabled"));
        if (body.isNull("name")) {
            throw ApiException.badRequest("field 'name' cannot be null");
        }
        var name = body.string("name", 200);
        var disabled = body.nonNullBool("disabled");
        return Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> own(accountId, id))
                        .flatMap(k -> {
                            name.ifPresent(n -> k.name = n);
                            disabled.ifPresent(d -> k.disabled = d);
                            return audit.record(Caller.ADMIN, accountId, "update", "management_key", k.id,
                                            String.join(",", AccountService.fieldNames(body)))
                                    .flatMap(v -> k.<ManagementKey>persistAndFlush());
                        }))
                .call(k -> changes.accountChanged(accountId, KeyChange.Kind.ACCOUNT, accountId, null))
                .map(ManagementKeyJson::of);
    }

    public Uni<Void> delete(UUID accountId, UUID id) {
        return Panache.withTransaction(() -> Versions.lockAccount(accountId)
                        .flatMap(v -> own(accountId, id))
                        .call(k -> audit.record(Caller.ADMIN, accountId, "delete", "management_key", k.id, null))
                        .call(k -> k.delete()))
                .call(k -> changes.accountChanged(accountId, KeyChange.Kind.ACCOUNT, accountId, null))
                .replaceWithVoid();
    }

    /** 404 unless the key belongs to the account. */
    private static Uni<ManagementKey> own(UUID accountId, UUID id) {
        return ManagementKey.<ManagementKey>find("id = ?1 and accountId = ?2", id, accountId).firstResult().map(k -> {
            if (k == null) {
                throw ApiException.notFound("management key");
            }
            return k;
        });
    }
}
