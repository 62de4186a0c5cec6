package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/audit (management key, the caller's account) and GET /admin/v1/audit (admin token, every account):
 * what the trail holds and who did it, paging newest first by cursor, the time and action filters, scoping, 400s
 * naming the parameter, no secret ever, and each entry written in the transaction of its change.
 */
@QuarkusTest
class AuditTrailTests {

    static Response trail(Api.Account a, String query) {
        return a.mgmt().get("/api/v1/audit" + query);
    }

    static Response adminTrail(String query) {
        return Api.admin().get("/admin/v1/audit" + query);
    }

    /** Every entry of the account's trail, page by page (limit 200). */
    static List<Map<String, Object>> all(Api.Account a) {
        List<Map<String, Object>> entries = new ArrayList<>();
        String cursor = null;
        do {
            JsonPath page = trail(a, "?limit=200" + (cursor == null ? "" : "&cursor=" + cursor)).then().statusCode(200)
                    .extract().jsonPath();
            entries.addAll(page.getList("data"));
            cursor = page.getString("next_cursor");
        } while (cursor != null);
        return entries;
    }

    static List<String> actions(List<Map<String, Object>> entries, String objectType) {
        return entries.stream().filter(e -> objectType.equals(e.get("object_type"))).map(e -> (String) e.get("action"))
                .toList();
    }

    /** Pooled credentials go into every account's routing view: other tests must not find this one. */
    static void deletePooled(String id) {
        Api.admin().delete("/admin/v1/pooled-credentials/" + id).then().statusCode(200);
    }

    static void sql(String statement) {
        Api.await(() -> Panache.withTransaction(() -> Panache.getSession()
                .flatMap(s -> s.createNativeQuery(statement).executeUpdate())));
    }

    @Test
    void theTrailHoldsKeyCreatesRotationsDeletesSettingsChangesAndSecretReadsWithWhoDidEach() {
        Api.Account a = Api.newAccount();
        String byWhom = "management_key:" + a.managementKeyId();
        String[] apiKey = Api.newApiKey(a, "audited");
        a.mgmt().delete("/api/v1/keys/" + apiKey[0]).then().statusCode(200);
        String byok = Api.newByokId(a, "openai", Api.randomToken("fake-openai-audit-"));
        a.mgmt().body(Map.of("key", Api.randomToken("fake-openai-audit-rot-"))).post("/api/v1/byok/" + byok + "/rotate")
                .then().statusCode(200);
        a.mgmt().body(Map.of("key", Api.randomToken("fake-openai-audit-patch-"))).patch("/api/v1/byok/" + byok)
                .then().statusCode(200);
        Api.routingView(a.id()).then().statusCode(200);
        a.mgmt().delete("/api/v1/byok/" + byok).then().statusCode(200);
        a.mgmt().body(Map.of("byok_precedence", "order_first")).patch("/api/v1/settings").then().statusCode(200);
        Api.admin().body(Map.of("ignored_providers", List.of("deepinfra"))).patch("/admin/v1/accounts/" + a.id() + "/settings")
                .then().statusCode(200);

        List<Map<String, Object>> entries = all(a);
        assertEquals(List.of("delete", "create"), actions(entries, "api_key"), "newest first");
        assertEquals(List.of("delete", "secret_read", "rotate", "rotate", "create"), actions(entries, "byok_key"));
        assertEquals(List.of("update", "update"), actions(entries, "settings"));
        for (Map<String, Object> e : entries) {
            assertEquals(a.id(), e.get("account_id"));
            assertNotNull(e.get("at"));
            String expected = switch ((String) e.get("action")) {
                case "secret_read" -> "service:gateway";
                default -> "settings".equals(e.get("object_type")) && "ignored_providers".equals(e.get("detail"))
                        || "account".equals(e.get("object_type")) || "management_key".equals(e.get("object_type"))
                        ? "admin" : byWhom;
            };
            assertEquals(expected, e.get("actor"), "actor of " + e);
        }
        Map<String, Object> read = entries.stream().filter(e -> "secret_read".equals(e.get("action"))).findFirst().orElseThrow();
        assertEquals(byok, read.get("object_id"));
        assertEquals("purpose=routing-view", read.get("detail"));
    }

    @Test
    void secretReadsAreWrittenOncePerRoutingViewBuiltAndNeverForAnUnchangedView() {
        Api.Account a = Api.newAccount();
        Api.newByokId(a, "openai", Api.randomToken("fake-openai-view-"));
        String etag = Api.routingView(a.id()).then().statusCode(200).extract().header("ETag");
        for (int i = 0; i < 5; i++) {
            given().header("Authorization", Api.INTERNAL).header("If-None-Match", etag)
                    .get("/internal/v1/accounts/" + a.id() + "/routing-view").then().statusCode(304);
        }
        // pooled credentials (of other tests) are read into every view too: count this account's key
        trail(a, "?action=secret_read").then().statusCode(200).body("data.findAll { it.object_type == 'byok_key' }.size()", equalTo(1));
        a.mgmt().body(Map.of("byok_precedence", "order_first")).patch("/api/v1/settings").then().statusCode(200);
        given().header("Authorization", Api.INTERNAL).header("If-None-Match", etag)
                .get("/internal/v1/accounts/" + a.id() + "/routing-view").then().statusCode(200);
        trail(a, "?action=secret_read").then().statusCode(200).body("data.findAll { it.object_type == 'byok_key' }.size()", equalTo(2));
    }

    @Test
    void pagesAreNewestFirstAndNeitherRepeatNorSkipAnEntryWhileOthersAreWritten() {
        Api.Account a = Api.newAccount();
        for (int i = 0; i < 6; i++) {
            Api.newApiKey(a, "page-" + i);
        }
        List<Map<String, Object>> before = all(a); // account, management key, 6 API keys
        assertEquals(8, before.size());
        List<Long> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonPath page = trail(a, "?limit=3" + (cursor == null ? "" : "&cursor=" + cursor)).then().statusCode(200)
                    .extract().jsonPath();
            List<Long> ids = page.getList("data.id", Long.class);
            assertTrue(ids.size() <= 3);
            seen.addAll(ids);
            cursor = page.getString("next_cursor");
            if (pages++ == 0) {
                Api.newApiKey(a, "written-while-paging"); // newer than the first page: not on any later page
            }
        } while (cursor != null);
        assertEquals(3, pages);
        assertEquals(before.stream().map(e -> ((Number) e.get("id")).longValue()).toList(), seen,
                "every entry once, newest first");
        assertEquals(9, all(a).size(), "the entry written meanwhile is on a fresh first page");
    }

    @Test
    void theTrailFiltersByTimeRangeAndAction() {
        Api.Account a = Api.newAccount();
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(10, ChronoUnit.DAYS);
        for (int day = 0; day < 4; day++) {
            sql("INSERT INTO audit_log (at, actor, account_id, action, object_type, object_id) VALUES ('"
                    + base.plus(day, ChronoUnit.DAYS) + "', 'admin', '" + a.id() + "', '" + (day % 2 == 0 ? "rotate" : "delete")
                    + "', 'byok_key', 'day-" + day + "')");
        }
        String from = base.plus(1, ChronoUnit.DAYS).toString();
        String to = base.plus(3, ChronoUnit.DAYS).toString();
        trail(a, "?from=" + from + "&to=" + to).then().statusCode(200)
                .body("data.object_id", equalTo(List.of("day-2", "day-1")));
        trail(a, "?from=" + from + "&to=" + to + "&action=rotate").then().statusCode(200)
                .body("data.object_id", equalTo(List.of("day-2")));
        trail(a, "?to=" + from).then().statusCode(200).body("data.object_id", equalTo(List.of("day-0")));
        trail(a, "?action=delete").then().statusCode(200).body("data.object_id", equalTo(List.of("day-3", "day-1")));
        // an offset other than Z means the same instant
        String fromWithOffset = base.plus(3, ChronoUnit.DAYS).atOffset(java.time.ZoneOffset.ofHours(2)).toString();
        assertTrue(fromWithOffset.contains("+02:00"));
        given().header("Authorization", "Bearer " + a.managementKey()).queryParam("from", fromWithOffset)
                .queryParam("action", "delete").get("/api/v1/audit").then().statusCode(200)
                .body("data.object_id", equalTo(List.of("day-3")));
    }

    @Test
    void anAccountSeesOnlyItsOwnEntriesWhateverTheFilters() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String bKey = Api.newByokId(b, "openai", Api.randomToken("fake-openai-b-"));
        deletePooled(Api.newPooledId("audit-scope-test", Api.randomToken("pool-"))); // platform entries, of no account
        for (Map<String, Object> e : all(a)) {
            assertEquals(a.id(), e.get("account_id"));
            assertFalse(bKey.equals(e.get("object_id")));
        }
        // another account's cursor or filters widen nothing
        String bTop = trail(b, "?limit=1").then().statusCode(200).extract().path("data[0].id").toString();
        trail(a, "?cursor=" + (Long.parseLong(bTop) + 1) + "&action=create").then().statusCode(200)
                .body("data.account_id", org.hamcrest.Matchers.everyItem(equalTo(a.id())));
        trail(a, "?account_id=" + b.id()).then().statusCode(200)
                .body("data.account_id", org.hamcrest.Matchers.everyItem(equalTo(a.id())));
    }

    @Test
    void theAdminSeesEveryAccountAndThePlatformAndFiltersByAccount() {
        Instant start = Instant.now().minusSeconds(1);
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String pooled = Api.newPooledId("audit-admin-test", Api.randomToken("pool-"));
        Set<String> accounts = new HashSet<>();
        Set<String> objects = new HashSet<>();
        String cursor = null;
        do {
            JsonPath page = adminTrail("?limit=200&from=" + start + "&action=create" + (cursor == null ? "" : "&cursor=" + cursor))
                    .then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> data = page.getList("data");
            data.forEach(e -> {
                accounts.add(String.valueOf(e.get("account_id")));
                objects.add(String.valueOf(e.get("object_id")));
            });
            cursor = page.getString("next_cursor");
        } while (cursor != null);
        deletePooled(pooled);
        assertTrue(accounts.containsAll(List.of(a.id(), b.id())), "both accounts");
        assertTrue(objects.contains(pooled), "the platform's pooled credential");
        adminTrail("?account_id=" + a.id()).then().statusCode(200)
                .body("data.size()", equalTo(2))
                .body("data.account_id", org.hamcrest.Matchers.everyItem(equalTo(a.id())));
    }

    @Test
    void badParametersAre400sNamingTheParameter() {
        Api.Account a = Api.newAccount();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("limit=0", "limit");
        bad.put("limit=201", "limit");
        bad.put("limit=ten", "limit");
        bad.put("cursor=abc", "cursor");
        bad.put("cursor=-5", "cursor");
        bad.put("from=yesterday", "from");
        bad.put("from=2026-12-01", "from");
        bad.put("to=2026-13-01T00:00:00Z", "to");
        bad.put("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from");
        bad.put("action=read", "action");
        bad.put("to=%2B999999999-12-31T23:59:59Z", "to");
        for (var e : bad.entrySet()) {
            for (Response r : List.of(trail(a, "?" + e.getKey()), adminTrail("?" + e.getKey()))) {
                r.then().statusCode(400).contentType(containsString("application/json"))
                        .body("error.code", equalTo(400))
                        .body("error.message", containsString("'" + e.getValue() + "'"))
                        .body("error.metadata.parameter", equalTo(e.getValue()));
            }
        }
        adminTrail("?account_id=not-an-account").then().statusCode(400)
                .body("error.metadata.parameter", equalTo("account_id"));
    }

    @Test
    void theAccountTrailNeedsAManagementKeyAndTheAdminTrailTheAdminToken() {
        Api.Account a = Api.newAccount();
        String[] apiKey = Api.newApiKey(a, "inference");
        given().get("/api/v1/audit").then().statusCode(401).body("error.code", equalTo(401));
        given().header("Authorization", "Bearer " + apiKey[1]).get("/api/v1/audit").then().statusCode(403);
        given().get("/admin/v1/audit").then().statusCode(401);
        given().header("Authorization", "Bearer " + a.managementKey()).get("/admin/v1/audit").then().statusCode(401);
        given().header("Authorization", Api.INTERNAL).get("/admin/v1/audit").then().statusCode(401);
    }

    @Test
    void theTrailAndTheLogsNeverHoldASecretOfACreatedOrRotatedKey() {
        NoSecretInLogsTests.Capture capture = new NoSecretInLogsTests.Capture();
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String created = "FAKE-audit-created-" + UUID.randomUUID().toString().replace("-", "");
        String rotated = "FAKE-audit-rotated-" + UUID.randomUUID().toString().replace("-", "");
        String pooledCreated = "FAKE-audit-pooled-" + UUID.randomUUID().toString().replace("-", "");
        String pooledRotated = "FAKE-audit-pooled-rot-" + UUID.randomUUID().toString().replace("-", "");
        Api.Account a = Api.newAccount();
        String answers;
        try {
            org.jboss.logging.Logger.getLogger("io.keyway.keys").warn("audit-capture-marker");
            String id = Api.newByokId(a, "openai", created);
            a.mgmt().body(Map.of("key", rotated)).post("/api/v1/byok/" + id + "/rotate").then().statusCode(200);
            String pooled = Api.newPooledId("audit-secret-test", pooledCreated);
            Api.admin().body(Map.of("key", pooledRotated)).post("/admin/v1/pooled-credentials/" + pooled + "/rotate")
                    .then().statusCode(200);
            Api.routingView(a.id()).then().statusCode(200);
            answers = trail(a, "?limit=200").then().statusCode(200).extract().asString()
                    + adminTrail("?account_id=" + a.id() + "&limit=200").then().statusCode(200).extract().asString()
                    + adminTrail("?limit=200").then().statusCode(200).extract().asString();
            assertTrue(answers.contains(id), "the trail names the key");
            assertTrue(answers.contains(pooled), "the admin trail names the pooled credential");
            deletePooled(pooled);
        } finally {
            root.removeHandler(capture);
        }
        assertTrue(capture.lines.stream().anyMatch(l -> l.contains("audit-capture-marker")), "the capture sees the log");
        for (String secret : List.of(created, rotated, pooledCreated, pooledRotated)) {
            String tail = secret.substring(secret.length() - 32);
            assertFalse(answers.contains(tail), "a secret of length " + secret.length() + " in an audit answer");
            assertTrue(capture.lines.stream().noneMatch(l -> l.contains(tail)),
                    "a secret of length " + secret.length() + " in the log");
        }
        assertEquals(0L, Api.nativeCount("select count(*) from audit_log where detail like '%" + created.substring(20)
                + "%' or object_id like '%" + created.substring(20) + "%'"), "nor in the table");
    }

    @Test
    void aChangeWhoseAuditEntryCannotBeWrittenIsNotMade() {
        Api.Account a = Api.newAccount();
        String byok = Api.newByokId(a, "openai", Api.randomToken("fake-openai-together-"));
        String precedence = a.mgmt().get("/api/v1/settings").then().statusCode(200).extract().path("data.byok_precedence");
        sql("CREATE OR REPLACE FUNCTION refuse_audit_of_account() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF NEW.account_id = '" + a.id() + "' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; "
                + "RETURN NEW; END $$");
        sql("DROP TRIGGER IF EXISTS refuse_audit_of_account ON audit_log");
        sql("CREATE TRIGGER refuse_audit_of_account BEFORE INSERT ON audit_log FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_audit_of_account()");
        long entries = Api.nativeCount("select count(*) from audit_log where account_id = '" + a.id() + "'");
        try {
            a.mgmt().delete("/api/v1/byok/" + byok).then().statusCode(500);
            a.mgmt().body(Map.of("disabled", true)).patch("/api/v1/byok/" + byok).then().statusCode(500);
            a.mgmt().body(Map.of("byok_precedence", "order_first".equals(precedence) ? "byok_first" : "order_first"))
                    .patch("/api/v1/settings").then().statusCode(500);
            a.mgmt().body(Map.of("name", "not-audited")).post("/api/v1/keys").then().statusCode(500);
        } finally {
            sql("DROP TRIGGER IF EXISTS refuse_audit_of_account ON audit_log");
        }
        a.mgmt().get("/api/v1/byok/" + byok).then().statusCode(200).body("data.disabled", equalTo(false));
        a.mgmt().get("/api/v1/settings").then().statusCode(200).body("data.byok_precedence", equalTo(precedence));
        a.mgmt().get("/api/v1/keys").then().statusCode(200).body("data.size()", equalTo(0));
        assertEquals(entries, Api.nativeCount("select count(*) from audit_log where account_id = '" + a.id() + "'"));
    }

    @Test
    void anAuditEntryIsRolledBackWithAChangeThatFails() {
        Api.Account a = Api.newAccount();
        String byok = Api.newByokId(a, "openai", Api.randomToken("fake-openai-rollback-"));
        sql("CREATE OR REPLACE FUNCTION refuse_byok_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF OLD.id = '" + byok + "' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; "
                + "RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END $$");
        sql("DROP TRIGGER IF EXISTS refuse_byok_update ON byok_keys");
        sql("CREATE TRIGGER refuse_byok_update BEFORE UPDATE OR DELETE ON byok_keys FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_byok_update()");
        try {
            // each writes its audit entry first, then the change, which the trigger refuses
            a.mgmt().body(Map.of("name", "renamed")).patch("/api/v1/byok/" + byok).then().statusCode(500);
            a.mgmt().delete("/api/v1/byok/" + byok).then().statusCode(500);
        } finally {
            sql("DROP TRIGGER IF EXISTS refuse_byok_update ON byok_keys");
        }
        assertEquals(List.of("create"), actions(all(a), "byok_key"), "no entry for a change that was not made");
        a.mgmt().get("/api/v1/byok/" + byok).then().statusCode(200);
    }

    @Test
    void theLastPageHasNoCursor() {
        Api.Account a = Api.newAccount();
        JsonPath page = trail(a, "?limit=2").then().statusCode(200).extract().jsonPath();
        assertEquals(2, page.getList("data").size()); // account and its management key
        assertNull(page.getString("next_cursor"));
        assertNotNull(trail(a, "?limit=1").then().statusCode(200).extract().path("next_cursor"));
    }
}
