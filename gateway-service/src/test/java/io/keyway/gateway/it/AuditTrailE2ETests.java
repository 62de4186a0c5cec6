package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The audit trail seen from a real deployment: the gateway's completions read a BYOK key's secret through a routing
 * view, which key-service audits once per view built (service and purpose), never once per request; the trail, on
 * both its endpoints, and the services' JSON logs never hold the secret.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class AuditTrailE2ETests extends GatewayE2E {

    static int secretReadCount(Seed.Account account, String byokId) {
        return given().baseUri(KeywayServices.keyServiceUrl)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN)
                .queryParam("account_id", account.id()).queryParam("action", "secret_read").queryParam("limit", 200)
                .get("/admin/v1/audit").then().statusCode(200).extract().jsonPath()
                .getList("data.findAll { it.object_id == '" + byokId + "' }").size();
    }

    @Test
    void completionsReadASecretOncePerRoutingViewNotOncePerRequestAndTheTrailNeverShowsIt() throws Exception {
        var key = new Seed.ApiKey[1];
        Seed.Account account = fundedAccount(key);
        String secret = secret("ok");
        String byok = seed.byok(account, CHEAP, secret, Map.of());
        chat(key[0], body(MODEL)).then().statusCode(200);
        Thread.sleep(1500); // the key's change event may still drop the view the first request built: let it pass
        chat(key[0], body(MODEL)).then().statusCode(200);
        int reads = secretReadCount(account, byok);
        assertTrue(reads >= 1, "the view's build read the secret, and that is audited");
        for (int i = 0; i < 10; i++) {
            chat(key[0], body(MODEL)).then().statusCode(200);
        }
        assertEquals(reads, secretReadCount(account, byok), "ten completions served from the gateway's view: no new read");

        JsonPath trail = given().baseUri(KeywayServices.keyServiceUrl)
                .header("Authorization", "Bearer " + account.managementKey())
                .queryParam("action", "secret_read").get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> mine = trail.getList("data.findAll { it.object_id == '" + byok + "' }");
        assertEquals(reads, mine.size(), "the account sees its own secret reads");
        assertEquals("service:gateway", mine.get(0).get("actor"));
        assertEquals("purpose=routing-view", mine.get(0).get("detail"));

        String tail = secret.substring(secret.indexOf('-') + 1);
        String answers = trail.prettify() + given().baseUri(KeywayServices.keyServiceUrl)
                .header("Authorization", "Bearer " + KeywayServices.ADMIN_TOKEN).queryParam("account_id", account.id())
                .get("/admin/v1/audit").then().statusCode(200).extract().asString();
        assertTrue(answers.contains(byok));
        assertFalse(answers.contains(tail), "a secret in an audit answer");
        ServiceLogs.assertJson("key-service");
        assertFalse(ServiceLogs.text("key-service").contains(tail), "a secret in key-service's log");
    }
}
