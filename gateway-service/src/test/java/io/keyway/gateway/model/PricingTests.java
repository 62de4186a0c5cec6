package io.keyway.gateway.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** DESIGN.md §4: the list cost of a request, from the catalog entry of the model and provider that served it. */
class PricingTests {

    @Test
    void listCostIsPromptTokensTimesPromptPricePlusCompletionTokensTimesCompletionPricePlusRequestPrice() {
        Pricing pricing = new Pricing(new BigDecimal("0.000003"), new BigDecimal("0.000015"), new BigDecimal("0.0004"));

        // 1234 x 0.000003 + 567 x 0.000015 + 0.0004 = 0.003702 + 0.008505 + 0.0004
        assertEquals(new BigDecimal("0.012607"), pricing.listCost(1234, 567));
    }

    @Test
    void listCostIsExactWithoutBinaryFloatingPointError() {
        Pricing pricing = new Pricing(new BigDecimal("0.1"), new BigDecimal("0.2"), null);

        // as doubles 0.1 + 0.2 is 0.30000000000000004
        assertEquals(new BigDecimal("0.3"), pricing.listCost(1, 1));
        assertEquals(BigDecimal.ZERO, new Pricing(null, null, null).listCost(0, 0).stripTrailingZeros());
    }
}
