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
    void anIdempotencyKeyPastItsRetentionStartsANewCreateAndItsKeptPlaintextKeyIsDeleted() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        Response first = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        first.then().statusCode(201);
        assertEquals(1, keptPlaintextKeys(idem));
        backdate(idem, "23 hours");
        a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys").then().statusCode(201)
                .body("key", equalTo((String) first.path("key")));

        backdate(idem, "25 hours");
        Response later = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        later.then().statusCode(201);
        org.junit.jupiter.api.Assertions.assertNotEquals((String) first.path("data.hash"), later.path("data.hash"));
        a.mgmt().get("/api/v1/keys").then().body("data.size()", equalTo(2));
        assertEquals(1, keptPlaintextKeys(idem), "the expired key's kept plaintext was deleted, the new one kept");
    }

    @Test
    void theSweepForgetsRecordsPastTheRetentionWithTheirKeptPlaintextKeysAndKeepsRecentOnes() {
        Api.Account a = Api.newAccount();
        String old = UUID.randomUUID().toString();
        String recent = UUID.randomUUID().toString();
        a.mgmt().header("Idempotency-Key", old).body("{\"name\":\"old\"}").post("/api/v1/keys").then().statusCode(201);
        a.mgmt().header("Idempotency-Key", recent).body("{\"name\":\"recent\"}").post("/api/v1/keys").then().statusCode(201);
        backdate(old, "25 hours");

        int swept = Api.await(() -> idempotency.sweepExpired());

        org.junit.jupiter.api.Assertions.assertTrue(swept >= 1);
        assertEquals(0, Api.nativeCount("select count(*) from idempotency_records where idempotency_key = '" + old + "'"));
        assertEquals(0, keptPlaintextKeys(old));
        assertEquals(1, Api.nativeCount("select count(*) from idempotency_records where idempotency_key = '" + recent + "'"));
        assertEquals(1, keptPlaintextKeys(recent));
    }

    @Test
    void sameIdempotencyKeyAndBodyReplaysTheApiKeyCreationIncludingThePlaintextKeyWithoutASecondRecord() {
        Api.Account a = Api.newAccount();
        String idem = UUID.randomUUID().toString();
        long before = Api.count(ApiKey.class);
        Response first = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        first.then().statusCode(201);
        Response again = a.mgmt().header("Idempotency-Key", idem).body("{\"name\":\"ci\"}").post("/api/v1/keys");
        again.then().statusCode(201);
        assertEquals(first.asString(), again.asString());
        assertEquals((String) first.path("key"), again.path("key"));
        assertEquals(before + 1, Api.count(ApiKey.class));
        assertEquals(0, Api.nativeCount("select count(*) from idempotency_records where response_body like '%"
                + first.path("key") + "%'"), "the plaintext key is never kept in the idempotency table");
        assertEquals(1, Api.auditCount(a.id(), "secret_read", "idempotent_replay"),
                "reading the kept plaintext key back for the replay is an audited secret read");
        assertEquals(0, Api.nativeCount("select count(*) from audit_log where detail like '%" + first.path("key") + "%'"));
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
        assertEquals(first.asString(), again.asString());
        assertEquals(accounts + 1, Api.count(Account.class));
        assertEquals(1, Api.nativeCount("select count(*) from audit_log where actor = 'admin' and action = 'secret_read'"
                + " and object_type = 'idempotent_replay' and object_id = '" + first.path("data.id") + "'"));

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
