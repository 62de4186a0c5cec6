package io.keyway.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;

/** All of billing-service's own settings, under {@code keyway.billing}. */
@ConfigMapping(prefix = "keyway.billing")
public interface BillingConfig {

    /** Bearer token operators use on {@code /admin/v1}. */
    String adminToken();

    /** Bearer token for {@code /internal/v1} calls between Keyway services. */
    String internalToken();

    /** Base URL of key-service, used to authenticate management keys. */
    String keyServiceUrl();

    /** BYOK requests per account and calendar month (UTC) that carry no fee (DESIGN.md §4). */
    @WithDefault("1000000")
    long byokFreeRequestsPerMonth();

    /** Share of the list cost charged for each BYOK request past the free allowance. */
    @WithDefault("0.05")
    BigDecimal byokFeeRate();
}
