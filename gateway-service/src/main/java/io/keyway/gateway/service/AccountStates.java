package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountState;
import io.keyway.gateway.metrics.AccountStateLag;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Billing's account state (balance, BYOK month counter, API-key spend), consumed from the compacted
 * keyway.account-state.v1 from its beginning by every gateway instance and kept in memory: the 402 check makes no call.
 * A state older (by sequence) than the one held is ignored.
 */
@Singleton
public class AccountStates {

    private static final Logger LOG = Logger.getLogger(AccountStates.class);

    private final Map<String, AccountState> states = new ConcurrentHashMap<>();
    private final ObjectMapper json;
    private final AccountStateLag lag = new AccountStateLag();

    public AccountStates(ObjectMapper json) {
        this.json = json;
    }

    @Incoming("account-state")
    public void consume(String value) {
        if (value == null) {
            return; // tombstone: nothing to learn
        }
        try {
            apply(json.readValue(value, AccountState.class));
        } catch (Exception e) {
            LOG.warnf("Ignoring unreadable account state record (%s)", e.getClass().getSimpleName());
        }
    }

    public void apply(AccountState state) {
        if (state.accountId() == null) {
            return;
        }
        states.merge(state.accountId(), state, (held, incoming) -> incoming.sequence() >= held.sequence() ? incoming : held);
        lag.applied(state.updatedAt());
    }

    /** How current the states held are (the account-state lag and age gauges). */
    public AccountStateLag lag() {
        return lag;
    }

    public Optional<AccountState> get(String accountId) {
        return Optional.ofNullable(states.get(accountId));
    }

    /** DESIGN.md §2: no state known = balance 0. */
    public BigDecimal balance(String accountId) {
        AccountState s = states.get(accountId);
        return s == null || s.balance() == null ? BigDecimal.ZERO : s.balance();
    }
}
