package io.keyway.keys.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The console is served by key-service at /console/, with its config.json; it needs no sign-in to load. */
@QuarkusTest
class ConsoleResourceTests {

    @Test
    void consolePageScriptAndStylesAreServedFromTheBuildWithNothingFromElsewhere() {
        String html = given().get("/console/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("<title>Keyway console</title>")).extract().asString();
        // every asset is relative to /console/: no CDN, nothing fetched at run time from another host
        assertEquals(false, html.contains("http://") || html.contains("https://"), "no absolute URL in index.html");
        given().get("/console/console.js").then().statusCode(200).contentType(containsString("javascript"))
                .body(containsString("sessionStorage"), not(containsString("localStorage.setItem")));
        given().get("/console/console.css").then().statusCode(200).contentType(containsString("text/css"));
    }

    @Test
    void consoleWithoutTheSlashRedirectsToTheFolder() {
        given().redirects().follow(false).get("/console").then().statusCode(301)
                .header("Location", endsWith("/console/"));
    }

    @Test
    void configNamesTheSameOriginByDefaultTheConfiguredStoresAndEachProvidersAdapter() {
        given().get("/console/config.json").then().statusCode(200)
                .body("gateway_url", equalTo(""))
                .body("billing_url", equalTo(""))
                .body("secret_stores", hasItems("local", "aws")) // the test profile enables aws (moto)
                .body("default_secret_store", equalTo("local"))
                .body("provider_adapters.azure", equalTo("azure"))
                .body("provider_adapters.amazon-bedrock", equalTo("amazon-bedrock"));
    }

    @Test
    void configuredBaseUrlsLoseTheirTrailingSlash() {
        assertEquals("http://127.0.0.1:8080", ConsoleResource.base(" http://127.0.0.1:8080// "));
        assertEquals("", ConsoleResource.base(""));
    }
}
