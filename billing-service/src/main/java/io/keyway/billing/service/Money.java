package io.keyway.billing.service;

import java.math.BigDecimal;

/** Money as it goes on the wire: exact, without trailing zeros or exponent ("0.05", "10", "0"). */
public final class Money {

    private Money() {
    }

    public static BigDecimal wire(BigDecimal amount) {
        if (amount == null) {
            return null;
        }
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
