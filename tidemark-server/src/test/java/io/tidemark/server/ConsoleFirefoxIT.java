package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.browser.Firefox;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real headless Firefox ESR (see {@link Firefox}): a bad token refused, sign-in with the tenant and
 * role shown, the Archives page with the sample count, and the Live page with two queries whose every rendered
 * generation shows one generation number and values equal to an oracle over a prefix of the ingested batches — the
 * checks of {@link ConsoleIT} and {@link ConsoleLiveIT} that depend on the browser engine. Typing and clicking go
 * through DOM events here (the keyboard paths are covered in Chromium by {@link ConsoleIT}). Screenshots:
 * {@code target/screenshots/firefox-console-*.png}.
 */
class ConsoleFirefoxIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int BATCHES = 10;
    @TempDir
    Path dir;

    @Test
    void badToken_signIn_archives_andTwoLiveQueries_atEveryGenerationEqualTheOracle() {
        Firefox.assumeInstalled();
        Store store = TestStores.duckDb(dir);
        try (TidemarkServer server = TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0)
                .bootstrapToken(false).rollupInterval(Duration.ofHours(1)).build()).store(store).build().start();
                Firefox firefox = Firefox.start()) {
            String token = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "ops", Instant.now()).secret();
            TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
            client.createArchive("m", Map.of("v", "DOUBLE"));
            client.activateArchive("m");
            Random random = new Random(17);
            Instant base = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.MILLIS);
            List<List<Row>> batches = new ArrayList<>();
            batches.add(ConsoleLiveIT.batch(random, 0, base));
            client.publish("m", batches.get(0));
            Page page = new Page(firefox);

            // A bad token: the server's code on the form, nothing kept.
            page.open(server.uri());
            page.submitToken("tmk_not_a_token");
            assertThat(page.awaitText("#sign-in-error", "UNAUTHENTICATED")).isNotBlank();
            assertThat(firefox.run("return sessionStorage.getItem('tidemark.token');")).isNull();
            firefox.screenshot("firefox-console-sign-in-refused");

            // Sign in: tenant and role; the Archives page with the archive's samples.
            page.submitToken(token);
            page.awaitText("#who-tenant", "plant");
            assertThat(page.awaitText("#who-role", "admin")).isEqualTo("admin");
            String samples = page.awaitText("tr[data-archive='m'] td.samples", String.valueOf(distinctKeys(batches)));
            assertThat(samples).contains("latest ");
            firefox.screenshot("firefox-console-archives");

            // Live: an error at its line and column while typing, then two queries run.
            page.go("live");
            page.awaitText("#connection", "connected");
            page.type("#live-panels .live-query:nth-child(1) textarea", "SELECT rtId, COUNT(*) AS n FROM recent.m GROUP BY nope");
            assertThat(page.awaitText("#live-panels .live-query:nth-child(1) .validation", "✗"))
                    .contains("UNKNOWN_COLUMN", "line 1, column");
            page.type("#live-panels .live-query:nth-child(1) textarea", ConsoleLiveIT.BY_RT);
            page.awaitText("#live-panels .live-query:nth-child(1) .validation", "Valid");
            page.click("#live-panels .live-query:nth-child(1) button.run");
            page.click("#live-add");
            page.type("#live-panels .live-query:nth-child(2) textarea", ConsoleLiveIT.TOTAL);
            page.awaitText("#live-panels .live-query:nth-child(2) .validation", "Valid");
            page.click("#live-panels .live-query:nth-child(2) button.run");
            firefox.run(ConsoleLiveIT.RECORDER);
            page.awaitShows(batches);
            for (int k = 1; k <= BATCHES; k++) {
                batches.add(ConsoleLiveIT.batch(random, k, base));
                client.publish("m", batches.get(k));
                page.awaitShows(batches);
            }
            firefox.run("window.scrollTo(0, 0);");
            firefox.screenshot("firefox-console-live");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> renders = (List<Map<String, Object>>) firefox.run("return window.renders.splice(0);");
            assertThat(renders).as("renders recorded, at least one per batch").hasSizeGreaterThanOrEqualTo(BATCHES);
            assertThat(ConsoleLiveIT.checkRenders(renders, batches, 0)).isEqualTo(BATCHES);
            assertThat(firefox.consoleLog()).as("errors in the page (the refused sign-in's 401 aside)")
                    .filteredOn(l -> l.startsWith("SEVERE") || l.startsWith("ERROR"))
                    .allMatch(l -> l.contains("401") || l.contains("UNAUTHENTICATED"));
        } finally {
            store.close();
        }
    }

    private static int distinctKeys(List<List<Row>> batches) {
        return (int) batches.stream().flatMap(List::stream).map(r -> r.rtId() + "@" + r.timestamp()).distinct().count();
    }

    /** The console driven by DOM scripts (no WebDriver in Firefox here): every wait bounded by {@link #WAIT}. */
    private record Page(Firefox browser) {
        void open(URI base) {
            browser.open(base.resolve("/"));
            browser.waitFor(WAIT, "!document.getElementById('sign-in').hidden");
        }

        void submitToken(String token) {
            browser.run("const t = document.getElementById('token'); t.value = arguments[0];"
                    + "document.getElementById('sign-in-form').requestSubmit();", token);
        }

        void go(String page) {
            click("#nav a[data-page='" + page + "']");
            browser.waitFor(WAIT, "document.getElementById('page').dataset.page === args[0]", page);
        }

        void type(String css, String text) {
            browser.waitFor(WAIT, "document.querySelector(args[0])", css);
            browser.run("const e = document.querySelector(arguments[0]); e.focus(); e.value = arguments[1];"
                    + "e.dispatchEvent(new Event('input', {bubbles: true}));", css, text);
        }

        void click(String css) {
            browser.waitFor(WAIT, "document.querySelector(args[0])", css);
            browser.run("document.querySelector(arguments[0]).click();", css);
        }

        /** Waits until css matches an element whose text contains {@code part}; returns that text. */
        String awaitText(String css, String part) {
            return (String) browser.waitFor(WAIT, "[...document.querySelectorAll(args[0])].map(e => e.innerText)"
                    + ".find(t => t.includes(args[1]))", css, part);
        }

        /** Waits until the Live page shows the oracle of all the batches so far, in both panels, at one generation. */
        void awaitShows(List<List<Row>> batches) {
            ConsoleLiveIT.Oracle expected = ConsoleLiveIT.oracle(batches, batches.size());
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                @SuppressWarnings("unchecked")
                Map<String, Object> now = (Map<String, Object>) browser.run(
                        "return window.snapshotLive ? window.snapshotLive() : null;");
                if (now != null && expected.matches(now)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the Live page never showed the oracle of " + batches.size()
                            + " batches; it shows " + now + "; console " + browser.consoleLog());
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }
}
