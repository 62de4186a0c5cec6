package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.keys.model.Account;
import java.time.Instant;

/** An account as the admin API shows it. */
public record AccountJson(
        @JsonProperty("id") String id,
        @JsonProperty("name") String name,
        @JsonProperty("created_at") Instant createdAt) {

    public static AccountJson of(Account a) {
        return new AccountJson(a.id.toString(), a.name, a.createdAt);
    }
}
