package io.keyway.gateway.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Shared set-up of the end-to-end tests: a fresh account per test, funded through billing, and helpers. */
abstract class GatewayE2E {

    protected final Seed seed = new Seed();

    @BeforeEach
    void resetUpstream() {
        KeywayServices.upstream.reset();
    }

    @AfterEach
    void removePooled() {
        seed.cleanUp();
    }

    /** A new account with credits the gateway has already seen (billing → keyway.account-state.v1 → gateway). */
    protected Seed.Account fundedAccount(Seed.ApiKey[] keyOut) {
        Seed.Account account = seed.account();
        Seed.ApiKey key = seed.apiKey(account);
        keyOut[0] = key;
        seed.topUp(account, "10.00");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                given().header("Authorization", "Bearer " + key.key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
        return account;
    }

    /** A unique stand-in credential with the given behaviour (see {@link UpstreamStandIn}). */
    protected static String secret(String behaviour) {
        return behaviour + "-" + UUID.randomUUID().toString().replace("-", "");
    }

    protected static Map<String, Object> body(String model, Object... more) {
        Map<String, Object> b = new HashMap<>();
        b.put("model", model);
        b.put("messages", List.of(Map.of("role", "user", "content", "Say hello")));
        for (int i = 0; i < more.length; i += 2) {
            b.put((String) more[i], more[i + 1]);
        }
        return b;
    }

    protected static Response chat(Seed.ApiKey key, Object body) {
        return given().header("Authorization", "Bearer " + key.key()).contentType(ContentType.JSON).body(body)
                .post("/api/v1/chat/completions");
    }

    protected static List<String> called() {
        return KeywayServices.upstream.credentialsCalled();
    }
}
