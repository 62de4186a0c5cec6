package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.contracts.RateLimit;
import io.keyway.keys.model.AccountSettings;
import java.time.Instant;
import java.util.List;

/** An account's settings as the API shows them. */
public record SettingsJson(
        @JsonProperty("ignored_providers") List<String> ignoredProviders,
        @JsonProperty("default_secret_store") String defaultSecretStore,
        @JsonProperty("byok_precedence") String byokPrecedence,
        /** The operator's limits on the whole account (set with the admin API only); null = none. */
        @JsonProperty("rate_limit") RateLimit rateLimit,
        @JsonProperty("max_concurrent_requests") Integer maxConcurrentRequests,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("version") long version) {

    public static SettingsJson of(AccountSettings s) {
        return new SettingsJson(s.ignoredProviders, s.defaultSecretStore, s.byokPrecedence, s.rateLimit(),
                s.maxConcurrentRequests, s.updatedAt, s.version);
    }
}
