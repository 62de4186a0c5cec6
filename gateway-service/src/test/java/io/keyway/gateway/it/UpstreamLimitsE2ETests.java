package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway reads a bounded amount of any upstream answer ({@code keyway.gateway.upstream.max-*}, defaults: 32 MiB
 * whole answer, 256 KiB error body, 8 MiB SSE line, 1 MiB before a stream's first event): an upstream stand-in that
 * sends 100 MB bodies, an endless line or an endless prefix of comments fails its attempt as retryable, and the next
 * credential serves; once a stream has begun, an endless line ends it with an error chunk.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class UpstreamLimitsE2ETests extends GatewayE2E {

    private static final Map<String, Object> ONLY_CHEAP = Map.of("only", List.of(CHEAP));

    private String attemptOutcome(Seed.ApiKey key, String id, int attempt) {
        return given().header("Authorization", "Bearer " + key.key()).get("/api/v1/generation?id=" + id).then()
                .statusCode(200).extract().path("data.provider_responses[" + attempt + "].outcome");
    }

    /** {@code hugebody}: a 100 MB answer; {@code hugeerror}: a 500 with a 100 MB error body. */
    @ParameterizedTest
    @ValueSource(strings = {"hugebody", "hugeerror"})
    void aHundredMegabyteBodyFailsItsAttemptAsRetryableAndTheNextCredentialServes(String behaviour) {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String huge = secret(behaviour);
        seed.byok(account, CHEAP, huge, Map.of());
        String pool = secret("ok");
        seed.pooled(CHEAP, pool);
        String id = chat(key[0], body(MODEL, "provider", ONLY_CHEAP)).then().statusCode(200)
                .body("usage.is_byok", equalTo(false)).extract().path("id");
        assertEquals(List.of(huge, pool), called());
        assertEquals("too_large", attemptOutcome(key[0], id, 0));
    }

    @Test
    void aStreamThatSendsOnlyCommentsPastTheLimitIsRetriedBeforeTheFirstByte() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String flood = secret("prefixflood");
        seed.byok(account, CHEAP, flood, Map.of());
        String pool = secret("ok");
        seed.pooled(CHEAP, pool);
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", ONLY_CHEAP)).then().statusCode(200)
                .extract().asString();
        assertEquals(List.of(flood, pool), called());
        assertTrue(sse.contains("Hello") && sse.trim().endsWith("data: [DONE]"), sse);
    }

    @Test
    void anEndlessLineAfterTheStreamBeganEndsItWithAnErrorChunk() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("endlessline"), Map.of());
        seed.pooled(CHEAP, secret("ok"));
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", ONLY_CHEAP)).then().statusCode(200)
                .extract().asString();
        assertTrue(sse.contains("\"finish_reason\":\"error\""), () -> sse.substring(0, Math.min(2000, sse.length())));
        assertTrue(sse.length() < 1_000_000, "the endless line is not relayed: " + sse.length() + " bytes");
        assertEquals(1, called().size(), "no fallback once the answer has begun");
    }
}
