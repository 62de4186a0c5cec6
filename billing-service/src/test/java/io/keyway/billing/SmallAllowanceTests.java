package io.keyway.billing;

import static io.keyway.billing.UsageEvents.byok;
import static io.keyway.billing.UsageEvents.id;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The allowance and rate are configuration: with 3 free BYOK requests a month and 10%, the 4th is the first charged. */
@QuarkusTest
@TestProfile(SmallAllowanceTests.ThreeFree.class)
class SmallAllowanceTests {

    public static class ThreeFree implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyway.billing.byok-free-requests-per-month", "3", "keyway.billing.byok-fee-rate", "0.1");
        }
    }

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @Test
    void configuredAllowanceOfThreeAndRateOfTenPercentMakeTheThirdByokRequestTheLastFreeAndTheFourthPayTenPercent() {
        TestDb db = new TestDb(dataSource);
        String account = UsageEvents.newAccount();
        List<String> ids = List.of(id(), id(), id(), id());
        for (int i = 0; i < ids.size(); i++) {
            TestKafka.send(config.usageTopic(), account,
                    byok(ids.get(i), account, "2026-11-05T08:00:0" + i + "Z", "0.30"));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(e -> db.charge(e) != null));
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(ids.get(2))), "3rd: last free");
        assertEquals(0, new BigDecimal("0.03").compareTo(db.charge(ids.get(3))), "4th: 10% of 0.30");
        assertEquals(0, new BigDecimal("-0.03").compareTo(db.balance(account)));
    }

    @Test
    void perAccountOverrideToAListCostAllowanceChargesOnlyThePartOfTheCrossingRequestBeyondIt() {
        TestDb db = new TestDb(dataSource);
        String account = UsageEvents.newAccount();
        given().header("Authorization", "Bearer local-admin-token").contentType("application/json")
                .body("{\"byok_allowance\":\"list-cost\",\"byok_free_list_cost\":\"1.00\",\"byok_fee_rate\":\"0.05\"}")
                .put("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200);
        List<String> ids = List.of(id(), id(), id());
        for (int i = 0; i < ids.size(); i++) {
            TestKafka.send(config.usageTopic(), account,
                    byok(ids.get(i), account, "2026-11-05T08:00:0" + i + "Z", "0.60"));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(e -> db.charge(e) != null));
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(ids.get(0))), "0.60 of 1.00 used: free");
        assertEquals(0, new BigDecimal("0.01").compareTo(db.charge(ids.get(1))), "crosses at 1.00: 5% of 0.20");
        assertEquals(0, new BigDecimal("0.03").compareTo(db.charge(ids.get(2))), "past it: 5% of 0.60");
    }
}
