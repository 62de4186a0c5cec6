package io.keyway.billing;

import static io.keyway.billing.UsageEvents.byok;
import static io.keyway.billing.UsageEvents.event;
import static io.keyway.billing.UsageEvents.id;
import static io.keyway.billing.UsageEvents.newAccount;
import static io.keyway.billing.UsageEvents.nonByok;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * billing-service publishes each account's usage per API key on the (per-run) compacted api-key-usage topic of the
 * real broker after applying usage events, beside the account state and with its sequence; key-service shows it on
 * /api/v1/keys.
 */
@QuarkusTest
class ApiKeyUsagePublishingTests {

    private static final String ADMIN = "Bearer local-admin-token";

    @Inject
    BillingConfig config;

    @Test
    void afterUsageEventsAreAppliedEachKeysChargesAndByokListCostArePublishedPerUtcDayWeekMonthAndAllTime() {
        String account = newAccount();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // the 15th of last month: before this month, this week and today, whatever today is
        String lastMonth = today.minusMonths(1).withDayOfMonth(15) + "T10:00:00Z";
        String now = Instant.now().toString();
        String other = "key-other-" + account;
        TestKafka.send(config.usageTopic(), List.of(
                new String[] {account, nonByok(id(), account, lastMonth, "0.25")},
                new String[] {account, nonByok(id(), account, now, "0.5")},
                new String[] {account, byok(id(), account, now, "3")},
                new String[] {account, event(id(), account, other, now, false, "1.125", "success")},
                new String[] {account, event(id(), account, other, now, false, "7", "error")}));

        JsonNode usage = awaitUsage(account, u -> u.get("api_keys").size() == 2
                && byKey(u).get("key-" + account).get("byok_usage").asText().equals("3"));

        assertEquals(today.toString(), usage.get("day").asText(), "the UTC day the figures were computed for");
        Map<String, JsonNode> keys = byKey(usage);
        JsonNode main = keys.get("key-" + account);
        assertEquals("0.75", main.get("usage").asText(), "all time: Keyway's charges, the BYOK request was free");
        for (String period : List.of("daily", "weekly", "monthly")) {
            assertEquals("0.5", main.get("usage_" + period).asText(), period);
            assertEquals("3", main.get("byok_usage_" + period).asText(), period);
        }
        JsonNode second = keys.get(other);
        assertEquals("1.125", second.get("usage").asText(), "a failed request is not charged");
        assertEquals("1.125", second.get("usage_daily").asText());
        assertEquals("0", second.get("byok_usage").asText());
        assertEquals("0", second.get("byok_usage_monthly").asText());

        JsonNode state = stateWithSequence(account, usage.get("sequence").asLong());
        assertEquals(usage.get("updated_at").asText(), state.get("updated_at").asText(),
                "the usage message belongs to the account state of the same snapshot");
    }

    @Test
    void anAccountWithoutKeySpendGetsAMessageWithNoKeysAndEachChangeRaisesItsSequence() {
        String account = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json").body("{\"amount\":\"10.00\"}")
                .post("/admin/v1/accounts/{a}/credits", account).then().statusCode(201);
        JsonNode afterTopUp = awaitUsage(account, u -> true);
        assertEquals(0, afterTopUp.get("api_keys").size(), "a top-up is no API key's spend");

        TestKafka.send(config.usageTopic(), account, nonByok(id(), account, Instant.now().toString(), "0.5"));
        JsonNode afterCharge = awaitUsage(account, u -> u.get("api_keys").size() == 1);
        assertEquals("0.5", afterCharge.get("api_keys").get(0).get("usage").asText());
        assertTrue(afterCharge.get("sequence").asLong() > afterTopUp.get("sequence").asLong(), "sequence grows");
    }

    private static Map<String, JsonNode> byKey(JsonNode usage) {
        Map<String, JsonNode> out = new HashMap<>();
        usage.get("api_keys").forEach(k -> out.put(k.get("api_key_id").asText(), k));
        return out;
    }

    /** The latest usage message of the account once it satisfies {@code wanted}, checked against its schema. */
    private JsonNode awaitUsage(String account, Predicate<JsonNode> wanted) {
        List<ConsumerRecord<String, byte[]>> records = TestKafka.awaitRecords(config.apiKeyUsageTopic(), account,
                r -> !r.isEmpty() && wanted.test(Schemas.valid(Schemas.API_KEY_USAGE, r.get(r.size() - 1).value())));
        return Schemas.valid(Schemas.API_KEY_USAGE, records.get(records.size() - 1).value());
    }

    /** The account state on the state topic with this sequence. */
    private JsonNode stateWithSequence(String account, long sequence) {
        Predicate<JsonNode> wanted = s -> s.get("sequence").asLong() == sequence;
        List<ConsumerRecord<String, byte[]>> records = TestKafka.awaitRecords(config.accountStateTopic(), account,
                r -> r.stream().anyMatch(rec -> wanted.test(Schemas.valid(Schemas.ACCOUNT_STATE, rec.value()))));
        return records.stream().map(rec -> Schemas.valid(Schemas.ACCOUNT_STATE, rec.value())).filter(wanted)
                .findFirst().orElseThrow();
    }
}
