package io.keyway.gateway.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven by Selenium through Debian's chromedriver (deploy/local/browser.sh installs both),
 * with what the console's tests need around it: waits, full-page screenshots into target/console-screenshots/, and
 * axe-core's accessibility check run in the page.
 */
final class ConsoleBrowser implements AutoCloseable {

    static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    static final Dimension DESKTOP = new Dimension(1280, 900);
    static final Dimension PHONE = new Dimension(390, 844);

    final ChromeDriver driver;
    private final String axeSource;

    ConsoleBrowser() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Path chromedriver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(chromedriver)) {
            throw new IllegalStateException("Chromium or chromedriver is missing: run deploy/local/browser.sh up");
        }
        Path axe = Path.of(System.getProperty("keyway.axe-core.path", "../.keyway/browser/axe-core-4.10.3/axe.min.js"));
        if (!Files.isReadable(axe)) {
            throw new IllegalStateException(axe + " is missing: run deploy/local/browser.sh up");
        }
        axeSource = Files.readString(axe);
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--force-device-scale-factor=1", "--lang=en-US",
                "--user-data-dir=" + Files.createTempDirectory("keyway-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .withLogFile(Path.of("target/keyway-it/chromedriver.log").toFile()).build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String css) {
        return until(d -> {
            var found = d.findElements(By.cssSelector(css));
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits up to 20 s; on a timeout the failure carries what the page showed and the browser's console. */
    <T> T until(Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, Duration.ofSeconds(20))
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out; the page showed:\n" + js("return document.body.innerText")
                    + "\nbrowser console:\n" + browserLog(), e);
        }
    }

    String browserLog() {
        StringBuilder out = new StringBuilder();
        driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER)
                .forEach(entry -> out.append(entry.getLevel()).append(' ').append(entry.getMessage()).append('\n'));
        return out.toString();
    }

    /** Waits until {@code css} shows text containing {@code text}; returns that text. */
    String waitForText(String css, String text) {
        return until(d -> {
            for (WebElement e : d.findElements(By.cssSelector(css))) {
                if (e.isDisplayed() && e.getText().contains(text)) {
                    return e.getText();
                }
            }
            return null;
        });
    }

    /** Waits until the page has loaded (no "Loading…", #page not busy). */
    void settled() {
        until(d -> js("return document.querySelector('#page') && !document.querySelector('#page').hasAttribute('aria-busy')"
                + " && !document.querySelector('#page .loading')"));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    void setValue(WebElement field, String value) {
        js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", field, value);
    }

    void size(Dimension d) {
        driver.manage().window().setSize(d);
    }

    /** A screenshot of the whole page (the window stretched to the document's height), kept as {@code name}.png. */
    Path screenshot(String name) throws Exception {
        Dimension before = driver.manage().window().getSize();
        long height = ((Number) js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")).longValue();
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(Math.max(height + 120, before.getHeight()), 6000)));
        js("window.scrollTo(0, 0)");
        try {
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** True when nothing sticks out sideways: the layout fits the window's width. */
    boolean fitsWidth() {
        return (Boolean) js("return document.documentElement.scrollWidth <= window.innerWidth");
    }

    /** axe-core's serious and critical violations on the current page, as "rule: help (targets)" lines. */
    @SuppressWarnings("unchecked")
    List<String> seriousAccessibilityViolations() {
        js(axeSource);
        Object result = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {resultTypes: ['violations']})
                  .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', ') + ')')))
                  .catch(e => done(['axe failed: ' + e]));
                """);
        return (List<String>) result;
    }

    void assertAccessible(String page) {
        List<String> violations = seriousAccessibilityViolations();
        assertTrue(violations.isEmpty(), page + ": axe-core found serious or critical violations: " + violations);
    }

    Map<String, Object> storage() {
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) js("return {session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage)}");
        return s;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
