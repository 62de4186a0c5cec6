package io.keyway.billing.service;

import java.util.Map;

/** A request billing refuses, with the HTTP status it maps to and what is wrong (no secrets). */
public class BillingProblem extends RuntimeException {

    private final int status;
    private final Map<String, Object> metadata;

    public BillingProblem(int status, String message, Map<String, Object> metadata) {
        super(message, null, false, false);
        this.status = status;
        this.metadata = metadata == null ? Map.of() : metadata;
    }

    public static BillingProblem invalid(String field, String message) {
        return new BillingProblem(400, message, Map.of("field", field));
    }

    public int status() {
        return status;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }
}
