package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * key-service's change feed on {@link Topics#KEY_CHANGES} (key = account id, or "platform" for pooled credentials):
 * something an account's routing view or API-key resolution depends on changed, so gateways drop their cached copy
 * at once. It carries no secret and no key material. Schema: {@code schemas/key-change.v1.schema.json}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record KeyChange(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("account_id") String accountId,
        @JsonProperty("kind") Kind kind,
        /** Id of the changed object (BYOK key id, API key id, pooled credential id; null for settings). */
        @JsonProperty("object_id") String objectId,
        /** For API keys: the SHA-256 hex hash, so a gateway can drop its cached resolution of that key. */
        @JsonProperty("api_key_hash") String apiKeyHash,
        @JsonProperty("changed_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant changedAt) {

    public static final int SCHEMA_VERSION = 1;
    public static final String SCHEMA_RESOURCE = "schemas/key-change.v1.schema.json";
    /** Record key used for changes to the platform's pooled credentials, which affect every account. */
    public static final String PLATFORM = "platform";

    public enum Kind {
        @JsonProperty("byok_key") BYOK_KEY,
        @JsonProperty("api_key") API_KEY,
        @JsonProperty("settings") SETTINGS,
        @JsonProperty("account") ACCOUNT,
        @JsonProperty("pooled_credential") POOLED_CREDENTIAL
    }
}
