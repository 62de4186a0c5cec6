package io.keyway.gateway.metrics;

import io.keyway.gateway.service.CreditCheck;
import io.keyway.gateway.service.limits.RequestLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The 402 refusals, counted in the same meter as request limits' 429s ({@link RequestLimits#REFUSALS_METRIC}) so that
 * one query shows every request a limit refused: {@code status="402"}, {@code limit_source} as in the error's
 * metadata (OpenRouter's {@code openrouter_credits} or {@code openrouter_key_limit}), and {@code limit_type}
 * {@value #EXHAUSTED} (the balance or the key's spend already reached its limit, refused before routing) or
 * {@value #RESERVATION} (this request's worst case does not fit what is left).
 */
public final class CreditRefusals {

    public static final String EXHAUSTED = "exhausted";
    public static final String RESERVATION = "reservation";

    private final Counter creditsExhausted;
    private final Counter keyLimitExhausted;
    private final Counter creditsReservation;
    private final Counter keyLimitReservation;

    public CreditRefusals(MeterRegistry registry) {
        this.creditsExhausted = counter(registry, CreditCheck.ACCOUNT_CREDITS, EXHAUSTED);
        this.keyLimitExhausted = counter(registry, CreditCheck.KEY_LIMIT, EXHAUSTED);
        this.creditsReservation = counter(registry, CreditCheck.ACCOUNT_CREDITS, RESERVATION);
        this.keyLimitReservation = counter(registry, CreditCheck.KEY_LIMIT, RESERVATION);
    }

    private static Counter counter(MeterRegistry registry, String source, String type) {
        return Counter.builder(RequestLimits.REFUSALS_METRIC).description(RequestLimits.REFUSALS_DESCRIPTION)
                .tag("status", "402").tag("limit_source", source).tag("limit_type", type).register(registry);
    }

    /** Refused before routing: the account's balance is not above zero, or the key has spent its limit. */
    public void exhausted(boolean keyLimit) {
        (keyLimit ? keyLimitExhausted : creditsExhausted).increment();
    }

    /** Refused at reservation: the request's worst case does not fit the account's or the key's budget. */
    public void reservation(boolean keyLimit) {
        (keyLimit ? keyLimitReservation : creditsReservation).increment();
    }
}
