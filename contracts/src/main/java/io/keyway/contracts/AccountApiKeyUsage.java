package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * An account's usage per API key, published by billing-service on the compacted {@link Topics#API_KEY_USAGE}
 * (key = account id) together with its {@link AccountState}, so key-service can show OpenRouter's {@code usage*} and
 * {@code byok_usage*} on every key it lists without a call per key.
 * Schema: {@code schemas/api-key-usage.v1.schema.json}.
 * The figures were computed for the UTC {@code day}; a reader shows them with {@link ApiKeyUsage#asOf} (a period that
 * has ended since reads 0) and keeps the message with the highest {@code sequence} (on a tie, the later {@code day}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AccountApiKeyUsage(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("account_id") String accountId,
        /** The UTC day the daily, weekly (from Monday) and monthly figures were computed for. */
        @JsonProperty("day") @JsonFormat(shape = JsonFormat.Shape.STRING) LocalDate day,
        /** Each API key of the account with recorded spend; a key not listed has none. */
        @JsonProperty("api_keys") List<ApiKeyUsage> apiKeys,
        /** The account's {@link AccountState#sequence()} of the same snapshot: monotonic per account. */
        @JsonProperty("sequence") long sequence,
        @JsonProperty("updated_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant updatedAt) {

    public static final int SCHEMA_VERSION = 1;
    public static final String SCHEMA_RESOURCE = "schemas/api-key-usage.v1.schema.json";

    /** Whether this message replaces {@code held}: a later sequence, or the same one computed for a later day. */
    public boolean supersedes(AccountApiKeyUsage held) {
        return held == null || sequence > held.sequence
                || (sequence == held.sequence && !day.isBefore(held.day));
    }
}
