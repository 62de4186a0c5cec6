package io.keyway.gateway.service.routing;

/** What the router may know about endpoints' recent behaviour, for ordering only (never for filtering). */
public interface EndpointStats {

    /** The endpoint failed recently (its breaker is open or it failed within the last seconds). */
    boolean recentlyFailed(String model, String provider);

    /** Smoothed observed latency in ms, or {@link Double#NaN} when unknown. */
    double latencyMs(String model, String provider);

    EndpointStats NONE = new EndpointStats() {
        @Override
        public boolean recentlyFailed(String model, String provider) {
            return false;
        }

        @Override
        public double latencyMs(String model, String provider) {
            return Double.NaN;
        }
    };
}
