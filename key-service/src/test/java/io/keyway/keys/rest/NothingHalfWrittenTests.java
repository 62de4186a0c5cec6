package io.keyway.keys.rest;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The secret is written first and the row second; when the row cannot be written (here: a trigger in the test
 * database refuses it, as a constraint or a lost connection would) the secret is deleted again.
 */
@QuarkusTest
class NothingHalfWrittenTests {

    static final String PROVIDER = "insert-fails-test";

    static void sql(String statement) {
        Api.await(() -> Panache.withTransaction(() -> Panache.getSession()
                .flatMap(s -> s.createNativeQuery(statement).executeUpdate())));
    }

    @BeforeEach
    void refuseInsertsOfTheTestProvider() {
        sql("CREATE OR REPLACE FUNCTION refuse_test_provider() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF NEW.provider = '" + PROVIDER + "' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; "
                + "RETURN NEW; END $$");
        sql("DROP TRIGGER IF EXISTS refuse_test_provider ON byok_keys");
        sql("CREATE TRIGGER refuse_test_provider BEFORE INSERT ON byok_keys FOR EACH ROW EXECUTE FUNCTION refuse_test_provider()");
        sql("DROP TRIGGER IF EXISTS refuse_test_provider ON pooled_credentials");
        sql("CREATE TRIGGER refuse_test_provider BEFORE INSERT ON pooled_credentials FOR EACH ROW EXECUTE FUNCTION refuse_test_provider()");
    }

    @AfterEach
    void dropTriggers() {
        sql("DROP TRIGGER IF EXISTS refuse_test_provider ON byok_keys");
        sql("DROP TRIGGER IF EXISTS refuse_test_provider ON pooled_credentials");
    }

    @Test
    void aByokKeyWhoseRowCannotBeWrittenLeavesNoSecretBehind() {
        Api.Account a = Api.newAccount();
        long secrets = Api.nativeCount("select count(*) from local_secrets");
        long rows = Api.nativeCount("select count(*) from byok_keys");
        long seq = Api.nativeCount("select change_seq from accounts where id = '" + a.id() + "'");
        Api.newByok(a, Map.of("provider", PROVIDER, "key", Api.randomToken("sk-"))).then().statusCode(500)
                .body("error.code", equalTo(500));
        assertEquals(secrets, Api.nativeCount("select count(*) from local_secrets"));
        assertEquals(rows, Api.nativeCount("select count(*) from byok_keys"));
        assertEquals(seq, Api.nativeCount("select change_seq from accounts where id = '" + a.id() + "'"));
        assertEquals(0, Api.auditCount(a.id(), "create", "byok_key"));
        // the same account still works for other providers
        Api.newByok(a, Map.of("provider", "openai", "key", Api.randomToken("sk-"))).then().statusCode(201);
    }

    @Test
    void aPooledCredentialWhoseRowCannotBeWrittenLeavesNoSecretBehind() {
        long secrets = Api.nativeCount("select count(*) from local_secrets");
        long rows = Api.nativeCount("select count(*) from pooled_credentials");
        RestAssured.given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", PROVIDER, "key", Api.randomToken("pool-"))).post("/admin/v1/pooled-credentials")
                .then().statusCode(500);
        assertEquals(secrets, Api.nativeCount("select count(*) from local_secrets"));
        assertEquals(rows, Api.nativeCount("select count(*) from pooled_credentials"));
    }
}
