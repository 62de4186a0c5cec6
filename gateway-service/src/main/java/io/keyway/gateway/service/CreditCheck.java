package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.AccountState.ApiKeySpend;
import io.keyway.gateway.metrics.CreditRefusals;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Optional;

/**
 * DESIGN.md §2 "before routing": 402 when the account's balance is not above zero (no state known = 0; BYOK requests
 * too, the fee is paid from credits), or when the calling key's spend in its current limit period reached its limit.
 * Reads only the in-memory account state from billing's topic: no call on the request path.
 * {@code metadata.limit_source} uses OpenRouter's values ({@code openrouter_credits}, {@code openrouter_key_limit}) so
 * clients written for OpenRouter recognise them.
 */
@Singleton
public class CreditCheck {

    public static final String ACCOUNT_CREDITS = "openrouter_credits";
    public static final String KEY_LIMIT = "openrouter_key_limit";

    private final AccountStates states;
    private final CreditRefusals refusals;

    public CreditCheck(AccountStates states) {
        this(states, new SimpleMeterRegistry());
    }

    @Inject
    public CreditCheck(AccountStates states, MeterRegistry registry) {
        this.states = states;
        this.refusals = new CreditRefusals(registry);
    }

    public void require(Caller caller) {
        if (states.balance(caller.accountId()).signum() <= 0) {
            refusals.exhausted(false);
            throw insufficient("Insufficient credits. Add more credits to this account", ACCOUNT_CREDITS);
        }
        BigDecimal limit = caller.key().limit();
        if (limit != null) {
            BigDecimal spend = keySpend(caller, states.get(caller.accountId()));
            if (spend.compareTo(limit) >= 0) {
                refusals.exhausted(true);
                throw insufficient("Key limit exceeded: this API key has spent its limit of " + limit.toPlainString()
                        + " USD for the current period", KEY_LIMIT);
            }
        }
    }

    /** The key's spend in its current period; a period that has rolled over since billing's last state counts as 0. */
    public BigDecimal keySpend(Caller caller, Optional<AccountState> state) {
        return state.flatMap(s -> s.apiKeys() == null ? Optional.empty()
                        : s.apiKeys().stream().filter(k -> caller.apiKeyId().equals(k.apiKeyId())).findFirst())
                .filter(k -> k.periodStart() == null || !k.periodStart().isBefore(periodStart(caller.key().limitReset())))
                .map(ApiKeySpend::spend)
                .orElse(BigDecimal.ZERO);
    }

    static Instant periodStart(String limitReset) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate start = switch (limitReset == null ? "" : limitReset) {
            case "daily" -> today;
            case "weekly" -> today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "monthly" -> today.withDayOfMonth(1);
            default -> LocalDate.of(1970, 1, 1);
        };
        return start.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static GatewayError insufficient(String message, String source) {
        var metadata = JsonNodeFactory.instance.objectNode().put("limit_source", source);
        return new GatewayError(402, message, metadata);
    }
}
