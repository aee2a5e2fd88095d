package io.tidemark.server;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.browser.Browser;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A measurement, not a test (it asserts nothing about speed and is skipped unless {@code -Dtidemark.bench.console=true}):
 * the console's Live page in headless Chromium with 3 queries of 1,000 rows each, all 1,000 rows of each changing in
 * every generation, at about 10 generations per second. Per generation it measures the page's busy time from the
 * start of the first WebSocket message of the generation to the end of the render at its aggMarkEnd (the live client
 * applying the frames plus the console patching the tables and the chart; network waits between messages excluded),
 * and compares the generations rendered with the aggMarkEnds received (none dropped or merged on the client).
 *
 * <pre>
 * mvn -B -o -pl tidemark-server -am verify -Dtest=NoSuchUnit -Dit.test=ConsoleRenderBenchIT -Dtidemark.bench.console=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 * Results: stdout and {@code target/console-render-bench.txt}.
 */
class ConsoleRenderBenchIT {
    private static final int RT_IDS = 1000;
    private static final Duration RUN = Duration.ofSeconds(30);
    private static final Duration WARMUP = Duration.ofSeconds(5);
    private static final List<String> QUERIES = List.of(
            "SELECT rtId, COUNT(*) AS n, SUM(v) AS total FROM recent.p GROUP BY rtId",
            "SELECT rtId, AVG(v) AS mean, MAX(seq) AS last_seq FROM recent.p GROUP BY rtId",
            "SELECT rtId, v, seq FROM latest.p");
    /** Wraps WebSocket before the page's scripts run: busy time per message, summed per generation (test code only). */
    private static final String PROBE = """
            (() => {
              const probe = window.renderProbe = {samples: [], renderMs: [], busy: 0, ends: 0, renders: 0};
              const Base = window.WebSocket;
              const desc = Object.getOwnPropertyDescriptor(Base.prototype, 'onmessage');
              class Probed extends Base {}
              Object.defineProperty(Probed.prototype, 'onmessage', {
                get() { return desc.get.call(this); },
                set(f) {
                  desc.set.call(this, f && function (ev) {
                    const t0 = performance.now();
                    try { return f.call(this, ev); } finally {
                      const t1 = performance.now();
                      const end = typeof ev.data === 'string' && ev.data.includes('"aggMarkEnd"');
                      queueMicrotask(() => {
                        const t2 = performance.now();
                        probe.busy += t2 - t0;
                        if (end) { probe.samples.push(probe.busy); probe.renderMs.push(t2 - t1); probe.busy = 0; probe.ends++; }
                      });
                    }
                  });
                }});
              window.WebSocket = Probed;
              document.addEventListener('DOMContentLoaded', () => {});
            })();""";
    @TempDir
    Path dir;

    @Test
    void liveRender_3x1000ChangedRows_at10GenerationsPerSecond() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("tidemark.bench.console"), "a measurement: -Dtidemark.bench.console=true");
        Browser.assumeInstalled();
        Store store = TestStores.duckDb(dir);
        ScheduledExecutorService ingest = Executors.newSingleThreadScheduledExecutor();
        try (TidemarkServer server = TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0)
                .bootstrapToken(false).rollupInterval(Duration.ofHours(1)).build()).store(store).build().start();
                Browser browser = Browser.start()) {
            String token = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "bench", Instant.now()).secret();
            TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
            client.createArchive("p", Map.of("v", "DOUBLE", "seq", "BIGINT"));
            client.activateArchive("p");
            AtomicInteger seq = new AtomicInteger();
            Runnable batch = () -> {
                int s = seq.incrementAndGet();
                Instant ts = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                List<Row> rows = new ArrayList<>(RT_IDS);
                for (int i = 0; i < RT_IDS; i++) {
                    rows.add(Row.of("r" + i, ts, Map.of("v", (double) ((s * 31 + i) % 997), "seq", (long) s)));
                }
                client.publish("p", rows);
            };
            batch.run();
            ((ChromeDriver) browser.driver()).executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", PROBE));
            ConsolePage page = new ConsolePage(browser);
            browser.open(server.uri().resolve("/"));
            browser.run("sessionStorage.setItem('tidemark.token', arguments[0]);"
                    + "sessionStorage.setItem('tidemark.console.live', JSON.stringify(arguments[1]));"
                    + "history.replaceState(null, '', '/#/live');", token, QUERIES);
            browser.driver().navigate().refresh();
            page.until(d -> QUERIES.size() == ((Number) browser.run(
                    "return document.querySelectorAll('#live-panels .live-query[data-generation]').length;")).intValue());
            browser.run("new MutationObserver(() => window.renderProbe.renders++)"
                    + ".observe(document.getElementById('live-generation'), {childList: true, characterData: true, subtree: true});");
            ingest.scheduleAtFixedRate(batch, 0, 100, TimeUnit.MILLISECONDS);
            long warmEnd = System.nanoTime() + WARMUP.toNanos();
            page.until(d -> System.nanoTime() > warmEnd);
            browser.run("Object.assign(window.renderProbe, {samples: [], renderMs: [], busy: 0, ends: 0, renders: 0});");
            long t0 = System.nanoTime();
            long end = t0 + RUN.toNanos();
            new org.openqa.selenium.support.ui.WebDriverWait(browser.driver(), RUN.plusSeconds(10), Duration.ofMillis(500))
                    .until(d -> System.nanoTime() > end);
            @SuppressWarnings("unchecked")
            Map<String, Object> probe = (Map<String, Object>) browser.run(
                    "const p = window.renderProbe; return {samples: p.samples.slice(), renderMs: p.renderMs.slice(), ends: p.ends, renders: p.renders};");
            double seconds = (System.nanoTime() - t0) / 1e9;
            ingest.shutdownNow();
            ingest.awaitTermination(10, TimeUnit.SECONDS);
            @SuppressWarnings("unchecked")
            List<Number> raw = (List<Number>) probe.get("samples");
            double[] ms = raw.stream().mapToDouble(Number::doubleValue).sorted().toArray();
            @SuppressWarnings("unchecked")
            double[] render = ((List<Number>) probe.get("renderMs")).stream().mapToDouble(Number::doubleValue).sorted().toArray();
            String rowsShown = String.valueOf(browser.run("return [...document.querySelectorAll('#live-panels table.live-table tbody')]"
                    + ".map(t => t.querySelectorAll('tr[data-key]').length).join(', ');"));
            String report = String.format(Locale.ROOT, "console render bench: %d queries, %d rows each changing per generation, "
                    + "%d batches sent in %.1f s%n  generations received (aggMarkEnd): %d (%.1f/s), rendered: %d, rows shown per table: %s%n"
                    + "  apply+render per generation: median %.2f ms, p99 %.2f ms, max %.2f ms (targets: median <= 16 ms, p99 <= 50 ms)%n"
                    + "  of which the console's render at aggMarkEnd: median %.2f ms, p99 %.2f ms%n",
                    QUERIES.size(), RT_IDS, seq.get(), seconds, ((Number) probe.get("ends")).intValue(),
                    ((Number) probe.get("ends")).intValue() / seconds, ((Number) probe.get("renders")).intValue(), rowsShown,
                    pct(ms, 0.5), pct(ms, 0.99), ms.length == 0 ? Double.NaN : ms[ms.length - 1], pct(render, 0.5), pct(render, 0.99));
            System.out.print(report);
            Files.writeString(Path.of("target", "console-render-bench.txt"), report);
        } finally {
            ingest.shutdownNow();
            store.close();
        }
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
