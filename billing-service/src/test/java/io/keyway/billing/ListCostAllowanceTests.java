package io.keyway.billing;

import static io.keyway.billing.UsageEvents.byok;
import static io.keyway.billing.UsageEvents.id;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The allowance may instead be configured as an amount of list cost per month (OpenRouter's 2026 rule): here 2.00 USD
 * of BYOK list cost a month free, then 5%.
 */
@QuarkusTest
@TestProfile(ListCostAllowanceTests.TwoDollarsFree.class)
class ListCostAllowanceTests {

    public static class TwoDollarsFree implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyway.billing.byok-allowance", "list-cost",
                    "keyway.billing.byok-free-list-cost-per-month", "2.00");
        }
    }

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @Test
    void allowanceConfiguredAsListCostPerMonthIsFreeUpToThatAmountThenChargesTheRateOnTheRest() {
        TestDb db = new TestDb(dataSource);
        String account = UsageEvents.newAccount();
        List<String> ids = List.of(id(), id(), id(), id());
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(new String[] {account, byok(ids.get(i), account, "2026-11-05T08:00:0" + i + "Z", "0.80")});
        }
        // December has its own 2.00
        records.add(new String[] {account, byok(ids.get(3), account, "2026-12-01T00:00:00Z", "0.80")});
        TestKafka.send(config.usageTopic(), records);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(e -> db.charge(e) != null));

        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(ids.get(0))), "0.80 of 2.00 used");
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(ids.get(1))), "1.60 of 2.00 used");
        assertEquals(0, new BigDecimal("0.02").compareTo(db.charge(ids.get(2))), "0.40 beyond 2.00: 5% of 0.40");
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(ids.get(3))), "a new month, a new allowance");

        given().header("Authorization", "Bearer local-admin-token").get("/admin/v1/accounts/{a}/statements/2026-11", account)
                .then().statusCode(200)
                .body("data.byok.allowance", equalTo("list-cost"))
                .body("data.byok.free_list_cost_per_month", equalTo("2"))
                .body("data.byok.free_list_cost_left", equalTo("0"))
                .body("data.byok.fees", equalTo("0.02"));
    }
}
