package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountState;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.Pricing;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worst case a request reserves before it is sent (docs/decisions.md, "Budget leases"). */
class WorstCaseTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode body(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static ModelEndpoint endpoint(Integer maxCompletion) {
        return new ModelEndpoint("p", "m", new Pricing(new BigDecimal("0.0001"), new BigDecimal("0.0002"),
                BigDecimal.ZERO), 8192, maxCompletion, null, List.of());
    }

    @Test
    void promptIsEstimatedAtThreeCharactersPerTokenPlusFourPerMessageAndAThousandPerNonTextPart() throws Exception {
        assertEquals(10 + 4, WorstCase.promptTokens(body(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a cat.\"}]}")));
        assertEquals(1 + 4 + 1 + 4 + 1000, WorstCase.promptTokens(body("{\"messages\":[{\"role\":\"system\",\"content\":\"abc\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}]}")));
    }

    @Test
    void completionIsTheRequestsCapWithinTheEndpointsElseTheEndpointsElseTheConfiguredDefault() throws Exception {
        assertEquals(5, WorstCase.completionTokens(WorstCase.requestedMaxTokens(body("{\"max_tokens\":5}")),
                endpoint(null), 4096));
        assertEquals(7, WorstCase.completionTokens(WorstCase.requestedMaxTokens(
                body("{\"max_tokens\":5,\"max_completion_tokens\":7}")), endpoint(null), 4096));
        assertEquals(100, WorstCase.completionTokens(WorstCase.requestedMaxTokens(body("{\"max_tokens\":500}")),
                endpoint(100), 4096));
        assertEquals(100, WorstCase.completionTokens(null, endpoint(100), 4096));
        assertEquals(4096, WorstCase.completionTokens(null, endpoint(null), 4096));
    }

    @Test
    void byokRequestReservesNoFeeWhileTheAllowanceClearlyCoversItAndTheRateTimesListCostNearItsEnd() {
        AccountStates states = new AccountStates(JSON);
        UsageCost cost = new UsageCost(states, new AccountState.ByokTerms(AccountState.ByokTerms.REQUESTS, 1_000_000,
                BigDecimal.ZERO, new BigDecimal("0.05")));
        BigDecimal list = new BigDecimal("0.01");
        assertEquals(0, cost.worstCaseFee("acct", list, 1000).signum(), "no state yet: the whole allowance is left");
        String month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
        states.apply(new AccountState(1, "acct", BigDecimal.TEN, month, 999_000, BigDecimal.ZERO, BigDecimal.ZERO,
                null, List.of(), 1, java.time.Instant.now()));
        assertEquals(0, cost.worstCaseFee("acct", list, 1000).signum(), "1,000 free requests left: covered");
        states.apply(new AccountState(1, "acct", BigDecimal.TEN, month, 999_001, BigDecimal.ZERO, BigDecimal.ZERO,
                null, List.of(), 2, java.time.Instant.now()));
        assertEquals(0, cost.worstCaseFee("acct", list, 1000).compareTo(new BigDecimal("0.0005")),
                "999 left, other replicas may use them: the rate times the whole list cost");
    }
}
