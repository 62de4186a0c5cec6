package io.keyway.contracts;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * DESIGN.md §4's BYOK fee, stated once for billing-service, which charges it, and gateway-service, which reports it in
 * {@code usage.cost} from billing's account state: a BYOK request carries no fee while the account's monthly allowance
 * lasts (a number of requests, or an amount of list cost), then the rate times the list cost beyond it, rounded half
 * up to {@link #SCALE} places (the ledger's NUMERIC scale).
 */
public final class ByokFee {

    public static final int SCALE = 12;

    private ByokFee() {
    }

    /**
     * The part of a BYOK request's list cost that carries the fee, given the account's BYOK requests and their list cost
     * earlier in the same month.
     */
    public static BigDecimal base(boolean listCostAllowance, long freeRequests, BigDecimal freeListCost,
                                  BigDecimal listCost, long requestsBefore, BigDecimal listCostBefore) {
        if (listCostAllowance) {
            BigDecimal freeLeft = freeListCost.subtract(listCostBefore).max(BigDecimal.ZERO);
            return listCost.subtract(freeLeft).max(BigDecimal.ZERO);
        }
        return requestsBefore + 1 <= freeRequests ? BigDecimal.ZERO : listCost;
    }

    /** The fee on {@code base}: zero for none, else {@code rate × base} rounded half up to {@link #SCALE} places. */
    public static BigDecimal fee(BigDecimal rate, BigDecimal base) {
        return base.signum() == 0 ? BigDecimal.ZERO : rate.multiply(base).setScale(SCALE, RoundingMode.HALF_UP);
    }
}
