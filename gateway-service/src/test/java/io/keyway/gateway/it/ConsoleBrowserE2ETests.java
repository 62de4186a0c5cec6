package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.AZURE;
import static io.keyway.gateway.it.KeywayServices.BEDROCK;
import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.GPT_4O;
import static io.keyway.gateway.it.KeywayServices.MID;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.keyway.gateway.it.KeywayServices.OTHER_MODEL;
import static io.keyway.gateway.it.KeywayServices.PRICEY;
import static io.keyway.gateway.it.KeywayServices.VERTEX;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console in a real browser (Debian's headless Chromium through Selenium) against the real key-service (which
 * serves it), billing-service and this gateway on three ports, with CORS for the console's origin: each page's main
 * flow, an axe-core check of each page, and screenshots at 1280 and 390 px in target/console-screenshots/.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserE2ETests extends GatewayE2E {

    static ConsoleBrowser browser;

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = new ConsoleBrowser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void desktopSize() {
        browser.size(ConsoleBrowser.DESKTOP);
    }

    private static String console() {
        return KeywayServices.keyServiceUrl + "/console/";
    }

    /** Opens the console signed out, signs in with the account's management key, lands on {@code page}. */
    private static void signIn(Seed.Account account, String page) {
        browser.open(console());
        browser.js("sessionStorage.clear()");
        browser.open(console() + "#/" + page);
        // Under load the sign-in form can be drawn again after the first keys are typed (it showed "Enter your
        // management key." once on a busy machine): type until the field holds the key, and submit again if the form
        // is still there.
        browser.until(d -> {
            if (!d.findElements(By.cssSelector("#nav")).isEmpty() && d.findElement(By.cssSelector("#nav")).isDisplayed()) {
                return true;
            }
            WebElement field = d.findElement(By.cssSelector("#management-key"));
            if (!account.managementKey().equals(field.getAttribute("value"))) {
                field.clear();
                field.sendKeys(account.managementKey());
                return false;
            }
            d.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
            return false;
        });
        browser.settled();
    }

    private static void go(String page) {
        browser.find("#nav a[data-page='" + page + "']").click();
        browser.until(d -> d.findElement(By.cssSelector("#nav a[data-page='" + page + "']")).getAttribute("aria-current") != null);
        browser.settled();
    }

    private static JsonPath byokList(Seed.Account account) {
        return given().baseUri(KeywayServices.keyServiceUrl).header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/byok").then().statusCode(200).extract().jsonPath();
    }

    private static WebElement keyItem(String name) {
        return browser.find("li[data-key-name='" + name + "']");
    }

    private static String testName(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    @Test
    @Order(1)
    void signInKeepsTheManagementKeyOnlyInSessionStorageAndSignOutForgetsIt() throws Exception {
        Seed.Account account = seed.account();
        browser.open(console());
        browser.js("sessionStorage.clear()");
        browser.open(console());
        browser.find("#management-key").sendKeys("sk-kw-mgmt-v1-" + "0".repeat(64));
        browser.find("#sign-in-form button[type=submit]").click();
        String error = browser.waitForText("#management-key-error", "not accepted");
        assertTrue(error.contains("This management key was not accepted"), error);
        browser.assertAccessible("sign-in");
        browser.screenshot("01-sign-in-error-1280");

        WebElement input = browser.find("#management-key");
        input.clear();
        input.sendKeys(account.managementKey());
        browser.find("#sign-in-form button[type=submit]").click();
        browser.waitForText("#page h1", "Providers");
        Map<String, Object> storage = browser.storage();
        assertTrue(((String) storage.get("session")).contains(account.managementKey()), "kept for the browser session");
        assertFalse(((String) storage.get("local")).contains(account.managementKey()), "never in localStorage");

        browser.find("#sign-out").click();
        browser.find("#sign-in-form");
        assertFalse(((String) browser.storage().get("session")).contains(account.managementKey()), "forgotten on sign-out");
        assertFalse(browser.driver.getPageSource().contains(account.managementKey()), "not left in the page");
    }

    @Test
    @Order(2)
    void addsAKeyOfEachFormatAndShowsAFormatErrorBesideTheKeyField() throws Exception {
        Seed.Account account = seed.account();
        signIn(account, "providers");

        // a malformed Azure key: key-service's 400 names the field, shown beside the key field, in words
        new Select(browser.find("#byok-provider")).selectByValue(AZURE);
        browser.setValue(browser.find("#byok-key"), "{\"model_slug\": \"" + GPT_4O + "\", \"endpoint_url\": "
                + "\"http://plain-http.example/chat/completions?api-version=1\", \"api_key\": \"ok-x\", \"model_id\": \"gpt-4o\"}");
        browser.find("#add-byok button[type=submit]").click();
        String formatError = browser.waitForText("#byok-key-error", "Field '");
        assertTrue(formatError.contains("endpoint_url"), formatError);
        assertFalse(formatError.contains("{"), "an error in words, not JSON: " + formatError);
        assertEquals("true", browser.find("#byok-key").getAttribute("aria-invalid"));
        browser.screenshot("02-providers-format-error-1280");

        addKey(CHEAP, "token key", secret("ok"), "local");
        addKey(AZURE, "azure deployments", "[" + AzureE2ETests.deployment(GPT_4O, "ok-" + UUID.randomUUID()) + "]", "aws");
        addKey(BEDROCK, "bedrock sigv4", BedrockKeys.accessKeysJson("ok", "us-east-1"), "local");
        addKey(BEDROCK, "bedrock api key", BedrockKeys.apiKey("ok"), "local");
        addKey(VERTEX, "vertex service account", KeywayServices.googleTokens.mint("keyway-console-" + System.nanoTime()).json(), "local");

        // a key moves to the Fallback section, after platform capacity
        keyItem("bedrock api key").findElement(By.cssSelector("[data-role=section]")).click();
        browser.waitForText("section[data-provider='" + BEDROCK + "'] [data-role=order]",
                "then platform capacity (when the operator offers it), then your fallback key “bedrock api key”");

        JsonPath keys = byokList(account);
        assertTrue(keys.getBoolean("data.find { it.name == 'bedrock api key' }.is_fallback"));
        assertEquals(java.util.Set.of("token key", "azure deployments", "bedrock sigv4", "bedrock api key",
                "vertex service account"), java.util.Set.copyOf(keys.getList("data.name")));
        assertEquals("aws", keys.getString("data.find { it.name == 'azure deployments' }.secret_store"));
        String page = browser.driver.getPageSource();
        assertFalse(page.contains("PRIVATE KEY") || page.contains(BedrockKeys.secretAccessKey("ok")),
                "no secret is rendered after its creation");
        browser.find("section[data-provider='" + BEDROCK + "'] [data-role=order]");
        browser.assertAccessible("providers");
        browser.screenshot("03-providers-1280");
        browser.size(ConsoleBrowser.PHONE);
        assertTrue(browser.fitsWidth(), "the providers page fits 390 px");
        browser.screenshot("04-providers-390");
    }

    private static void addKey(String provider, String name, String secret, String store) {
        new Select(browser.find("#byok-provider")).selectByValue(provider);
        browser.find("#byok-name").clear();
        browser.find("#byok-name").sendKeys(name);
        new Select(browser.find("#byok-store")).selectByValue(store);
        browser.setValue(browser.find("#byok-key"), secret);
        browser.find("#add-byok button[type=submit]").click();
        keyItem(name);
    }

    @Test
    @Order(3)
    void reorderAlwaysUseAndAStaleKeyIsReportedAsChangedSinceOpened() throws Exception {
        Seed.Account account = seed.account();
        String first = seed.byok(account, MID, secret("ok"), Map.of("name", "first"));
        seed.byok(account, MID, secret("ok"), Map.of("name", "second"));
        Seed.ApiKey ci = seed.apiKey(account);
        signIn(account, "providers");
        String order = browser.find("section[data-provider='" + MID + "'] [data-role=order]").getText();
        assertTrue(order.contains("your key “first”, then your key “second”, then platform capacity"), order);

        keyItem("first").findElement(By.cssSelector("[data-role=down]")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> byokList(account).getList("data.name").equals(List.of("second", "first")));
        browser.waitForText("section[data-provider='" + MID + "'] [data-role=order]", "your key “second”, then your key “first”");

        keyItem("second").findElement(By.cssSelector("[data-role=always-use] input, input[data-role=always-use]")).click();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                byokList(account).getBoolean("data.find { it.name == 'second' }.always_use"));
        browser.waitForText("section[data-provider='" + MID + "'] [data-role=order]", "always use");

        // the API-key filter: only requests made with the picked API key may use "second"
        keyItem("second").findElement(By.cssSelector("[data-role=filters]")).click();
        WebElement editor = browser.find("li[data-key-name='second'] .editor");
        editor.findElement(By.xpath(".//label[contains(., 'All API keys')]/input")).click();
        new Select(editor.findElement(By.cssSelector("select[name=allowed_api_key_hashes]"))).selectByValue(ci.hash());
        editor.findElement(By.cssSelector("button[type=submit]")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> List.of(ci.hash())
                .equals(byokList(account).getList("data.find { it.name == 'second' }.allowed_api_key_hashes")));
        String name = given().baseUri(KeywayServices.keyServiceUrl).header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/keys/" + ci.hash()).then().statusCode(200).extract().path("data.name");
        browser.waitForText("section[data-provider='" + MID + "'] [data-role=order]", "(only API keys " + name + ")");

        // changed behind the page's back: the next write from the page is refused, and said so in words
        seed.patchByok(account, first, Map.of("name", "first renamed elsewhere"));
        keyItem("first").findElement(By.cssSelector("input[data-role=enabled]")).click();
        String stale = browser.waitForText(".banner.warn", "changed since you opened it");
        assertTrue(stale.contains("This key changed since you opened it; reload"), stale);
        browser.screenshot("05-providers-stale-key-1280");
        browser.find(".banner.warn button").click();
        keyItem("first renamed elsewhere");
        assertFalse(byokList(account).getBoolean("data.find { it.name == 'first renamed elsewhere' }.disabled"),
                "the stale write changed nothing");

        // delete asks first: cancel keeps the key, confirming deletes it
        keyItem("first renamed elsewhere").findElement(By.cssSelector("[data-role=delete]")).click();
        browser.find("#confirm[open]");
        browser.screenshot("06-providers-delete-confirmation-1280");
        browser.find("#confirm-cancel").click();
        assertEquals(2, byokList(account).getList("data").size());
        keyItem("first renamed elsewhere").findElement(By.cssSelector("[data-role=delete]")).click();
        browser.find("#confirm-ok").click();
        await().atMost(Duration.ofSeconds(10)).until(() -> byokList(account).getList("data.name").equals(List.of("second")));
    }

    @Test
    @Order(4)
    void aModelFilterSetInTheConsoleIsFollowedByTheGatewayAndTheActivityPageShowsTheAttempts() throws Exception {
        var key = new Seed.ApiKey[1];
        Seed.Account account = fundedAccount(key);
        String betaOnly = secret("ok");
        String general = secret("ok");
        seed.byok(account, CHEAP, betaOnly, Map.of("name", "beta only"));
        seed.byok(account, CHEAP, general, Map.of("name", "general"));
        signIn(account, "providers");

        keyItem("beta only").findElement(By.cssSelector("[data-role=filters]")).click();
        WebElement editor = browser.find("li[data-key-name='beta only'] .editor");
        editor.findElement(By.xpath(".//label[contains(., 'All models')]/input")).click();
        new Select(editor.findElement(By.cssSelector("select[name=allowed_models]"))).selectByValue(OTHER_MODEL);
        editor.findElement(By.cssSelector("button[type=submit]")).click();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                List.of(OTHER_MODEL).equals(byokList(account).getList("data.find { it.name == 'beta only' }.allowed_models")));
        browser.waitForText("section[data-provider='" + CHEAP + "'] [data-role=order]", "(only " + OTHER_MODEL + ")");
        browser.screenshot("07-providers-filter-1280");

        Map<String, Object> cheapOnly = Map.of("only", List.of(CHEAP));
        chat(key[0], body(MODEL, "provider", cheapOnly)).then().statusCode(200);
        assertEquals(List.of(general), called(), MODEL + " skips the key filtered to " + OTHER_MODEL);
        KeywayServices.upstream.reset();
        chat(key[0], body(OTHER_MODEL, "provider", cheapOnly)).then().statusCode(200);
        assertEquals(List.of(betaOnly), called(), OTHER_MODEL + " uses it first");

        // rotating "general" in the console: the gateway uses the new secret (same key, same place)
        String rotated = secret("ok");
        keyItem("general").findElement(By.cssSelector("[data-role=rotate]")).click();
        browser.setValue(browser.find("li[data-key-name='general'] .editor [name=key]"), rotated);
        browser.find("li[data-key-name='general'] .editor button[type=submit]").click();
        browser.waitForText("#toast", "Key rotated");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> {
            KeywayServices.upstream.reset();
            chat(key[0], body(MODEL, "provider", cheapOnly)).then().statusCode(200);
            return called().equals(List.of(rotated));
        });

        // the list comes from billing-service: wait until it has applied these requests' usage events
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            var listed = given().header("Authorization", "Bearer " + account.managementKey())
                    .get("/api/v1/generations").then().statusCode(200).extract().jsonPath();
            return listed.getList("data").size() >= 3 && MODEL.equals(listed.getString("data[0].model"));
        });
        go("activity");
        List<WebElement> rows = browser.all("#activity tbody tr[data-id]");
        assertTrue(rows.size() >= 3, "every request of the account is listed");
        WebElement beta = rows.stream().filter(r -> r.getText().contains(OTHER_MODEL)).findFirst().orElseThrow();
        assertTrue(beta.getText().contains("BYOK"), beta.getText());
        assertTrue(rows.get(0).getText().contains(MODEL), "newest first: " + rows.get(0).getText());
        beta.findElement(By.tagName("summary")).click();
        String attempts = browser.waitForText("#activity details[open] li", "your key beta only");
        assertTrue(attempts.contains("Cheap stand-in") && attempts.contains("200"), attempts);
        browser.assertAccessible("activity");
        browser.screenshot("08-activity-1280");
        browser.size(ConsoleBrowser.PHONE);
        assertTrue(browser.fitsWidth(), "the activity page fits 390 px");
        browser.screenshot("09-activity-390");
    }

    @Test
    @Order(5)
    void createsAnApiKeyShownOnceWithACopyButtonEditsAndDeletesItAfterConfirmation() throws Exception {
        Seed.Account account = seed.account();
        signIn(account, "api-keys");
        String name = testName("ci");
        browser.find("#new-key-name").sendKeys(name);
        browser.find("#new-key-limit").sendKeys("12.5");
        new Select(browser.find("#new-key-reset")).selectByValue("monthly");
        browser.find("#new-key-byok").click();
        browser.find("#new-key-rate-requests").sendKeys("50");
        browser.find("#new-key-rate-interval").sendKeys("10s");
        browser.find("#new-key-concurrent").sendKeys("4");
        browser.find("#create-api-key button[type=submit]").click();
        WebElement revealed = browser.find("#new-key-value");
        String plaintext = revealed.getAttribute("value");
        assertTrue(plaintext.matches("^sk-kw-v1-[0-9a-f]{64}$"), "the new key is revealed once");
        browser.find("#copy-key").click();
        browser.waitForText("#toast", "Copied");
        browser.screenshot("10-api-keys-reveal-1280");
        browser.assertAccessible("api-keys");

        JsonPath listed = given().baseUri(KeywayServices.keyServiceUrl).header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/keys").then().statusCode(200).extract().jsonPath();
        assertEquals(12.5f, listed.getFloat("data.find { it.name == '" + name + "' }.limit"));
        assertEquals(true, listed.getBoolean("data.find { it.name == '" + name + "' }.include_byok_in_limit"));
        assertEquals(50, listed.getInt("data.find { it.name == '" + name + "' }.rate_limit.requests"));
        assertEquals("10s", listed.getString("data.find { it.name == '" + name + "' }.rate_limit.interval"));
        assertEquals(4, listed.getInt("data.find { it.name == '" + name + "' }.max_concurrent_requests"));

        browser.driver.navigate().refresh();
        browser.find("#api-keys tr[data-name='" + name + "']");
        assertFalse(browser.driver.getPageSource().contains(plaintext), "after the reveal the secret is never shown again");
        assertTrue(browser.find("#api-keys tr[data-name='" + name + "']").getText().contains("50 per 10s, 4 at once"),
                "the request limits are shown");

        browser.find("#api-keys tr[data-name='" + name + "'] [data-role=toggle]").click();
        await().atMost(Duration.ofSeconds(10)).until(() -> given().baseUri(KeywayServices.keyServiceUrl)
                .header("Authorization", "Bearer " + account.managementKey()).get("/api/v1/keys?include_disabled=true")
                .then().extract().jsonPath().getBoolean("data.find { it.name == '" + name + "' }.disabled"));
        browser.find("#api-keys tr[data-name='" + name + "'] [data-role=delete]").click();
        browser.find("#confirm[open]");
        browser.find("#confirm-ok").click();
        browser.until(d -> d.findElements(By.cssSelector("#api-keys tr[data-name='" + name + "']")).isEmpty());
        browser.size(ConsoleBrowser.PHONE);
        assertTrue(browser.fitsWidth(), "the API keys page fits 390 px");
        browser.screenshot("11-api-keys-390");
    }

    @Test
    @Order(6)
    void settingsAreSavedAndReadBack() throws Exception {
        Seed.Account account = seed.account();
        signIn(account, "settings");
        browser.find("#ignore-" + PRICEY).click();
        browser.find("#prec-order_first").click();
        new Select(browser.find("#default-store")).selectByValue("aws");
        browser.find("#settings-form button[type=submit]").click();
        browser.waitForText("#toast", "Settings saved");
        JsonPath s = given().baseUri(KeywayServices.keyServiceUrl).header("Authorization", "Bearer " + account.managementKey())
                .get("/api/v1/settings").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(PRICEY), s.getList("data.ignored_providers"));
        assertEquals("order_first", s.getString("data.byok_precedence"));
        assertEquals("aws", s.getString("data.default_secret_store"));
        browser.settled();
        assertTrue(browser.find("#ignore-" + PRICEY).isSelected(), "read back after saving");
        browser.assertAccessible("settings");
        browser.screenshot("12-settings-1280");
    }

    @Test
    @Order(7)
    void creditsPageShowsBalanceFreeAllowanceStatementChartAndLedger() throws Exception {
        var key = new Seed.ApiKey[1];
        Seed.Account account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("ok"), Map.of("name", "mine"));
        for (int i = 0; i < 3; i++) {
            chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200);
        }
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        await().atMost(Duration.ofSeconds(30)).until(() -> given().baseUri(KeywayServices.billingUrl)
                .header("Authorization", "Bearer " + account.managementKey()).get("/api/v1/statements/" + month)
                .then().extract().jsonPath().getInt("data.byok.requests") == 3);

        signIn(account, "credits");
        assertEquals("3 of 1,000,000 free BYOK requests used", browser.find("#allowance-label").getText());
        assertEquals("3", browser.find("#allowance").getAttribute("value"));
        assertEquals("$10.00", browser.find("#stat-balance").getText());
        String statement = browser.find("#statement tbody").getText();
        assertTrue(statement.contains(MODEL) && statement.contains("Cheap stand-in") && statement.contains("yes"), statement);
        assertTrue(browser.find(".chart svg").getAttribute("aria-label").startsWith("3 requests"),
                browser.find(".chart svg").getAttribute("aria-label"));
        assertTrue(browser.find("#ledger tbody").getText().contains("gateway e2e"), "the top-up is in the ledger");
        browser.assertAccessible("credits");
        browser.screenshot("13-credits-1280");
        browser.size(ConsoleBrowser.PHONE);
        assertTrue(browser.fitsWidth(), "the credits page fits 390 px");
        browser.screenshot("14-credits-390");
    }
}
