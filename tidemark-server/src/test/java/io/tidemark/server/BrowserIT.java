package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.server.browser.Browser;
import io.tidemark.store.TestStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.ScriptTimeoutException;

/** The real-browser harness ({@link Browser}) against a real server: page load, scripts, console, screenshots. */
class BrowserIT {
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static Browser browser;

    @BeforeAll
    static void start() {
        Browser.assumeInstalled();
        f = new ServerFixture(TestStores.duckDb(dir));
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (f != null) {
            f.close();
        }
    }

    @Test
    void servedPage_moduleRunsUnderTheContentSecurityPolicy_andLogsToTheConsole() {
        browser.open(f.uri().resolve("/browser-it/index.html"));
        Object status = browser.await(Duration.ofSeconds(10), """
                for (let i = 0; i < 100 && !window.browserIt; i++) await new Promise(r => setTimeout(r, 50));
                return document.getElementById('status').textContent + ' ' + String(window.browserIt.answer);""");
        assertThat(status).isEqualTo("module ran 42");
        assertThat(browser.consoleLog()).anySatisfy(line -> assertThat(line).contains("browser-it: module ran"));
    }

    @Test
    void await_rejectedPromise_throwsWithTheJavaScriptError() {
        browser.open(f.uri().resolve("/browser-it/index.html"));
        assertThatThrownBy(() -> browser.await(Duration.ofSeconds(10), "throw new TypeError('no such thing');"))
                .isInstanceOf(Browser.BrowserScriptError.class).hasMessageContaining("TypeError: no such thing");
    }

    @Test
    void await_neverSettles_endsAtItsTimeout() {
        browser.open(f.uri().resolve("/browser-it/index.html"));
        assertThatThrownBy(() -> browser.await(Duration.ofMillis(500), "await new Promise(() => {});"))
                .isInstanceOf(ScriptTimeoutException.class);
    }

    @Test
    void waitFor_conditionThatBecomesTrue_returnsItsValue_andOneThatNeverDoes_failsWithItsLastValue() {
        browser.open(f.uri().resolve("/browser-it/index.html"));
        browser.run("setTimeout(() => { document.getElementById('status').textContent = 'later'; }, 300);");
        assertThat(browser.waitFor(Duration.ofSeconds(10),
                "document.getElementById('status').textContent === 'later' && args[0]", "yes")).isEqualTo("yes");
        assertThatThrownBy(() -> browser.waitFor(Duration.ofMillis(300), "document.title === 'never'"))
                .isInstanceOf(Browser.BrowserScriptError.class).hasMessageContaining("still false after 300 ms");
    }

    @Test
    void screenshot_writesAPng() throws Exception {
        browser.open(f.uri().resolve("/browser-it/index.html"));
        Path png = browser.screenshot("browser-it");
        byte[] head = Files.readAllBytes(png);
        assertThat(png).startsWith(Browser.SCREENSHOTS);
        assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }
}
