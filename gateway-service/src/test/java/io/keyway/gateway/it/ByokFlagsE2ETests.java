package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.keyway.gateway.it.KeywayServices.OTHER_MODEL;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenRouter's BYOK flags (DESIGN.md §2) end to end: set through the real key-service's /api/v1/byok, carried in the
 * routing view, applied by the gateway's router against the upstream stand-in. The run's catalog declares
 * {@code CHEAP}'s endpoint of {@code MODEL} not ZDR and {@code MID}'s ZDR.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class ByokFlagsE2ETests extends GatewayE2E {

    @Test
    void isRequiredKeyRemovesSharedCapacityForItsModelsAndItsFailureIsReturnedAsIs() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String required = secret("status429");
        String pool = secret("ok");
        seed.byok(account, CHEAP, required, Map.of("is_required", true, "allowed_models", List.of(MODEL)));
        seed.pooled(CHEAP, pool);
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(429)
                .body("error.metadata.is_byok", equalTo(true));
        assertEquals(List.of(required), called());

        KeywayServices.upstream.reset();
        chat(key[0], body(OTHER_MODEL)).then().statusCode(200).body("usage.is_byok", equalTo(false));
        assertEquals(List.of(pool), called(), "a model outside the key's allowed_models keeps shared capacity");
    }

    @Test
    void isByokOnlyKeyNeverSpendsSharedCapacityOfItsProviderAndRoutingMovesOnToTheNextProvider() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String byokOnly = secret("status500");
        String cheapPool = secret("ok");
        String midPool = secret("ok");
        seed.byok(account, CHEAP, byokOnly, Map.of("is_byok_only", true));
        seed.pooled(CHEAP, cheapPool);
        seed.pooled(MID, midPool);
        chat(key[0], body(MODEL, "provider", Map.of("order", List.of(CHEAP, MID)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false)).body("provider", equalTo("Mid stand-in"));
        assertEquals(List.of(byokOnly, midPool), called(), "the cheap provider's shared capacity is never tried");
    }

    @Test
    void keyDeclaredZdrServesAZdrRequestOnAnEndpointThatIsNotZdr() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String declared = secret("ok");
        seed.byok(account, CHEAP, declared, Map.of("declared_zdr", true));
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL, "provider", Map.of("zdr", true, "only", List.of(CHEAP)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(true)).body("provider", equalTo("Cheap stand-in"));
        assertEquals(List.of(declared), called());
    }

    @Test
    void keyDeclaredNotZdrIsKeptOffZdrRequestsEvenOnAZdrEndpoint() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String notZdr = secret("ok");
        String midPool = secret("ok");
        seed.byok(account, MID, notZdr, Map.of("declared_zdr", false));
        seed.pooled(MID, midPool);
        chat(key[0], body(MODEL, "provider", Map.of("zdr", true))).then().statusCode(200)
                .body("usage.is_byok", equalTo(false)).body("provider", equalTo("Mid stand-in"));
        assertEquals(List.of(midPool), called());
        KeywayServices.upstream.reset();
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(MID)))).then().statusCode(200)
                .body("usage.is_byok", equalTo(true));
        assertEquals(List.of(notZdr), called(), "without provider.zdr the declaration does not matter");
    }

    @Test
    void allowedUserIdsLetOnlyThoseEndUsersUseTheKey() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String alices = secret("ok");
        String pool = secret("ok");
        seed.byok(account, CHEAP, alices, Map.of("allowed_user_ids", List.of("alice")));
        seed.pooled(CHEAP, pool);
        chat(key[0], body(OTHER_MODEL, "user", "alice")).then().statusCode(200).body("usage.is_byok", equalTo(true));
        chat(key[0], body(OTHER_MODEL, "user", "bob")).then().statusCode(200).body("usage.is_byok", equalTo(false));
        chat(key[0], body(OTHER_MODEL)).then().statusCode(200).body("usage.is_byok", equalTo(false));
        assertEquals(List.of(alices, pool, pool), called());
    }
}
