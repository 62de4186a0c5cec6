package io.keyway.gateway.service.routing;

import java.util.List;

/**
 * The router's output: per requested model (in fallback order) the attempts to make, and for models that had no
 * allowed provider the reason, so the caller can answer 404 "No allowed providers" when no model is routable.
 */
public record RoutingPlan(List<ModelRoute> routes, List<NoAllowedProviders> unroutable) {

    /** The attempts for one model, in the order they are tried. */
    public record ModelRoute(String model, List<Attempt> attempts) {
    }

    /** A model none of whose providers survived the filters (account ignore list, only, ignore, max_price, …). */
    public record NoAllowedProviders(String model, List<String> availableProviders, List<String> requestedProviders,
                                     String failedStep) {
    }

    public boolean routable() {
        return routes.stream().anyMatch(r -> !r.attempts().isEmpty());
    }

    public int attemptCount() {
        return routes.stream().mapToInt(r -> r.attempts().size()).sum();
    }
}
