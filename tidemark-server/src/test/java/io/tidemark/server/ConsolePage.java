package io.tidemark.server;

import io.tidemark.server.browser.Browser;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The console in a real browser, for the console tests: sign-in, navigation and bounded waits on the page. */
final class ConsolePage {
    /** Bound of every wait on the page. */
    static final Duration WAIT = Duration.ofSeconds(30);
    final Browser browser;
    final WebDriver driver;

    ConsolePage(Browser browser) {
        this.browser = browser;
        this.driver = browser.driver();
    }

    /** Loads the console at {@code base} signed out: a session kept from an earlier test signs out with its button. */
    void open(URI base) {
        browser.open(base.resolve("/"));
        until(d -> d.findElement(By.id("token")).isDisplayed() || d.findElement(By.id("who")).isDisplayed());
        if (driver.findElement(By.id("who")).isDisplayed()) {
            click("#sign-out");
        }
        until(d -> d.findElement(By.id("token")).isDisplayed());
    }

    /** Types the token into the sign-in form and submits it with Enter, as a keyboard user does. */
    void submitToken(String token) {
        WebElement input = driver.findElement(By.id("token"));
        input.clear();
        input.sendKeys(token, Keys.ENTER);
    }

    /** Signs in and waits for the tenant to be shown. */
    void signIn(URI base, String token) {
        open(base);
        submitToken(token);
        until(d -> d.findElement(By.id("who")).isDisplayed());
    }

    /** Goes to a page (#/archives …) by its navigation link, with the keyboard (Enter on the link). */
    void go(String page) {
        driver.findElement(By.cssSelector("#nav a[data-page='" + page + "']")).sendKeys(Keys.ENTER);
        until(d -> page.equals(d.findElement(By.id("page")).getAttribute("data-page")));
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** The text of the element css matches now (tables re-render: a stale element is looked up again). */
    String text(String css) {
        return until(d -> d.findElement(By.cssSelector(css)).getText());
    }

    /** Clicks what css matches, once it is there (looked up again when a re-render replaced it). */
    void click(String css) {
        until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** Waits until css matches an element whose text contains {@code part}; returns that text. */
    String awaitText(String css, String part) {
        return until(d -> d.findElements(By.cssSelector(css)).stream().map(WebElement::getText)
                .filter(t -> t.contains(part)).findFirst().orElse(null));
    }

    /**
     * Waits at most {@link #WAIT} for condition to return non-null and non-false; on timeout saves a screenshot
     * ({@code failure-<n>.png}) and fails with the page's URL and visible text.
     */
    <T> T until(Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, WAIT, Duration.ofMillis(100))
                    .ignoring(StaleElementReferenceException.class).until(condition);
        } catch (TimeoutException e) {
            java.nio.file.Path shot = browser.screenshot("failure-" + (++failures));
            throw new AssertionError("timed out on " + driver.getCurrentUrl() + " (screenshot " + shot + "); page text:\n"
                    + driver.findElement(By.tagName("body")).getText() + "\nconsole: " + browser.consoleLog(), e);
        }
    }

    private int failures;

    void type(String css, String text) {
        WebElement e = find(css);
        e.clear();
        e.sendKeys(text);
    }
}
