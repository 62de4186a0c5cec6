package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.keys.model.PooledCredential;
import java.time.Instant;

/** A pooled (platform) credential as the admin API shows it: never the secret, only the masked label. */
public record PooledCredentialJson(
        @JsonProperty("id") String id,
        @JsonProperty("provider") String provider,
        @JsonProperty("name") String name,
        @JsonProperty("label") String label,
        @JsonProperty("secret_store") String secretStore,
        @JsonProperty("position") int position,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("version") long version) {

    public static PooledCredentialJson of(PooledCredential c) {
        return new PooledCredentialJson(c.id.toString(), c.provider, c.name, c.label, c.secretStore, c.position,
                c.createdAt, c.updatedAt, c.version);
    }
}
