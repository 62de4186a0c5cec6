package io.keyway.gateway.service;

import io.keyway.contracts.AccountState;
import io.keyway.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * What the platform charges for a request, as the gateway reports it in {@code usage.cost} (billing-service's ledger is
 * authoritative): the list cost for pooled capacity; for BYOK 0 while the account's BYOK requests this UTC month (from
 * billing's account state) are within the free allowance, else the fee rate times the list cost.
 */
@ApplicationScoped
public class UsageCost {

    private final AccountStates states;
    private final long freeRequests;
    private final BigDecimal rate;

    public UsageCost(AccountStates states, GatewayConfig config) {
        this.states = states;
        this.freeRequests = config.byokFee().freeRequestsPerMonth();
        this.rate = config.byokFee().rate();
    }

    public BigDecimal charged(String accountId, boolean byok, BigDecimal listCost) {
        if (!byok) {
            return listCost;
        }
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        long used = states.get(accountId).filter(s -> month.equals(s.month()))
                .map(AccountState::byokRequestsThisMonth).orElse(0L);
        return used >= freeRequests ? listCost.multiply(rate).stripTrailingZeros() : BigDecimal.ZERO;
    }
}
