package io.keyway.keys.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountApiKeyUsage;
import io.keyway.contracts.ApiKeyUsage;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Billing's usage per API key ({@link AccountApiKeyUsage}), read by every key-service replica from the beginning of
 * the compacted {@code keyway.api-key-usage.v1} (a consumer group of its own per process, as the gateway reads account
 * states) and kept in memory, latest per account: {@code /api/v1/keys} shows OpenRouter's {@code usage*},
 * {@code byok_usage*} and {@code limit_remaining} without a call to billing. A key billing names no spend for has
 * zeros: there is none recorded. Figures of a day, week or month that has ended since billing computed them read 0
 * ({@link ApiKeyUsage#asOf}).
 */
@ApplicationScoped
public class ApiKeyUsages {

    private static final Logger LOG = Logger.getLogger(ApiKeyUsages.class);

    /** The latest message of an account, indexed by API key id. */
    private record Held(AccountApiKeyUsage message, Map<String, ApiKeyUsage> byKey) {
    }

    private final Map<String, Held> accounts = new ConcurrentHashMap<>();
    private final ObjectMapper json;

    public ApiKeyUsages(ObjectMapper json) {
        this.json = json;
    }

    @Incoming("api-key-usage")
    public void consume(String value) {
        if (value == null) {
            return; // tombstone: nothing to learn
        }
        AccountApiKeyUsage usage;
        try {
            usage = json.readValue(value, AccountApiKeyUsage.class);
        } catch (Exception e) {
            LOG.warnf("Ignoring unreadable API key usage record (%s)", e.getClass().getSimpleName());
            return;
        }
        apply(usage);
    }

    /** Keeps {@code usage} unless the account's held message supersedes it. */
    public void apply(AccountApiKeyUsage usage) {
        if (usage.accountId() == null || usage.day() == null || usage.apiKeys() == null) {
            return;
        }
        Map<String, ApiKeyUsage> byKey = new HashMap<>();
        for (ApiKeyUsage k : usage.apiKeys()) {
            if (!complete(k)) {
                LOG.warnf("Ignoring API key usage of account %s: an entry lacks a figure", usage.accountId());
                return;
            }
            byKey.put(k.apiKeyId(), k);
        }
        Held incoming = new Held(usage, Map.copyOf(byKey));
        accounts.merge(usage.accountId(), incoming,
                (held, next) -> next.message().supersedes(held.message()) ? next : held);
    }

    private static boolean complete(ApiKeyUsage k) {
        return k != null && k.apiKeyId() != null && k.usage() != null && k.usageDaily() != null
                && k.usageWeekly() != null && k.usageMonthly() != null && k.byokUsage() != null
                && k.byokUsageDaily() != null && k.byokUsageWeekly() != null && k.byokUsageMonthly() != null;
    }

    /** The key's figures as they read today (UTC). */
    public ApiKeyUsage of(UUID accountId, UUID apiKeyId) {
        return of(accountId, apiKeyId, LocalDate.now(ZoneOffset.UTC));
    }

    /** The key's figures as they read on {@code today}: zeros when billing recorded no spend for it. */
    ApiKeyUsage of(UUID accountId, UUID apiKeyId, LocalDate today) {
        String id = apiKeyId.toString();
        Held held = accounts.get(accountId.toString());
        ApiKeyUsage figures = held == null ? null : held.byKey().get(id);
        return figures == null ? ApiKeyUsage.none(id) : figures.asOf(held.message().day(), today);
    }
}
