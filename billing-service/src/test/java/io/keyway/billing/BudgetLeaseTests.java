package io.keyway.billing;

import static io.keyway.billing.UsageEvents.id;
import static io.keyway.billing.UsageEvents.newAccount;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Budget leases (docs/decisions.md, "Budget leases") granted by the running service over its internal API, with the
 * gateway's token, and counted against by its own consumer from usage events on the real broker.
 */
@QuarkusTest
class BudgetLeaseTests {

    private static final String ADMIN = "Bearer local-admin-token";
    private static final String GATEWAY = "Bearer local-gateway-token";

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(dataSource);
    }

    private static void topUp(String account, String amount) {
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"amount\":\"" + amount + "\"}")
                .post("/admin/v1/accounts/{a}/credits", account).then().statusCode(201);
    }

    private static JsonPath sync(String lease, String body) {
        return given().header("Authorization", GATEWAY).contentType("application/json").body(body)
                .post("/internal/v1/budget-leases/{id}", lease).then().statusCode(200).extract().jsonPath();
    }

    private static String accountSync(String account, String settled, String reserved, String want) {
        return """
                {"account_id":"%s","scope":"account","settled":"%s","reserved":"%s","want":"%s"}"""
                .formatted(account, settled, reserved, want);
    }

    private static BigDecimal granted(JsonPath grant) {
        return new BigDecimal(grant.getString("granted"));
    }

    /** A version-3 usage event of {@code account}'s key, reserved against {@code leases}. */
    private static String event(String eventId, String account, String apiKeyId, boolean byok, String listCost,
                                String... leases) {
        StringBuilder ids = new StringBuilder();
        for (String l : leases) {
            ids.append(ids.isEmpty() ? "" : ",").append('"').append(l).append('"');
        }
        return """
                {"schema_version":3,"event_id":"%s","occurred_at":"%s","account_id":"%s","api_key_id":"%s",\
                "model":"openai/gpt-4o-mini","provider":"openai","is_byok":%s,"byok_key_id":%s,"prompt_tokens":10,\
                "completion_tokens":5,"list_cost":"%s","status":"success","http_status":200,"latency_ms":42,\
                "streamed":true,"attempts":1,"abandoned_attempts":[],"interrupted":null,"tokens_estimated":false,\
                "budget_leases":[%s]}"""
                .formatted(eventId, Instant.now(), account, apiKeyId, byok, byok ? "\"byok-1\"" : "null", listCost, ids);
    }

    private void apply(String account, String eventId, String json) {
        TestKafka.send(config.usageTopic(), List.<String[]>of(new String[] {account, json}));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> db.charge(eventId) != null);
    }

    @Test
    void leasesGrantedToManyReplicasAtOnceNeverAddUpToMoreThanTheAccountsBalance() throws Exception {
        String account = newAccount();
        topUp(account, "0.01");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<BigDecimal>> grants = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String lease = UUID.randomUUID().toString();
                grants.add(pool.submit(() -> granted(sync(lease, accountSync(account, "0", "0", "0.0007")))));
            }
            BigDecimal total = BigDecimal.ZERO;
            for (Future<BigDecimal> g : grants) {
                total = total.add(g.get());
            }
            assertEquals(0, total.compareTo(new BigDecimal("0.01")), "the whole balance, and not a cent more: " + total);
        } finally {
            pool.shutdownNow();
        }
        JsonPath late = sync(UUID.randomUUID().toString(), accountSync(account, "0", "0", "1"));
        assertEquals(0, granted(late).signum(), "nothing is left for a replica that comes later");
        assertEquals(0, new BigDecimal(late.getString("available")).signum());
    }

    @Test
    void aLeaseReturnsWhatItDoesNotUseAndAnotherReplicaCanThenBeGrantedIt() {
        String account = newAccount();
        topUp(account, "1");
        String first = UUID.randomUUID().toString();
        assertEquals(0, granted(sync(first, accountSync(account, "0", "0", "1"))).compareTo(BigDecimal.ONE));
        String second = UUID.randomUUID().toString();
        assertEquals(0, granted(sync(second, accountSync(account, "0", "0", "0.5"))).signum());

        // the first replica settled 0.3, has 0.1 in flight, and gives the rest back
        assertEquals(0, granted(sync(first, accountSync(account, "0.3", "0.1", "0"))).compareTo(new BigDecimal("0.4")));
        assertEquals(0, granted(sync(second, accountSync(account, "0", "0", "1"))).compareTo(new BigDecimal("0.6")));
    }

    @Test
    void aChargeAppliedFromAUsageEventIsNoLongerHeldByTheLeaseItWasReservedAgainst() {
        String account = newAccount();
        topUp(account, "1");
        String lease = UUID.randomUUID().toString();
        sync(lease, accountSync(account, "0", "0", "0.5"));
        sync(lease, accountSync(account, "0.25", "0", "0")); // one request settled at 0.25, nothing else wanted
        String eventId = id();
        apply(account, eventId, event(eventId, account, "key-" + account, false, "0.25", lease));
        assertEquals(0, db.balance(account).compareTo(new BigDecimal("0.75")));
        assertEquals(0, db.money("SELECT charged FROM budget_leases WHERE lease_id = ?::uuid", lease)
                .compareTo(new BigDecimal("0.25")));

        // counted once: the 0.25 left the balance, and the lease no longer holds it
        String other = UUID.randomUUID().toString();
        assertEquals(0, granted(sync(other, accountSync(account, "0", "0", "5"))).compareTo(new BigDecimal("0.75")));
    }

    @Test
    void aLapsedLeaseHoldsOnlyWhatItSettledAndBillingHasNotChargedUntilItsGraceEndsThenNothing() {
        String account = newAccount();
        topUp(account, "1");
        String gone = UUID.randomUUID().toString();
        sync(gone, accountSync(account, "0.2", "0.3", "0.5")); // holds 1: 0.2 settled, 0.3 in flight, 0.5 unused
        String other = UUID.randomUUID().toString();
        assertEquals(0, granted(sync(other, accountSync(account, "0", "0", "1"))).signum());

        // its replica stopped syncing: past the TTL it holds only the settled 0.2 (events still on their way)
        db.execute("UPDATE budget_leases SET expires_at = now() - interval '1 second' WHERE lease_id = ?::uuid", gone);
        assertEquals(0, granted(sync(other, accountSync(account, "0", "0", "1"))).compareTo(new BigDecimal("0.8")));

        // past the grace it holds nothing, and its row is deleted
        db.execute("UPDATE budget_leases SET expires_at = now() - ?::interval WHERE lease_id = ?::uuid",
                (config.budgetLeases().grace().toSeconds() + 1) + " seconds", gone);
        assertEquals(0, granted(sync(other, accountSync(account, "0", "0", "1"))).compareTo(BigDecimal.ONE));
        assertEquals(0, db.count("SELECT count(*) FROM budget_leases WHERE lease_id = ?::uuid", gone));
    }

    @Test
    void apiKeyLeaseGrantsAtMostTheLimitMinusTheKeysSpendInItsPeriodCountingByokListCostOnlyWhenTheKeySaysSo() {
        String account = newAccount();
        String key = "key-" + account;
        topUp(account, "100");
        String pooled = id();
        apply(account, pooled, event(pooled, account, key, false, "0.4"));
        String byok = id(); // free allowance: charged 0, list cost 0.1
        apply(account, byok, event(byok, account, key, true, "0.1"));
        String start = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        String keySync = """
                {"account_id":"%s","scope":"api_key","api_key_id":"%s","limit":"1","limit_reset":"daily",\
                "period_start":"%s","include_byok_in_limit":%s,"settled":"0","reserved":"0","want":"5"}""";

        JsonPath without = sync(UUID.randomUUID().toString(), keySync.formatted(account, key, start, false));
        assertEquals(0, granted(without).compareTo(new BigDecimal("0.6")), "limit 1 minus 0.4 of charges");

        String keyWithByok = key + "-b";
        String pooled2 = id();
        apply(account, pooled2, event(pooled2, account, keyWithByok, false, "0.4"));
        String byok2 = id();
        apply(account, byok2, event(byok2, account, keyWithByok, true, "0.1"));
        JsonPath with = sync(UUID.randomUUID().toString(), keySync.formatted(account, keyWithByok, start, true));
        assertEquals(0, granted(with).compareTo(new BigDecimal("0.5")), "limit 1 minus 0.4 charges and 0.1 BYOK");
    }

    @Test
    void aKeyLeaseCountsTheByokListCostOfItsRequestsWhenTheKeyIncludesByokInItsLimit() {
        String account = newAccount();
        String key = "key-" + account;
        topUp(account, "100");
        String start = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        String lease = UUID.randomUUID().toString();
        sync(lease, """
                {"account_id":"%s","scope":"api_key","api_key_id":"%s","limit":"1","limit_reset":"monthly",\
                "period_start":"%s","include_byok_in_limit":true,"settled":"0","reserved":"0","want":"1"}"""
                .formatted(account, key, start));
        String eventId = id();
        apply(account, eventId, event(eventId, account, key, true, "0.3", lease));
        assertEquals(0, db.money("SELECT charged FROM budget_leases WHERE lease_id = ?::uuid", lease)
                .compareTo(new BigDecimal("0.3")), "free BYOK request: no charge, but 0.3 of list cost on the key");
    }

    @Test
    void badLeaseSyncsAre400sNamingTheFieldAndWriteNothing() {
        String account = newAccount();
        String[][] cases = {
                {"not-a-uuid", accountSync(account, "0", "0", "1"), "lease_id"},
                {UUID.randomUUID().toString(), "{\"account_id\":\"" + account + "\",\"settled\":\"0\",\"reserved\":\"0\",\"want\":\"1\"}", "scope"},
                {UUID.randomUUID().toString(), accountSync(account, "0", "0", "-1"), "want"},
                {UUID.randomUUID().toString(), accountSync(account, "0.1234567890123", "0", "1"), "settled"},
                {UUID.randomUUID().toString(), "{\"account_id\":\"" + account + "\",\"scope\":\"api_key\",\"api_key_id\":\"k\","
                        + "\"limit\":\"1\",\"settled\":\"0\",\"reserved\":\"0\",\"want\":\"1\"}", "period_start"},
                {UUID.randomUUID().toString(), "{\"account_id\":\"a b\",\"scope\":\"account\",\"settled\":\"0\","
                        + "\"reserved\":\"0\",\"want\":\"1\"}", "accountId"},
        };
        for (String[] c : cases) {
            given().header("Authorization", GATEWAY).contentType("application/json").body(c[1])
                    .post("/internal/v1/budget-leases/{id}", c[0]).then().statusCode(400)
                    .body("error.metadata.field", org.hamcrest.Matchers.equalTo(c[2]));
        }
        assertEquals(0, db.count("SELECT count(*) FROM budget_leases WHERE account_id = ?", account));
    }

    @Test
    void aLeaseIdOfAnotherAccountIsRefusedWith409AndItsGrantIsUnchanged() {
        String account = newAccount();
        topUp(account, "1");
        String lease = UUID.randomUUID().toString();
        sync(lease, accountSync(account, "0", "0", "1"));
        given().header("Authorization", GATEWAY).contentType("application/json")
                .body(accountSync(newAccount(), "0", "0", "1"))
                .post("/internal/v1/budget-leases/{id}", lease).then().statusCode(409);
        assertEquals(0, db.money("SELECT granted FROM budget_leases WHERE lease_id = ?::uuid", lease)
                .compareTo(BigDecimal.ONE));
    }

    @Test
    void onlyTheGatewaysTokenMaySyncALease() {
        given().header("Authorization", ADMIN).contentType("application/json")
                .body(accountSync(newAccount(), "0", "0", "1"))
                .post("/internal/v1/budget-leases/{id}", UUID.randomUUID().toString()).then().statusCode(
                        org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(401), org.hamcrest.Matchers.is(403)));
    }
}
