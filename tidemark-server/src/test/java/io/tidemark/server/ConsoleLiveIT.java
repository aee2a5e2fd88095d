package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.browser.Browser;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The console's Live page in headless Chromium against a real server: two live queries typed into the editors
 * (validated as typed), and at every generation the page renders, both show that generation and results equal to an
 * oracle over the same prefix of the ingested batches. Then the server restarts on the same port: the page reconnects,
 * both queries re-snapshot, and the page carries on.
 */
class ConsoleLiveIT {
    static final String BY_RT = "SELECT rtId, COUNT(*) AS n, SUM(v) AS total FROM recent.m GROUP BY rtId";
    static final String TOTAL = "SELECT COUNT(*) AS n, MAX(v) AS top FROM recent.m";
    private static final int BATCHES = 15;
    /** Records what the page shows each time it renders a generation (test code injected into the page). */
    static final String RECORDER = """
            window.snapshotLive = () => ({gen: document.getElementById('live-generation').textContent,
              panels: [...document.querySelectorAll('#live-panels .live-query')].map(p => ({gen: p.dataset.generation || '',
                rows: [...p.querySelectorAll('table.live-table tbody tr[data-key]')].map(tr => [...tr.cells].map(td => td.textContent))}))});
            window.renders = [];
            new MutationObserver(() => window.renders.push(window.snapshotLive()))
                .observe(document.getElementById('live-generation'), {childList: true, characterData: true, subtree: true});""";
    @TempDir
    Path dir;

