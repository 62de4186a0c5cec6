package io.keyway.gateway.metrics;

import io.keyway.gateway.service.routing.Attempt;

/**
 * The step of a routing plan an attempt belongs to (DESIGN.md §2), as the routing metrics tag it: the requested model's
 * three phases — prioritized BYOK keys, pooled capacity, fallback keys — and any attempt on a model from the request's
 * {@code models} list after the first.
 */
enum RoutingStep {
    BYOK("byok"), POOLED("pooled"), FALLBACK("fallback"), FALLBACK_MODEL("fallback_model");

    final String tag;

    RoutingStep(String tag) {
        this.tag = tag;
    }

    static RoutingStep of(Attempt attempt, String firstModel) {
        if (!attempt.model().id().equals(firstModel)) {
            return FALLBACK_MODEL;
        }
        return switch (attempt.kind()) {
            case BYOK_PRIORITIZED -> BYOK;
            case POOLED -> POOLED;
            case BYOK_FALLBACK -> FALLBACK;
        };
    }
}
