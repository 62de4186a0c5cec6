package io.keyway.keys.service;

import io.keyway.keys.model.AuditEntry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/** Writes the audit log inside the caller's transaction: who did what to which object, when. Never the secret. */
@ApplicationScoped
public class AuditLog {

    /** {@code action} is one of {@link AuditTrail#ACTIONS}, the values the trail's {@code action} filter takes. */
    public Uni<Void> record(Caller caller, UUID accountId, String action, String objectType, Object objectId, String detail) {
        if (!AuditTrail.ACTIONS.contains(action)) {
            throw new IllegalArgumentException("unknown audit action " + action + ": add it to AuditTrail.ACTIONS");
        }
        AuditEntry e = new AuditEntry();
        e.at = Instant.now();
        e.actor = caller.actor();
        e.accountId = accountId;
        e.action = action;
        e.objectType = objectType;
        e.objectId = objectId == null ? null : objectId.toString();
        e.detail = detail;
        return e.persist().replaceWithVoid();
    }
}
