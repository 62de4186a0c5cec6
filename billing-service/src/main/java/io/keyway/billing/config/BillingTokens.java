package io.keyway.billing.config;

import io.keyway.contracts.ServiceToken;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * billing-service's bearer tokens: the operators' admin token, the gateway's token (the only caller of billing's
 * {@code /internal/v1}), and billing's own token on key-service, which key-service holds to API-key lookups. Built at
 * start: without them billing-service refuses to start, naming the missing setting (production has no defaults).
 */
@Startup
@ApplicationScoped
public class BillingTokens {

    private final ServiceToken admin;
    private final ServiceToken gateway;
    private final ServiceToken own;

    public BillingTokens(BillingConfig config) {
        this.admin = ServiceToken.required("keyway.billing.admin-token", "KEYWAY_ADMIN_TOKEN", config.adminToken());
        this.gateway = ServiceToken.required("keyway.billing.internal-tokens.gateway", "KEYWAY_GATEWAY_TOKEN",
                config.internalTokens().gateway());
        this.own = ServiceToken.required("keyway.billing.service-token", "KEYWAY_BILLING_TOKEN", config.serviceToken());
        ServiceToken.requireDistinct(admin, gateway, own);
    }

    /** Accepted on {@code /admin/v1}. */
    public ServiceToken admin() {
        return admin;
    }

    /** Accepted on {@code /internal/v1}. */
    public ServiceToken gateway() {
        return gateway;
    }

    /** Sent to key-service. */
    public ServiceToken own() {
        return own;
    }
}
