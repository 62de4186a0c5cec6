package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;

import io.keyway.contracts.fuzz.FuzzPass;
import io.keyway.contracts.fuzz.FuzzPass.Target;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fuzz pass over every gateway endpoint (issue 18, item 9; {@link FuzzPass} says what is generated and how to
 * replay a seed), with a funded account, a real API key from the real key-service and a pooled credential at the
 * upstream stand-in, so that a generated request which passes the checks is really routed. No answer is a 5xx, every
 * 4xx is OpenRouter's JSON error naming the problem, and no answer quotes the API key or the pooled secret.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class EndpointFuzzE2ETests extends GatewayE2E {

    @TestHTTPResource("/")
    URI base;

    @TestFactory
    Stream<DynamicTest> noEndpointAnswersMalformedInputWithA5xxAndEvery4xxIsAJsonErrorWithoutSecrets() {
        Seed.ApiKey[] key = new Seed.ApiKey[1];
        fundedAccount(key);
        String pooledSecret = secret("ok");
        seed.pooled(CHEAP, pooledSecret);
        String bearer = "Bearer " + key[0].key();
        String chat = "{\"model\":\"" + MODEL + "\",\"models\":[\"" + MODEL + "\"],\"stream\":false,"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief\"},{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"Say hello\"}]}],\"max_tokens\":16,\"temperature\":0.5,\"top_p\":1,"
                + "\"stop\":[\"\\n\"],\"seed\":7,\"user\":\"fuzz-user\",\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"auto\","
                + "\"provider\":{\"order\":[\"" + CHEAP + "\"],\"only\":[\"" + CHEAP + "\"],\"ignore\":[],"
                + "\"allow_fallbacks\":true,\"sort\":\"price\",\"max_price\":{\"prompt\":10,\"completion\":10},"
                + "\"data_collection\":\"allow\",\"zdr\":false,\"require_parameters\":false}}";

        // the example is really served, so that the mutations start from a request that reaches the upstream
        given().header("Authorization", bearer).contentType(ContentType.JSON).body(chat).post("/api/v1/chat/completions")
                .then().statusCode(200);

        List<Target> targets = new ArrayList<>();
        targets.add(Target.of("POST", "/api/v1/chat/completions").header("Authorization", bearer).body(chat));
        targets.add(Target.of("POST", "/api/v1/chat/completions").header("Authorization", bearer)
                .body(chat.replace("\"stream\":false", "\"stream\":true")));
        targets.add(Target.of("GET", "/api/v1/models").query("offset", "limit"));
        targets.add(Target.of("GET", "/api/v1/models/count"));
        targets.add(Target.of("GET", "/api/v1/models/{author}/{slug}/endpoints")
                .path("author", MODEL.split("/")[0]).path("slug", MODEL.split("/")[1]));
        targets.add(Target.of("GET", "/api/v1/generation").header("Authorization", bearer).query("id"));
        targets.add(Target.of("GET", "/api/v1/generations").header("Authorization", bearer)
                .query("limit", "cursor", "model", "provider", "status"));
        targets.add(Target.of("GET", "/api/v1/activity").header("Authorization", bearer).query("date", "api_key_hash"));
        targets.add(Target.of("GET", "/api/v1/key").header("Authorization", bearer));
        // OpenRouter routes Keyway does not serve yet: a JSON 404, whatever is sent
        targets.add(Target.of("POST", "/api/v1/embeddings").header("Authorization", bearer)
                .body("{\"model\":\"" + MODEL + "\",\"input\":\"hello\"}"));
        targets.add(Target.of("POST", "/v1/chat/completions").header("Authorization", bearer).body(chat));

        FuzzPass pass = new FuzzPass(base, Set.of(key[0].key(), pooledSecret, KeywayServices.ADMIN_TOKEN,
                KeywayServices.GATEWAY_TOKEN, KeywayServices.BILLING_TOKEN));
        return targets.stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> pass.run(t)));
    }
}
