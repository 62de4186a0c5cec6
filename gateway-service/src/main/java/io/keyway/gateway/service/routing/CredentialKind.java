package io.keyway.gateway.service.routing;

/** Where an attempt's credential comes from; also the routing phase it belongs to (DESIGN.md §2). */
public enum CredentialKind {
    /** The account's own key, Prioritized section: phase 1. */
    BYOK_PRIORITIZED,
    /** The platform's shared credential for the provider: phase 2. */
    POOLED,
    /** The account's own key, Fallback section: phase 3. */
    BYOK_FALLBACK;

    public boolean isByok() {
        return this != POOLED;
    }

    public String wireName() {
        return switch (this) {
            case BYOK_PRIORITIZED -> "byok_prioritized";
            case POOLED -> "pooled";
            case BYOK_FALLBACK -> "byok_fallback";
        };
    }
}
