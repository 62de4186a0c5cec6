package io.keyway.keys.service;

import io.keyway.keys.model.Account;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Optimistic locking and the per-account / platform change sequences behind the routing view's ETag. */
public final class Versions {

    private Versions() {
    }

    /** The version a client expects: the body's {@code version} wins over an {@code If-Match} header. */
    public static Optional<Long> expected(Optional<Long> fromBody, String ifMatch) {
        if (fromBody.isPresent() || ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return fromBody;
        }
        String v = ifMatch.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        v = v.replace("\"", "");
        try {
            long parsed = Long.parseLong(v);
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return Optional.of(parsed);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("header 'If-Match' must be a version number such as \"3\"");
        }
    }

    /** 409 when the client's version is not the stored one. */
    public static void check(Optional<Long> expected, long current) {
        if (expected.isPresent() && expected.get() != current) {
            throw new ApiException(409, "version " + expected.get() + " is stale; the current version is " + current,
                    Map.of("current_version", current));
        }
    }

    /**
     * Bumps the account's change sequence as the first statement of a write transaction. The row lock this takes
     * serialises concurrent writes to one account (positions stay contiguous) and the new value feeds the ETag.
     * Fails with 404 when the account does not exist.
     */
    public static Uni<Void> lockAccount(UUID accountId) {
        return Account.update("changeSeq = changeSeq + 1 where id = ?1", accountId).flatMap(n -> n == 0
                ? Uni.createFrom().failure(ApiException.notFound("account"))
                : Uni.createFrom().voidItem());
    }

    /** The same for the platform's pooled credentials. */
    public static Uni<Void> lockPlatform() {
        return Panache.getSession().flatMap(s -> s
                .createNativeQuery("update platform_state set change_seq = change_seq + 1 where id = 1")
                .executeUpdate()).replaceWithVoid();
    }

    public static Uni<Long> platformSeq() {
        return Panache.getSession().flatMap(s -> s
                .createNativeQuery("select change_seq from platform_state where id = 1", Long.class)
                .getSingleResult());
    }
}
