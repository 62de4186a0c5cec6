package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.keys.model.ManagementKey;
import java.time.Instant;

/** A management key as the admin API shows it: its hash and masked label, never the key. */
public record ManagementKeyJson(
        @JsonProperty("id") String id,
        @JsonProperty("hash") String hash,
        @JsonProperty("name") String name,
        @JsonProperty("label") String label,
        @JsonProperty("disabled") boolean disabled,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("last_used_at") Instant lastUsedAt) {

    public static ManagementKeyJson of(ManagementKey k) {
        return new ManagementKeyJson(k.id.toString(), k.hash, k.name, k.label, k.disabled, k.createdAt, k.lastUsedAt);
    }
}
