package io.tidemark.server.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.remote.http.ClientConfig;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) driven by Selenium, for tests of
 * the pages and the JavaScript client the server serves. Nothing is downloaded: the driver and browser binaries are
 * the system's ({@link #CHROMIUM}, {@link #CHROMEDRIVER}), so Selenium Manager never runs.
 *
 * <p>Lifecycle: {@link #start()} in a {@code try}-with-resources or {@code @BeforeAll}/{@code @AfterAll};
 * {@link #close()} always quits the browser, stops the driver process and deletes the temporary profile, also when
 * the browser is wedged. Every wait is bounded: driver start ({@link #DRIVER_START}), each driver command
 * ({@link #COMMAND_TIMEOUT}), page load ({@link #PAGE_LOAD}) and each script (the timeout passed to
 * {@link #await}).
 *
 * <p>Call {@link #assumeInstalled()} first (in {@code @BeforeAll}): without the binaries the test is skipped with a
 * message naming the Debian packages, as the psql tests are; {@code .ci/run} installs them when missing.
 *
 * <p>Not thread-safe: one test thread drives one browser.
 */
public final class Browser implements ScriptBrowser {
    /** Debian's Chromium launcher. */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** Debian's chromedriver (package {@code chromium-driver}), the same version as {@link #CHROMIUM}. */
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** How long chromedriver may take to answer on its port. */
    public static final Duration DRIVER_START = Duration.ofSeconds(30);
    /** Bound of one driver command (the HTTP read timeout between Selenium and chromedriver). */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    /** Bound of one page load. */
    public static final Duration PAGE_LOAD = Duration.ofSeconds(30);
    /** Where {@link #screenshot} writes, relative to the module directory (the test's working directory). */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;
    private final List<String> console = new ArrayList<>();

    private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /** Skips the calling test (JUnit assumption) unless Chromium and chromedriver are installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (Debian: apt-get install chromium chromium-driver)");
    }

    /** Starts chromedriver and a headless Chromium with a new temporary profile, 1280×800. */
    public static Browser start() {
        Path profile;
        try {
            profile = Files.createTempDirectory("tidemark-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-features=Translate,OptimizationHints,MediaRouter", "--window-size=1280,800",
                "--user-data-dir=" + profile.toAbsolutePath());
        options.setPageLoadTimeout(PAGE_LOAD);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withTimeout(DRIVER_START)
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options,
                    ClientConfig.defaultConfig().connectionTimeout(DRIVER_START).readTimeout(COMMAND_TIMEOUT));
            driver.manage().timeouts().pageLoadTimeout(PAGE_LOAD);
            return new Browser(service, driver, profile);
        } catch (RuntimeException e) {
            service.stop();
            deleteQuietly(profile);
            throw e;
        }
    }

    @Override
    public String name() {
        return "chromium";
    }

    /** The Selenium driver, for what this class does not wrap (finding elements, typing, clicking). */
    public WebDriver driver() {
        return driver;
    }

    /** Loads {@code uri} and waits (at most {@link #PAGE_LOAD}) for its load event. */
    @Override
    public void open(URI uri) {
        driver.get(uri.toString());
    }

    /** Runs a synchronous script in the page and returns its {@code return} value (Selenium's conversions). */
    @Override
    public Object run(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /**
     * Runs {@code body} as the body of an {@code async} function in the page and waits at most {@code timeout} for
     * the promise it returns. The arguments are {@code args[0]}…; the function's result comes back converted as
     * Selenium converts script results (numbers as {@code Long}/{@code Double}, arrays as lists, objects as maps).
     *
     * @throws BrowserScriptError when the script throws or rejects, with the JavaScript error's stack
     * @throws org.openqa.selenium.ScriptTimeoutException when the promise is not settled within {@code timeout}
     */
    @Override
    public Object await(Duration timeout, String body, Object... args) {
        driver.manage().timeouts().scriptTimeout(timeout);
        String script = "const done = arguments[arguments.length - 1];"
                + "const args = Array.prototype.slice.call(arguments, 0, arguments.length - 1);"
                + "(async (args) => {" + body + "\n})(args).then("
                + "v => done({ok: v === undefined ? null : v}),"
                + "e => done({error: String(e && e.stack ? e.stack : e)}));";
        Object r = ((JavascriptExecutor) driver).executeAsyncScript(script, args);
        if (!(r instanceof Map<?, ?> m)) {
            throw new BrowserScriptError("the script returned no result object: " + r);
        }
        if (m.containsKey("error")) {
            throw new BrowserScriptError(String.valueOf(m.get("error")));
        }
        return m.get("ok");
    }

    /**
     * The browser console's messages since the browser started, oldest first, each as {@code LEVEL message}
     * (Chromium's {@code console.*} output, uncaught errors, failed loads). Reading drains the driver's buffer;
     * this browser keeps them, so each call returns all messages so far.
     */
    @Override
    public List<String> consoleLog() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            console.add(e.getLevel() + " " + e.getMessage());
        }
        return List.copyOf(console);
    }

    /** Saves a PNG of the viewport as {@code target/screenshots/<name>.png} and returns its path. */
    @Override
    public Path screenshot(String name) {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, png);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Quits the browser and stops chromedriver (each bounded by {@link #COMMAND_TIMEOUT}), deletes the profile. */
    @Override
    public void close() {
        try {
            driver.quit();
        } catch (RuntimeException e) {
            System.err.println("Browser: quitting Chromium failed (" + e + "); stopping chromedriver anyway");
        } finally {
            service.stop();
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Browser: could not delete " + dir + ": " + e);
        }
    }

    /** A script run by {@link #await} threw or rejected; the message is the JavaScript error's stack. */
    public static final class BrowserScriptError extends AssertionError {
        private static final long serialVersionUID = 1L;

        BrowserScriptError(String message) {
            super(message);
        }
    }
}
