package io.keyway.gateway.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

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
    void modelsListAnswersTotalCountNoNextPageAndNullVoicesAsOpenRouterDoes() {
        int total = given().get("/api/v1/models").then().statusCode(200)
                .body("links.next", nullValue())
                .body("data.find { it.id == 'openai/gpt-4o-mini' }.containsKey('supported_voices')", equalTo(true))
                .body("data.find { it.id == 'openai/gpt-4o-mini' }.supported_voices", nullValue())
                .extract().jsonPath().getInt("total_count");
        given().get("/api/v1/models").then().body("data", hasSize(total));
    }

    @Test
    void modelsListPagesWithOffsetAndLimitAndLinksTheNextPage() {
        var all = given().get("/api/v1/models").then().extract().jsonPath();
        given().queryParam("offset", 1).queryParam("limit", 2).get("/api/v1/models").then().statusCode(200)
                .body("data", hasSize(2))
                .body("data[0].id", equalTo(all.getString("data[1].id")))
                .body("total_count", equalTo(all.getInt("total_count")))
                .body("links.next", equalTo("/api/v1/models?offset=3&limit=2"));
    }

    @Test
    void negativeOffsetAndZeroLimitAre400NamingTheParameter() {
        given().queryParam("offset", -1).get("/api/v1/models").then().statusCode(400)
                .body("error.message", equalTo("offset must be 0 or more, got -1"));
        given().queryParam("limit", 0).get("/api/v1/models").then().statusCode(400)
                .body("error.message", equalTo("limit must be 1 or more, got 0"));
    }

    @Test
    void modelsCountIsTheNumberOfCatalogModels() {
        int total = given().get("/api/v1/models").then().extract().jsonPath().getInt("total_count");
        given().get("/api/v1/models/count").then().statusCode(200).body("data.count", equalTo(total));
    }

    @Test
    void endpointsCarryModelIdToolChoiceFlagsAndNullStatisticsWithoutAttempts() {
        String groq = "data.endpoints.find { it.tag == 'groq' }";
        given().get("/api/v1/models/meta-llama/llama-3.3-70b-instruct/endpoints").then().statusCode(200)
                .body(groq + ".model_id", equalTo("meta-llama/llama-3.3-70b-instruct"))
                .body(groq + ".supports_tool_choice", equalTo(java.util.Map.of("auto", true, "none", true, "required", true,
                        "function", true)))  // the endpoint lists tool_choice
                .body(groq + ".containsKey('uptime_last_5m')", equalTo(true))
                .body(groq + ".uptime_last_5m", nullValue())
                .body(groq + ".uptime_last_30m", nullValue())
                .body(groq + ".uptime_last_1d", nullValue())
                .body(groq + ".latency_last_30m", nullValue())
                .body(groq + ".throughput_last_30m", nullValue());
    }

    @Test
    void endpointsOfUnknownModelIs404WithErrorEnvelope() {
        given().when().get("/api/v1/models/nobody/nothing/endpoints").then()
                .statusCode(404)
                .body("error.code", equalTo(404))
                .body("error.message", equalTo("Model nobody/nothing is not in the catalog"));
    }
}
