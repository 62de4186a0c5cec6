package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.keys.model.ByokKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A BYOK key as the management API shows it: OpenRouter's /api/v1/byok fields (is_required, is_byok_only,
 * declared_zdr, allowed_user_ids, …) plus always_use (= is_required), secret_store and version. Never the secret; {@code label} is the masked form ("sk-...AbCd").
 */
public record ByokKeyJson(
        @JsonProperty("id") String id,
        @JsonProperty("provider") String provider,
        @JsonProperty("label") String label,
        @JsonProperty("name") String name,
        @JsonProperty("disabled") boolean disabled,
        @JsonProperty("is_fallback") boolean isFallback,
        /** Keyway's name for OpenRouter's {@code is_required}; both are answered, with the same value. */
        @JsonProperty("always_use") boolean alwaysUse,
        @JsonProperty("is_required") boolean isRequired,
        @JsonProperty("is_byok_only") boolean isByokOnly,
        @JsonProperty("declared_zdr") Boolean declaredZdr,
        @JsonProperty("allowed_models") List<String> allowedModels,
        @JsonProperty("allowed_api_key_hashes") List<String> allowedApiKeyHashes,
        @JsonProperty("sort_order") int sortOrder,
        @JsonProperty("secret_store") String secretStore,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("last_used_at") Instant lastUsedAt,
        /** OpenRouter's field; Keyway has no workspaces yet (accepted on input, ignored), so always null. */
        @JsonProperty("workspace_id") String workspaceId,
        @JsonProperty("allowed_user_ids") List<String> allowedUserIds,
        @JsonProperty("version") long version) {

    /** {@code hashById} maps the account's API key ids to their hashes (ids of deleted keys are left out). */
    public static ByokKeyJson of(ByokKey k, Map<String, String> hashById) {
        List<String> hashes = k.allowedApiKeyIds == null ? null
                : k.allowedApiKeyIds.stream().map(hashById::get).filter(h -> h != null).toList();
        return new ByokKeyJson(k.id.toString(), k.provider, k.label, k.name, !k.enabled, k.isFallback(), k.alwaysUse,
                k.alwaysUse, k.byokOnly, k.declaredZdr, k.allowedModels, hashes, k.position, k.secretStore, k.createdAt,
                k.updatedAt, k.lastUsedAt, null, k.allowedUserIds, k.version);
    }
}
