package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/statements/{month}/daily} (the console's chart): the account's successful requests, BYOK
 * requests, failed requests, list cost and charges per UTC day of the month, for its own management key only.
 */
@QuarkusTest
@WithTestResource(KeyServiceProcess.class)
class DailyUsageTests {

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void keyServiceIsThere() {
        Assumptions.assumeTrue(KeyServiceProcess.available(),
                "key-service/target/quarkus-app is not built: build key-service first (./mvnw -pl key-service package)");
    }

    private static String[] newAccount() {
        JsonPath created = given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer local-admin-token")
                .contentType("application/json").body(Map.of("name", "billing-daily-" + UUID.randomUUID()))
                .post("/admin/v1/accounts").then().statusCode(201).extract().jsonPath();
        return new String[] {created.getString("data.id"), created.getString("management_key")};
    }

    @Test
    void requestsAndChargesAreSummedPerUtcDayAndFailedOnesAreCountedApartWithoutCharge() {
        String[] account = newAccount();
        String[] other = newAccount();
        String a = UsageEvents.id();
        String b = UsageEvents.id();
        String c = UsageEvents.id();
        String d = UsageEvents.id();
        // 23:30 UTC on the 3rd and 00:30 UTC on the 4th are two days whatever the server's zone
        TestKafka.send(config.usageTopic(), account[0], UsageEvents.nonByok(a, account[0], "2026-11-03T23:30:00Z", "0.25"));
        TestKafka.send(config.usageTopic(), account[0], UsageEvents.byok(b, account[0], "2026-11-03T10:00:00Z", "2.00"));
        TestKafka.send(config.usageTopic(), account[0], UsageEvents.nonByok(c, account[0], "2026-11-04T00:30:00Z", "0.50"));
        TestKafka.send(config.usageTopic(), account[0], UsageEvents.event(d, account[0], "key-x",
                "2026-11-04T01:00:00Z", false, "0.75", "error"));
        TestDb db = new TestDb(dataSource);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> db.charge(a) != null && db.charge(b) != null && db.charge(c) != null && db.charge(d) != null);

        JsonPath days = given().header("Authorization", "Bearer " + account[1]).get("/api/v1/statements/2026-11/daily")
                .then().statusCode(200).body("data.month", equalTo("2026-11")).extract().jsonPath();
        assertEquals(List.of("2026-11-03", "2026-11-04"), days.getList("data.days.day"));
        assertEquals(List.of(2, 1), days.getList("data.days.requests"));
        assertEquals(List.of(1, 0), days.getList("data.days.byok_requests"));
        assertEquals(List.of(0, 1), days.getList("data.days.failed_requests"));
        assertEquals(List.of("2.25", "0.5"), days.getList("data.days.list_cost"));
        assertEquals(List.of("0.25", "0.5"), days.getList("data.days.charged"), "BYOK within the allowance costs nothing");

        given().header("Authorization", "Bearer " + other[1]).get("/api/v1/statements/2026-11/daily")
                .then().statusCode(200).body("data.days.size()", equalTo(0));
    }

    @Test
    void badMonthIs400NamingItAndNoKeyIs401() {
        String[] account = newAccount();
        given().header("Authorization", "Bearer " + account[1]).get("/api/v1/statements/2026-13/daily")
                .then().statusCode(400).body("error.message", containsString("YYYY-MM"));
        given().get("/api/v1/statements/2026-11/daily").then().statusCode(401);
    }
}
