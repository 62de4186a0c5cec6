package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.keys.model.AuditEntry;
import java.time.Instant;

/**
 * One audit entry as {@code GET /api/v1/audit} and {@code GET /admin/v1/audit} show it. {@code actor} is who did it
 * ({@code admin}, {@code management_key:<id>}, or for secret reads the reading service, {@code service:gateway});
 * {@code detail} names changed fields or the purpose of a read, never a value of a secret.
 */
public record AuditEntryJson(
        @JsonProperty("id") long id,
        @JsonProperty("at") Instant at,
        @JsonProperty("account_id") String accountId,
        @JsonProperty("actor") String actor,
        @JsonProperty("action") String action,
        @JsonProperty("object_type") String objectType,
        @JsonProperty("object_id") String objectId,
        @JsonProperty("detail") String detail) {

    public static AuditEntryJson of(AuditEntry e) {
        return new AuditEntryJson(e.id, e.at, e.accountId == null ? null : e.accountId.toString(), e.actor, e.action,
                e.objectType, e.objectId, e.detail);
    }
}