    private static TidemarkServer start(Store store, int port) {
        return TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(port).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build()).store(store).build().start();
    }

    @Test
    void twoQueries_everyRenderedGeneration_sameGenerationAndOracleValues_andAServerRestartReSnapshots() {
        Browser.assumeInstalled();
        Store store = TestStores.duckDb(dir);
        TidemarkServer server = start(store, 0);
        int port = server.port();
        String token = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "ops", Instant.now()).secret();
        TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
        client.createArchive("m", Map.of("v", "DOUBLE"));
        client.activateArchive("m");
        Random random = new Random(13);
        Instant base = Instant.now().minusSeconds(120).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<List<Row>> batches = new ArrayList<>();
        batches.add(batch(random, 0, base));
        client.publish("m", batches.get(0));
        Store again = null;
        try (Browser browser = Browser.start()) {
            ConsolePage page = new ConsolePage(browser);
            page.signIn(server.uri(), token);
            page.go("live");
            page.awaitText("#connection", "connected");

            // The first editor: an error at its line and column while typing, then the query, validated and run.
            page.type("#live-panels .live-query:nth-child(1) textarea", "SELECT rtId, COUNT(*) AS n FROM recent.m GROUP BY nope");
            String invalid = page.awaitText("#live-panels .live-query:nth-child(1) .validation", "✗");
            assertThat(invalid).contains("UNKNOWN_COLUMN", "line 1, column");
            browser.run("window.scrollTo(0, 0);");
            browser.screenshot("console-live-validation");
            page.type("#live-panels .live-query:nth-child(1) textarea", BY_RT);
            page.awaitText("#live-panels .live-query:nth-child(1) .validation", "Valid");
            page.click("#live-panels .live-query:nth-child(1) button.run");
            page.click("#live-add");
            page.type("#live-panels .live-query:nth-child(2) textarea", TOTAL);
            page.awaitText("#live-panels .live-query:nth-child(2) .validation", "Valid");
            page.click("#live-panels .live-query:nth-child(2) button.run");
            browser.run(RECORDER);
            awaitShows(page, batches);

            // Batches one by one; the page must have shown each before the next is sent.
            for (int k = 1; k <= BATCHES; k++) {
                batches.add(batch(random, k, base));
                client.publish("m", batches.get(k));
                awaitShows(page, batches);
            }
            browser.run("window.scrollTo(0, 0);");
            browser.screenshot("console-live");
            List<Map<String, Object>> before = renders(browser);
            assertThat(before).as("renders recorded, at least one per batch").hasSizeGreaterThanOrEqualTo(BATCHES);
            int matched = checkRenders(before, batches, 0);
            assertThat(matched).isEqualTo(BATCHES);

            assertThat(browser.consoleLog()).as("errors in the page before the restart").noneMatch(l -> l.startsWith("SEVERE"));

            // Restart on the same port: the page reconnects and both queries show a new snapshot of the stored window.
            server.close();
            store.close();
            again = TestStores.duckDb(dir);
            server = start(again, port);
            page.awaitText("#connection", "reconnected");
            batches.add(batch(random, BATCHES + 1, base));
            TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build()).publish("m", batches.get(BATCHES + 1));
            awaitShows(page, batches);
            List<Map<String, Object>> after = renders(browser);
            assertThat(after).isNotEmpty();
            checkRenders(after, batches, BATCHES);
            browser.screenshot("console-live-after-restart");
        } finally {
            server.close();
            (again != null ? again : store).close();
        }
    }

    static List<Row> batch(Random random, int k, Instant base) {
        List<Row> rows = new ArrayList<>();
        int n = 3 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
            rows.add(Row.of("s" + random.nextInt(6), base.plusMillis(k * 1000L + i), Map.of("v", (double) random.nextInt(100))));
        }
        return rows;
    }

    /** Waits until the page shows the oracle of all the batches so far, in both panels, at one generation. */
    private static void awaitShows(ConsolePage page, List<List<Row>> batches) {
        Oracle expected = oracle(batches, batches.size());
        page.until(d -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> now = (Map<String, Object>) page.browser.run("return window.snapshotLive ? window.snapshotLive() : null;");
            return now != null && expected.matches(now);
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> renders(Browser browser) {
        return (List<Map<String, Object>>) browser.run("return window.renders.splice(0);");
    }

    /**
     * Every render shows one generation in the page and both panels, and both panels equal the oracle of the same
     * prefix of batches, never going back. Returns the last prefix length matched.
     */
    static int checkRenders(List<Map<String, Object>> renders, List<List<Row>> batches, int from) {
        int k = from;
        for (Map<String, Object> r : renders) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> panels = (List<Map<String, Object>>) r.get("panels");
            assertThat(panels).extracting(p -> p.get("gen")).as("generations in %s", r).containsOnly(r.get("gen"));
            int at = k;
            while (at < batches.size() && !oracle(batches, at + 1).matches(r)) {
                at++;
            }
            assertThat(at).as("a render equal to no prefix of the batches from %d on: %s", k + 1, r).isLessThan(batches.size());
            k = at;
        }
        return k;
    }

    /** The two queries' rows, as the page's cells, over the first {@code count} batches (a later sample with the same key replaces one). */
    static Oracle oracle(List<List<Row>> batches, int count) {
        Map<String, Row> byKey = new HashMap<>();
        batches.subList(0, count).forEach(b -> b.forEach(row -> byKey.put(row.rtId() + "@" + row.timestamp(), row)));
        Map<String, long[]> perRt = new TreeMap<>();
        long max = Long.MIN_VALUE;
        for (Row row : byKey.values()) {
            long v = Math.round(((Number) row.values().get("v")).doubleValue());
            long[] acc = perRt.computeIfAbsent(row.rtId(), x -> new long[2]);
            acc[0]++;
            acc[1] += v;
            max = Math.max(max, v);
        }
        List<List<String>> byRt = new ArrayList<>();
        perRt.forEach((rt, acc) -> byRt.add(List.of(rt, Long.toString(acc[0]), Long.toString(acc[1]))));
        return new Oracle(byRt, List.of(Integer.toString(byKey.size()), Long.toString(max)));
    }

    record Oracle(List<List<String>> byRt, List<String> total) {
        @SuppressWarnings("unchecked")
        boolean matches(Map<String, Object> shown) {
            List<Map<String, Object>> panels = (List<Map<String, Object>>) shown.get("panels");
            if (panels.size() != 2 || shown.get("gen").equals("—")) {
                return false;
            }
            List<List<String>> first = new ArrayList<>((List<List<String>>) panels.get(0).get("rows"));
            first.sort((a, b) -> a.get(0).compareTo(b.get(0)));
            List<List<String>> second = (List<List<String>>) panels.get(1).get("rows");
            return first.equals(byRt) && second.equals(List.of(total));
        }
    }
}
