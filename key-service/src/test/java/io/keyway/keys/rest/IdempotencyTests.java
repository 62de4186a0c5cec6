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
