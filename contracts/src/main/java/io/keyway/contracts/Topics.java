package io.keyway.contracts;

/** Kafka topic names shared by producers and consumers (DESIGN.md §5). deploy/local/topics.txt creates them locally. */
public final class Topics {
    /** Usage events, one per request; key = account id. */
    public static final String USAGE = "keyway.usage.v1";
    /** Usage events billing-service could not apply, with the reason. */
    public static final String USAGE_DEAD_LETTER = "keyway.usage.dlq.v1";
    /** Account state for the gateway's 402 check; compacted, key = account id. */
    public static final String ACCOUNT_STATE = "keyway.account-state.v1";
    /**
     * Per-API-key usage of each account ({@link AccountApiKeyUsage}), for key-service's {@code /api/v1/keys};
     * compacted, key = account id.
     */
    public static final String API_KEY_USAGE = "keyway.api-key-usage.v1";
    /** Each charge billing-service applies, for finance tools; key = account id. */
    public static final String CHARGES = "keyway.charges.v1";
    /** Key-service change feed: an account's keys or settings changed; key = account id. */
    public static final String KEY_CHANGES = "keyway.key-changes.v1";

    private Topics() {
    }
}
