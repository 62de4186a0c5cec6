package io.keyway.gateway.service;

import io.keyway.contracts.AccountState;
import io.keyway.contracts.ByokFee;
import io.keyway.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * What the platform charges for a request, as the gateway reports it in {@code usage.cost} (billing-service's ledger is
 * authoritative; this applies the same rules, DESIGN.md §4, to the account state billing published last): the list
 * cost for pooled capacity; for BYOK nothing while the month's allowance lasts, else the fee rate times the list cost
 * beyond it. The allowance and rate are the account's own terms from its state (its negotiated override, or billing's
 * configured defaults, which may count list cost instead of requests); {@code keyway.gateway.byok-fee.*} only when a
 * state carries none (published by an older billing-service).
 */
@Singleton
public class UsageCost {

    private final AccountStates states;
    private final AccountState.ByokTerms configured;

    @Inject
    public UsageCost(AccountStates states, GatewayConfig config) {
        this(states, new AccountState.ByokTerms(AccountState.ByokTerms.REQUESTS,
                config.byokFee().freeRequestsPerMonth(), BigDecimal.ZERO, config.byokFee().rate()));
    }

    /** {@code configured}: the terms for states that carry none. */
    UsageCost(AccountStates states, AccountState.ByokTerms configured) {
        this.states = states;
        this.configured = configured;
    }

    /**
     * The most a BYOK request of {@code listCost} can be charged, for its reservation (docs/decisions.md, "Budget
     * leases"): nothing while the month's free allowance clearly covers it — at least {@code margin} free requests left
     * (or, for an allowance in list cost, {@code margin} times this list cost), since other replicas use it too —
     * otherwise the fee rate times the whole list cost.
     */
    public BigDecimal worstCaseFee(String accountId, BigDecimal listCost, long margin) {
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        Optional<AccountState> state = states.get(accountId);
        AccountState.ByokTerms terms = state.map(AccountState::byokTerms).orElse(configured);
        Optional<AccountState> thisMonth = state.filter(s -> month.equals(s.month()));
        boolean covered;
        if (AccountState.ByokTerms.LIST_COST.equals(terms.allowance())) {
            BigDecimal used = thisMonth.map(AccountState::byokListCostThisMonth).orElse(BigDecimal.ZERO);
            BigDecimal free = terms.freeListCost() == null ? BigDecimal.ZERO : terms.freeListCost();
            covered = free.subtract(used).compareTo(listCost.multiply(BigDecimal.valueOf(margin))) >= 0;
        } else {
            long used = thisMonth.map(AccountState::byokRequestsThisMonth).orElse(0L);
            covered = terms.freeRequests() - used >= margin;
        }
        return covered ? BigDecimal.ZERO : terms.feeRate().multiply(listCost);
    }

    public BigDecimal charged(String accountId, boolean byok, BigDecimal listCost) {
        if (!byok) {
            return listCost;
        }
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        Optional<AccountState> state = states.get(accountId);
        AccountState.ByokTerms terms = state.map(AccountState::byokTerms).orElse(configured);
        Optional<AccountState> thisMonth = state.filter(s -> month.equals(s.month()));
        BigDecimal feeBase = ByokFee.base(AccountState.ByokTerms.LIST_COST.equals(terms.allowance()),
                terms.freeRequests(), terms.freeListCost(), listCost,
                thisMonth.map(AccountState::byokRequestsThisMonth).orElse(0L),
                thisMonth.map(AccountState::byokListCostThisMonth).orElse(BigDecimal.ZERO));
        return ByokFee.fee(terms.feeRate(), feeBase).stripTrailingZeros();
    }
}
