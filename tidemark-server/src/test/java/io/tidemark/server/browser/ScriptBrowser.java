package io.tidemark.server.browser;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the browser tests need from a real browser, whichever drives it: load a page, run scripts in it, read its
 * console, take a screenshot. {@link Browser} is headless Chromium through Selenium and chromedriver; {@link Firefox}
 * is headless Firefox ESR through WebDriver BiDi. Values come back as Selenium converts script results: integral
 * numbers as {@code Long}, other numbers as {@code Double}, arrays as lists, objects as maps, undefined as null.
 *
 * <p>Every call is bounded; {@link #close()} always ends the browser process. Not thread-safe.
 */
public interface ScriptBrowser extends AutoCloseable {

    /** Which browser, for messages and screenshot names: {@code chromium} or {@code firefox}. */
    String name();

    /** Loads {@code uri} and waits (bounded) for its load event. */
    void open(URI uri);

    /** Runs a synchronous script in the page ({@code arguments[0]}… are {@code args}) and returns its {@code return} value. */
    Object run(String script, Object... args);

    /**
     * Runs {@code body} as the body of an {@code async} function in the page ({@code args[0]}… are {@code args}) and
     * waits at most {@code timeout} for the promise it returns.
     *
     * @throws Browser.BrowserScriptError when the script throws or rejects, with the JavaScript error's stack
     */
    Object await(Duration timeout, String body, Object... args);

    /**
     * Waits, at most {@code timeout}, until the JavaScript {@code expression} (over {@code args[0]}…) is truthy in
     * the page, and returns its value; the page re-evaluates it every 50 ms and on every DOM change.
     *
     * @throws Browser.BrowserScriptError when it is still falsy at the timeout (the message has its last value), or
     *     throws
     */
    default Object waitFor(Duration timeout, String expression, Object... args) {
        String body = "const deadline = Date.now() + " + timeout.toMillis() + ";"
                + "const test = () => (" + expression + ");"
                + "let last = test();"
                + "while (!last && Date.now() < deadline) {"
                + "  await new Promise(resolve => {"
                + "    const observer = new MutationObserver(() => { observer.disconnect(); resolve(); });"
                + "    observer.observe(document,"
                + "        {subtree: true, childList: true, characterData: true, attributes: true});"
                + "    setTimeout(() => { observer.disconnect(); resolve(); }, 50);"
                + "  });"
                + "  last = test();"
                + "}"
                + "if (!last) throw new Error('still ' + JSON.stringify(last) + ' after " + timeout.toMillis()
                + " ms: ' + " + quote(expression) + ");"
                + "return last;";
        return await(timeout.plusSeconds(10), body, args);
    }

    /** The page's console messages, uncaught errors and failed loads since the browser started, each {@code LEVEL message}. */
    List<String> consoleLog();

    /** Saves a PNG of the viewport as {@code target/screenshots/<name>.png} and returns its path. */
    Path screenshot(String name);

    /** Ends the browser and whatever drives it (bounded), and deletes its temporary profile. */
    @Override
    void close();

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '\'') {
                b.append('\\');
            }
            b.append(c == '\n' ? ' ' : c);
        }
        return b.append('\'').toString();
    }
}
