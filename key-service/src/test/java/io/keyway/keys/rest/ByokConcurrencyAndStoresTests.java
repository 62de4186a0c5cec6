package io.keyway.keys.rest;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ByokConcurrencyAndStoresTests {

    @Test
    void concurrentCreatesInOneSectionGetDistinctContiguousPositions() throws Exception {
        Api.Account a = Api.newAccount();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                statuses.add(pool.submit(() -> Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-c-")))
                        .statusCode()));
            }
            for (Future<Integer> s : statuses) {
                assertEquals(201, s.get());
            }
        } finally {
            pool.shutdown();
        }
        List<Integer> positions = a.mgmt().get("/api/v1/byok").then().statusCode(200).extract().jsonPath().getList("data.sort_order");
        assertEquals(IntStream.range(0, 8).boxed().toList(), positions);
    }

    @Test
    void aKeyMayNameAnotherStoreThanTheAccountDefault() {
        Api.Account a = Api.newAccount();
        a.mgmt().body(Map.of("default_secret_store", "aws")).patch("/api/v1/settings").then().statusCode(200)
                .body("data.default_secret_store", equalTo("aws"));
        String secret = Api.randomToken("sk-local-");
        String id = Api.newByok(a, Map.of("provider", "openai", "key", secret, "secret_store", "local")).then().statusCode(201)
                .body("data.secret_store", equalTo("local")).extract().path("data.id");
        String locator = Api.await(() -> io.quarkus.hibernate.reactive.panache.Panache.withSession(
                () -> io.keyway.keys.model.ByokKey.<io.keyway.keys.model.ByokKey>findById(java.util.UUID.fromString(id)))).secretLocator;
        assertEquals(1, Api.nativeCount("select count(*) from local_secrets where id::text = '" + locator + "'"));
        Api.routingView(a.id()).then().statusCode(200).body("byok_keys[0].credential.secret", equalTo(secret));
    }

    @Test
    void theAuditLogRecordsWhoDidWhatWithoutTheSecret() {
        Api.Account a = Api.newAccount();
        String secret = Api.randomToken("sk-audit-");
        String id = Api.newByokId(a, "openai", secret);
        a.mgmt().body(Map.of("name", "n")).patch("/api/v1/byok/" + id).then().statusCode(200);
        a.mgmt().body(Map.of("key", Api.randomToken("sk-audit2-"))).post("/api/v1/byok/" + id + "/rotate").then().statusCode(200);
        Api.routingView(a.id()).then().statusCode(200);
        a.mgmt().delete("/api/v1/byok/" + id).then().statusCode(200);
        for (String action : List.of("create", "update", "rotate", "delete")) {
            assertEquals(1, Api.auditCount(a.id(), action, "byok_key"), action);
        }
        assertEquals(1, Api.auditCount(a.id(), "secret_read", "byok_key"));
        assertEquals(5, Api.nativeCount("select count(*) from audit_log where object_id = '" + id
                + "' and actor like 'management_key:%' or (object_id = '" + id + "' and actor = 'service:gateway')"));
        assertEquals(0, Api.nativeCount("select count(*) from audit_log where coalesce(detail,'') like '%" + secret + "%'"));
    }
}
