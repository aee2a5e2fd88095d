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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The console (public/index.html, public/console/) in headless Chromium against a real server on DuckDB, whose
 * orchestrator ticks every second: sign-in, archives, rollups catching up, rewind, the audit trail, history, and what
 * a reader and a bad token get. Screenshots of each page go to target/screenshots/console-*.png.
 */
class ConsoleIT {
    @TempDir
    static Path dir;
    private static Store store;
    private static TidemarkServer server;
    private static Browser browser;
    private static ConsolePage page;
    private static String admin;
    private static String reader;

    @BeforeAll
    static void start() {
        Browser.assumeInstalled();
        store = TestStores.duckDb(dir);
        server = TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0)
                .bootstrapToken(false).rollupInterval(Duration.ofSeconds(1)).build()).store(store).build().start();
        admin = Tokens.issue(store, TenantId.of("plant"), Role.ADMIN, "ops", Instant.now()).secret();
        reader = Tokens.issue(store, TenantId.of("plant"), Role.READER, "viewer", Instant.now()).secret();
        browser = Browser.start();
        page = new ConsolePage(browser);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void badToken_refusedWithTheServersCode_andNothingKept() {
        page.open(server.uri());
        page.submitToken("tmk_not-a-real-token");
        String error = page.awaitText("#sign-in-error", "UNAUTHENTICATED");
        assertThat(error).contains("refused this token");
        assertThat(page.find("#who").isDisplayed()).isFalse();
        assertThat(browser.run("return sessionStorage.getItem('tidemark.token');")).isNull();
        assertThat(page.driver.getCurrentUrl()).doesNotContain("tmk_");
        browser.screenshot("console-sign-in-refused");
    }

    @Test
    void admin_createsArchiveAndRollup_watchesItCatchUp_rewinds_andFindsItInTheAuditTrail() {
        int logged = browser.consoleLog().size();
        page.signIn(server.uri(), admin);
        assertThat(page.text("#who-tenant")).isEqualTo("plant");
        assertThat(page.text("#who-role")).isEqualTo("admin");
        assertThat(browser.run("return sessionStorage.getItem('tidemark.token');")).isEqualTo(admin);
        assertThat(page.driver.getCurrentUrl()).doesNotContain("tmk_");

        // Archives: create and activate through the form and the row's button.
        page.type("#new-archive-name", "boiler");
        page.type("#new-archive-columns", "temp DOUBLE, power DOUBLE");
        page.find("#create-archive button[type=submit]").click();
        page.awaitText("#create-archive .message", "Archive boiler created");
        page.click("tr[data-archive='boiler'] button[data-action='activate']");
        page.awaitText("tr[data-archive='boiler'] td.status", "ACTIVATED");

        // Twenty minutes of samples ending five minutes ago, three rtIds.
        Instant last = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(admin).build());
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            for (int b = 1; b <= 3; b++) {
                rows.add(Row.of("b" + b, last.minusSeconds(10L * i), Map.of("temp", 18.0 + 2 * b + i % 7, "power", 100.0 + i)));
            }
        }
        assertThat(client.publish("boiler", rows)).isEqualTo(360);
        String samples = page.awaitText("tr[data-archive='boiler'] td.samples", "360");
        assertThat(samples).contains("latest " + fmt(last), "since " + fmt(last.minusSeconds(1190))).doesNotContain("≈");
        browser.screenshot("console-archives");

        // Rollups: create one through the form; the orchestrator (1 s) fills it; the table shows it catch up.
        page.go("rollups");
        page.click("#rollups-archive option[value='boiler']");
        page.type("#new-rollup-name", "boiler_1m");
        page.type("#new-rollup-bucket", "PT1M");
        page.type("#new-rollup-aggregations", "AVG(temp) AS temp_avg, MAX(power) AS power_max, COUNT(*) AS n");
        page.type("#new-rollup-lag", "PT0S");
        page.find("#create-rollup button[type=submit]").click();
        page.awaitText("#create-rollup .message", "created and activated");
        page.awaitText("tr[data-rollup='boiler_1m'] .badge", "CAUGHT UP");
        Instant watermark = Instant.parse(page.text("tr[data-rollup='boiler_1m'] td.watermark").replace(' ', 'T'));
        assertThat(watermark).isAfter(last);
        assertThat(page.text("tr[data-rollup='boiler_1m'] td.failures")).isEqualTo("0 / 5");
        browser.screenshot("console-rollups");

        // Rewind: the dialog shows where a time between boundaries truncates to; the server agrees.
        Instant asked = last.minus(10, ChronoUnit.MINUTES).plusSeconds(17);
        Instant floored = asked.truncatedTo(ChronoUnit.MINUTES);
        page.click("tr[data-rollup='boiler_1m'] button[data-action='rewind']");
        page.type("#rewind-to", asked.toString());
        String preview = page.awaitText("#rewind-preview", "Truncates to");
        assertThat(preview).contains(fmt(floored), "floored to a PT1M boundary");
        browser.screenshot("console-rewind");
        page.find("#rewind-confirm").sendKeys(Keys.ENTER);
        String done = page.awaitText("#rollups-message", "rewound");
        // The orchestrator (1 s) may already have re-aggregated part of the range when the answer is read: the
        // message names the rewind target, and the watermark as it is then.
        assertThat(done).contains("rewound to " + fmt(floored));
        page.awaitText("tr[data-rollup='boiler_1m'] .badge", "CAUGHT UP");

        // The audit trail, filtered by subject and kind, names the rewind and who did it.
        page.go("audit");
        page.click("#audit-subject option[value='boiler_1m']");
        page.find("#audit-kind option[value='ROLLUP_REWOUND']").click();
        page.find("#audit-filters button[type=submit]").click();
        page.until(d -> d.findElements(By.cssSelector("#audit-table tbody tr[data-kind]")).size() == 1);
        assertThat(page.text("#audit-table tbody tr[data-kind='ROLLUP_REWOUND']")).contains("boiler_1m", "ops/");
        page.find("#audit-kind option[value='']").click();
        page.find("#audit-size option[value='20']").click();
        page.find("#audit-filters button[type=submit]").click();
        page.until(d -> d.findElements(By.cssSelector("#audit-table tbody tr[data-kind]")).size() > 1);
        browser.screenshot("console-audit");

        // History: twenty minutes read raw; a day read from the 1-minute rollup (1,440 points per rtId).
        page.go("history");
        page.click("#history-archive option[value='boiler']");
        page.until(d -> d.findElement(By.cssSelector("#history-source option[value='boiler_1m']")));
        page.find("#history-column option[value='temp']").click();
        page.find("#history-range option[value='custom']").click();
        page.type("#history-from", last.minus(25, ChronoUnit.MINUTES).toString());
        page.type("#history-to", last.plusSeconds(1).toString());
        page.find("#history-form button[type=submit]").click();
        page.awaitText("#history-message", "360 rows");
        assertThat(page.find("#history-picked").getAttribute("data-source")).isEqualTo("boiler");
        page.find("#history-range option[value='86400']").click();
        page.find("#history-form button[type=submit]").click();
        page.until(d -> "boiler_1m".equals(d.findElement(By.id("history-picked")).getAttribute("data-source")));
        String msg = page.awaitText("#history-message", "rtId(s) drawn");
        assertThat(msg).contains("3 rtId(s) drawn");
        assertThat(page.text("#history-picked")).contains("AVG(temp) AS temp_avg");
        assertThat(page.all("#history-chart canvas")).isNotEmpty();
        browser.screenshot("console-history");
        List<String> log = browser.consoleLog();
        // The bad-token test's refused sign-ins (401) may reach the log late; a 401 here would have signed the page out.
        assertThat(log.subList(logged, log.size())).noneMatch(l -> l.startsWith("SEVERE") && !l.contains("status of 401"));
    }

    @Test
    void reader_seesEverything_actionsDisabledWithTheReason_andTheServersForbiddenIfForced() {
        TidemarkClient client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(admin).build());
        client.createArchive("meter", Map.of("kwh", "DOUBLE"));
        page.signIn(server.uri(), reader);
        assertThat(page.text("#who-role")).isEqualTo("reader");
        page.go("archives");
        page.awaitText("tr[data-archive='meter'] td.status", "CREATED");
        String title = page.until(d -> d.findElement(By.cssSelector("tr[data-archive='meter'] button[data-action='delete']"))
                .getAttribute("title"));
        assertThat(title).contains("admin only");
        List<Boolean> enabled = page.until(d -> d.findElements(By.cssSelector("tr[data-archive='meter'] button"))
                .stream().map(WebElement::isEnabled).toList());
        assertThat(enabled).containsExactly(false, false);
        assertThat(page.find("#create-archive button[type=submit]").isEnabled()).isFalse();
        assertThat(page.text(".role-note")).contains("reader token", "need an admin token");
        browser.screenshot("console-archives-reader");

        // Forced past the disabled button, the request reaches the server, whose FORBIDDEN is shown as it is.
        browser.run("const b = document.querySelector(\"tr[data-archive='meter'] button[data-action='activate']\");"
                + "b.disabled = false; b.click();");
        assertThat(page.awaitText("#archives-message", "FORBIDDEN")).contains("reader token may not");
        assertThat(client.archives()).filteredOn(a -> a.name().equals("meter"))
                .singleElement().satisfies(a -> assertThat(a.status()).isEqualTo("CREATED"));
    }

    private static String fmt(Instant i) {
        return i.toString().replace('T', ' ');
    }
}
