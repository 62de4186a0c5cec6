package io.keyway.keys.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.keys.model.Account;
import io.keyway.keys.model.ApiKey;
import io.keyway.keys.model.PooledCredential;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class IdempotencyTests {

    @jakarta.inject.Inject
    io.keyway.keys.service.Idempotency idempotency;

    static void backdate(String idempotencyKey, String interval) {
        NothingHalfWrittenTests.sql("update idempotency_records set created_at = now() - interval '" + interval
                + "' where idempotency_key = '" + idempotencyKey + "'");
    }

    static long keptPlaintextKeys(String idempotencyKey) {
        return Api.nativeCount("select count(*) from local_secrets where provider = 'idempotent-replay' and record_id = '"
                + idempotencyKey + "'");
    }

    @Test
    void anIdempotencyKeyPastItsRetentionStartsANewCreate() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        Response first = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        first.then().statusCode(201);
        backdate(idem, "23 hours");
        a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys").then().statusCode(201)
                .body("data.hash", equalTo((String) first.path("data.hash")));

        backdate(idem, "25 hours");
        Response later = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        later.then().statusCode(201).header("Idempotent-Replayed", org.hamcrest.Matchers.nullValue());
        org.junit.jupiter.api.Assertions.assertNotEquals((String) first.path("data.hash"), later.path("data.hash"));
        a.mgmt().get("/api/v1/keys").then().body("data.size()", equalTo(2));
        assertEquals(0, keptPlaintextKeys(idem));
    }

    @Test
    void aKeptPlaintextKeyFromBeforeIssue18IsNotReplayedAndTheExpiredRecordTakesItAlong() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"old\"}").post("/api/v1/keys").then().statusCode(201);
        // What an earlier version left: the plaintext in the local store, referenced by the record.
        String locator = UUID.randomUUID().toString();
        NothingHalfWrittenTests.sql("insert into local_secrets (id, account_id, provider, record_id, current_version)"
                + " values ('" + locator + "', '" + a.id() + "', 'idempotent-replay', '" + idem + "', 1)");
        NothingHalfWrittenTests.sql("update idempotency_records set replay_secret_store = 'local', replay_secret_locator = '"
                + locator + "' where idempotency_key = '" + idem + "'");
        a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"old\"}").post("/api/v1/keys").then().statusCode(201)
                .body("key", org.hamcrest.Matchers.nullValue()).body("key_shown_once", equalTo(true));
        backdate(idem, "25 hours");

        Api.await(() -> idempotency.sweepExpired());

        assertEquals(0, keptPlaintextKeys(idem), "the sweep deletes what earlier versions kept");
    }

    @Test
    void theSweepForgetsRecordsPastTheRetentionAndKeepsRecentOnes() {
        Api.Account a = Api.newAccount();
        String old = UUID.randomUUID().toString();
        String recent = UUID.randomUUID().toString();
        a.mgmt().header("Idempotency-Key", old).body("{\"name\":\"old\"}").post("/api/v1/keys").then().statusCode(201);
        a.mgmt().header("Idempotency-Key", recent).body("{\"name\":\"recent\"}").post("/api/v1/keys").then().statusCode(201);
        backdate(old, "25 hours");

        int swept = Api.await(() -> idempotency.sweepExpired());

        org.junit.jupiter.api.Assertions.assertTrue(swept >= 1);
        assertEquals(0, Api.nativeCount("select count(*) from idempotency_records where idempotency_key = '" + old + "'"));
        assertEquals(1, Api.nativeCount("select count(*) from idempotency_records where idempotency_key = '" + recent + "'"));
    }

    @Test
    void aReplayedApiKeyCreationAnswersTheSameKeyWithoutItsPlaintextSayingItWasShownOnceAndKeepsItNowhere() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        long before = Api.count(ApiKey.class);
        long secretsBefore = Api.nativeCount("select count(*) from local_secrets");
        Response first = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        first.then().statusCode(201).header("Idempotent-Replayed", org.hamcrest.Matchers.nullValue())
                .body("key", org.hamcrest.Matchers.startsWith("sk-"))
                .body("key_shown_once", org.hamcrest.Matchers.nullValue());
        Response again = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        again.then().statusCode(201).header("Idempotent-Replayed", "true")
                .body("key", org.hamcrest.Matchers.nullValue())
                .body("key_shown_once", equalTo(true));
        assertEquals(first.jsonPath().getMap("data"), again.jsonPath().getMap("data"), "the same key's metadata");
        assertEquals(before + 1, Api.count(ApiKey.class));
        assertEquals(secretsBefore, Api.nativeCount("select count(*) from local_secrets"), "nothing kept in a store");
        assertEquals(0, keptPlaintextKeys(idem));
        assertEquals(0, Api.nativeCount("select count(*) from idempotency_records where response_body like '%"
                + first.path("key") + "%'"), "the plaintext key is never kept in the idempotency table");
        assertEquals(0, Api.nativeCount("select count(*) from audit_log where detail like '%" + first.path("key") + "%'"));
    }

    @Test
    void aRecordWhoseCompletionFailsTwiceIsStillCompletedSoARetryAfterTwoMinutesCreatesNoSecondKey() {
        Api.Account a = Api.newAccount();
        String idem = "completion-fails-" + UUID.randomUUID();
        String seq = "idem_fail_" + UUID.randomUUID().toString().replace("-", "");
        // The completion's UPDATE fails twice (as a dropped connection would), then goes through.
        NothingHalfWrittenTests.sql("CREATE SEQUENCE " + seq);
        NothingHalfWrittenTests.sql("CREATE OR REPLACE FUNCTION " + seq + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF NEW.idempotency_key = '" + idem + "' THEN IF nextval('" + seq + "') <= 2 THEN "
                + "RAISE EXCEPTION 'refused by test trigger'; END IF; END IF; RETURN NEW; END $$");
        NothingHalfWrittenTests.sql("CREATE TRIGGER " + seq + " BEFORE UPDATE ON idempotency_records FOR EACH ROW"
                + " EXECUTE FUNCTION " + seq + "()");
        try {
            Response first = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
            first.then().statusCode(201);
            assertEquals(0, Api.nativeCount("select count(*) from idempotency_records where idempotency_key = '" + idem
                    + "' and status = 0"), "the record is complete, not pending");
            backdate(idem, "3 minutes");
            a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys").then()
                    .statusCode(201).header("Idempotent-Replayed", "true")
                    .body("data.hash", equalTo((String) first.path("data.hash")));
            a.mgmt().get("/api/v1/keys").then().body("data.size()", equalTo(1));
        } finally {
            NothingHalfWrittenTests.sql("DROP TRIGGER IF EXISTS " + seq + " ON idempotency_records");
            NothingHalfWrittenTests.sql("DROP FUNCTION IF EXISTS " + seq + "()");
            NothingHalfWrittenTests.sql("DROP SEQUENCE IF EXISTS " + seq);
        }
    }

    @Test
    void sameIdempotencyKeyWithADifferentBodyIsA422AndCreatesNothing() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        a.mgmt().header("Idempotency-Key", idem).body(Map.of("name", "one")).post("/api/v1/keys").then().statusCode(201);
        long before = Api.count(ApiKey.class);
        a.mgmt().header("Idempotency-Key", idem).body(Map.of("name", "two")).post("/api/v1/keys").then().statusCode(422)
                .body("error.code", equalTo(422));
        assertEquals(before, Api.count(ApiKey.class));
    }

    @Test
    void byokCreateIsReplayedWithTheSameIdAndOneSecret() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        String body = "{\"provider\":\"openai\",\"key\":\"" + Api.randomToken("sk-") + "\"}";
        long secretsBefore = Api.nativeCount("select count(*) from local_secrets");
        String id1 = a.mgmt().header("Idempotency-Key", idem).body(body).post("/api/v1/byok").then().statusCode(201)
                .extract().path("data.id");
        String id2 = a.mgmt().header("Idempotency-Key", idem).body(body).post("/api/v1/byok").then().statusCode(201)
                .extract().path("data.id");
        assertEquals(id1, id2);
        assertEquals(1, Api.nativeCount("select count(*) from byok_keys where account_id = '" + a.id() + "'"));
        assertEquals(secretsBefore + 1, Api.nativeCount("select count(*) from local_secrets"));
    }

    @Test
    void idempotencyKeysAreScopedPerAccount() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        String ha = a.mgmt().header("Idempotency-Key", idem).body(Map.of("name", "same")).post("/api/v1/keys")
                .then().statusCode(201).extract().path("data.hash");
        String hb = b.mgmt().header("Idempotency-Key", idem).body(Map.of("name", "same")).post("/api/v1/keys")
                .then().statusCode(201).extract().path("data.hash");
        org.junit.jupiter.api.Assertions.assertNotEquals(ha, hb);
    }

    @Test
    void adminCreatesAreIdempotentToo() {
        String idem = UUID.randomUUID().toString();
        long accounts = Api.count(Account.class);
        String body = "{\"name\":\"idem-" + idem + "\"}";
        Response first = given().header("Authorization", Api.ADMIN).header("Idempotency-Key", idem)
                .contentType(ContentType.JSON).body(body).post("/admin/v1/accounts");
        Response again = given().header("Authorization", Api.ADMIN).header("Idempotency-Key", idem)
                .contentType(ContentType.JSON).body(body).post("/admin/v1/accounts");
        first.then().statusCode(201);
        again.then().statusCode(201).header("Idempotent-Replayed", "true")
                .body("management_key", org.hamcrest.Matchers.nullValue())
                .body("management_key_shown_once", equalTo(true));
        assertEquals(first.jsonPath().getMap("data"), again.jsonPath().getMap("data"));
        assertEquals(accounts + 1, Api.count(Account.class));

        String pooledIdem = UUID.randomUUID().toString();
        long pooled = Api.count(PooledCredential.class);
        String pooledBody = "{\"provider\":\"idem-test\",\"key\":\"" + Api.randomToken("pk-") + "\"}";
        String[] ids = new String[2];
        for (int i = 0; i < 2; i++) {
            ids[i] = given().header("Authorization", Api.ADMIN).header("Idempotency-Key", pooledIdem)
                    .contentType(ContentType.JSON).body(pooledBody).post("/admin/v1/pooled-credentials")
                    .then().statusCode(201).extract().path("data.id");
        }
        assertEquals(ids[0], ids[1]);
        assertEquals(pooled + 1, Api.count(PooledCredential.class));
        given().header("Authorization", Api.ADMIN).delete("/admin/v1/pooled-credentials/" + ids[0]).then().statusCode(200);
    }
}
