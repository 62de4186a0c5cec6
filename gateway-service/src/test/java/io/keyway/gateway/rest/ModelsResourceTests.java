package io.keyway.gateway.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The default catalog, served in OpenRouter's Model and endpoints shapes with prices as USD-per-token strings. */
@QuarkusTest
class ModelsResourceTests {

    @Test
    void modelsListsCatalogModelsWithCheapestEndpointPricesAsStrings() {
        given().when().get("/api/v1/models").then()
                .statusCode(200)
                .body("data.id", hasItems("openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct"))
                .body("data.find { it.id == 'meta-llama/llama-3.3-70b-instruct' }.pricing.prompt", equalTo("0.00000013"))
                .body("data.find { it.id == 'openai/gpt-4o-mini' }.architecture.modality", equalTo("text+image->text"));
    }

    @Test
    void endpointsListEveryProviderOfTheModelWithItsOwnPrice() {
        given().when().get("/api/v1/models/meta-llama/llama-3.3-70b-instruct/endpoints").then()
                .statusCode(200)
                .body("data.id", equalTo("meta-llama/llama-3.3-70b-instruct"))
                .body("data.endpoints.tag", hasItems("io-net", "groq", "together"))
                .body("data.endpoints.find { it.tag == 'groq' }.pricing.completion", equalTo("0.00000079"))
                .body("data.endpoints.provider_name", hasItem("io.net"));
    }

    @Test
    void endpointsOfUnknownModelIs404WithErrorEnvelope() {
        given().when().get("/api/v1/models/nobody/nothing/endpoints").then()
                .statusCode(404)
                .body("error.code", equalTo(404))
                .body("error.message", equalTo("Model nobody/nothing is not in the catalog"));
    }
}
