package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.server.browser.Browser;
import io.tidemark.store.TestStores;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The example page of docs/live-protocol.md ("JavaScript client", "Example page") as a user runs it: the HTML fence
 * saved as {@code index.html} next to {@code tidemark-live.js} fetched from the server, served from another origin
 * (a plain static file server, as {@code python3 -m http.server} would), opened in Chromium, token typed, Run clicked.
 */
class LiveJsDocsExampleIT {
    private static final Path PAGE = Path.of("..").toAbsolutePath().normalize().resolve("docs/live-protocol.md");
    private static final String MARKER = "<!-- js-example:";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static HttpServer files;
    private static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        Browser.assumeInstalled();
        f = new ServerFixture(TestStores.duckDb(dir.resolve("store")));
        Path site = Files.createDirectories(dir.resolve("tidemark-page"));
        Files.writeString(site.resolve("index.html"), exampleHtml());
        HttpResponse<String> client = f.send("GET", "/js/tidemark-live.js", null, null, null); // the doc's curl -sO
        assertThat(client.statusCode()).isEqualTo(200);
        Files.writeString(site.resolve("tidemark-live.js"), client.body());
        files = serve(site);
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (files != null) {
            files.stop(0);
        }
        if (f != null) {
            f.close();
        }
    }

    @Test
    void examplePage_showsTheLatestRows_andUpdatesAtTheNextGeneration() {
        String token = f.token("default", Role.ADMIN);
        TidemarkClient http = f.client(token);
        Map<String, String> cols = new LinkedHashMap<>(); // the quick start's plant archive (docs/api.md)
        cols.put("temp", "DOUBLE");
        cols.put("power", "DOUBLE");
        http.createArchive("plant", cols);
        http.activateArchive("plant");
        Instant t = Instant.parse("2025-01-01T00:00:00.000001Z");
        http.publish("plant", List.of(Row.of("s1", t, Map.of("temp", 21.5, "power", 10.0)),
                Row.of("s2", t, Map.of("temp", 19.25, "power", 12.0))));

        run(token);
        browser.waitFor(WAIT, "document.querySelectorAll('#result tbody tr').length === 2");
        assertThat(browser.waitFor(WAIT, "document.getElementById('status').textContent.startsWith('generation ') "
                + "&& document.getElementById('status').textContent")).asString().endsWith(": 2 rows");
        assertThat(text("#result thead")).isEqualTo("rtId timestamp temp power");
        assertThat(text("#result tbody")).isEqualTo(
                "s1 2025-01-01T00:00:00.000001Z 21.5 10\ns2 2025-01-01T00:00:00.000001Z 19.25 12");

        http.publish("plant", List.of(Row.of("s3", t.plus(1, ChronoUnit.MICROS), Map.of("temp", 30.0, "power", 1.0))));
        browser.waitFor(WAIT, "document.querySelectorAll('#result tbody tr').length === 3");
        assertThat(text("#result tbody")).endsWith("s3 2025-01-01T00:00:00.000002Z 30 1");
        browser.screenshot("live-js-example-page");
    }

    @Test
    void examplePage_badToken_fromAnotherOrigin_saysTheConnectionCouldNotBeOpened() {
        run("tmk_wrong");
        assertThat(browser.waitFor(WAIT, "document.getElementById('status').textContent.startsWith('TRANSPORT') "
                + "&& document.getElementById('status').textContent")).asString()
                .contains("cannot open the live connection").doesNotContain("tmk_wrong");
    }

    /** Opens the page, points it at the test server (the doc's default is localhost:8080), types the token, Run. */
    private static void run(String token) {
        browser.open(URI.create("http://127.0.0.1:" + files.getAddress().getPort() + "/index.html"));
        WebElement server = browser.driver().findElement(By.id("server"));
        server.clear();
        server.sendKeys(f.uri().toString());
        browser.driver().findElement(By.id("token")).sendKeys(token);
        browser.driver().findElement(By.id("run")).click();
    }

    private static String text(String selector) {
        return (String) browser.run("return [...document.querySelector(arguments[0]).querySelectorAll('tr')]"
                + ".map(tr => [...tr.children].map(c => c.textContent).join(' ')).join('\\n');", selector);
    }

    /** The first {@code html} fence after the marker comment. */
    private static String exampleHtml() throws IOException {
        String doc = Files.readString(PAGE);
        int marker = doc.indexOf(MARKER);
        assertThat(marker).as("docs/live-protocol.md carries " + MARKER).isNotNegative();
        int start = doc.indexOf("```html\n", marker);
        int end = doc.indexOf("\n```", start + 8);
        assertThat(start).isNotNegative();
        return doc.substring(start + "```html\n".length(), end + 1);
    }

    /** A static file server for a folder on 127.0.0.1 (what {@code python3 -m http.server} does for the user). */
    private static HttpServer serve(Path root) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", file.toString().endsWith(".js")
                    ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        s.start();
        return s;
    }
}
