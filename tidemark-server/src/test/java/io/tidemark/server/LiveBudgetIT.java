package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.live.LiveEngine;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live memory budget over the wire (issue 10, item 2): a batch that does not fit recent turns the queries on
 * recent STALE (queryStatus frame → QueryListener.queryStatusChanged) instead of leaving them silently short; the
 * query on latest, which took the batch, stays OK and equals the oracle at every mark; once the missing rows have
 * left the live window the query is OK again and equals the oracle.
 */
class LiveBudgetIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration WINDOW = Duration.ofSeconds(30);
    private static final int SENSORS = 10;
    private static final ArchiveDefinition PLANT = ArchiveDefinition.raw("tight", List.of(
            Column.of("site", ColumnType.VARCHAR), Column.of("temp", ColumnType.DOUBLE),
            Column.of("power", ColumnType.DOUBLE), Column.of("seq", ColumnType.BIGINT)));
    @TempDir
    Path dir;

    private static List<Row> batch(Instant t, long seq) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < SENSORS; i++) {
            rows.add(Row.of("s" + i, t, Map.of("site", "x", "temp", 1.5, "power", 2.5, "seq", seq)));
        }
        return rows;
    }

    /** The live engine's estimate after {@code batches}, measured on an engine of our own with the same rows. */
    private static long used(List<List<Row>> batches) {
        LiveEngine probe = LiveEngine.builder().build();
        TenantId t = TenantId.of("probe");
        probe.defineArchive(t, PLANT, WINDOW);
        for (List<Row> b : batches) {
            List<Sample> samples = b.stream().map(r -> Sample.of(r.rtId(), r.timestamp(), r.values())).toList();
            probe.onCommit(t, SampleBatch.validate(PLANT, samples, BatchLimits.DEFAULT));
        }
        return probe.memoryUsed(t);
    }

    /** latest.tight as the oracle: every sensor with the seq of the newest batch. */
    private static Map<List<Object>, List<Object>> latest(long seq) {
        Map<List<Object>, List<Object>> out = new LinkedHashMap<>();
        for (int i = 0; i < SENSORS; i++) {
            out.put(List.of("s" + i), List.of("s" + i, seq));
        }
        return out;
    }

    private static Map<List<Object>, List<Object>> count(long n) {
        return Map.of(List.of(), List.of(n));
    }

    @Test
    void batchPastTheBudget_recentQueryStale_latestQueryRight_andOkAgainOnceTheWindowMovedOn() {
        // Sizes do not depend on the timestamps: size the budget so that the second batch fits latest, not recent.
        Instant probe = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long one = used(List.of(batch(probe, 1)));
        long two = used(List.of(batch(probe, 1), batch(probe.plusMillis(1), 2)));
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .liveWindow(WINDOW).liveMemoryBudgetBytes(one + (two - one) / 2))) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient http = f.client(token);
            LiveQueriesIT.createPlantArchive(http, "tight");
            LiveRecorder rec = new LiveRecorder(true);
            Gauge stale = f.server.meterRegistry().find("tidemark.live.queries.stale").gauge();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            // Old enough that the rows leave the 30 s window some 15 s from now.
            List<Row> first = batch(now.minus(WINDOW).plusSeconds(15), 1);
            List<Row> second = batch(now.minus(WINDOW).plusSeconds(16), 2);
            try (Connection c = Connection.open(ConnectionConfig.builder(f.uri()).token(token).build())) {
                c.registerQuery(QueryConfig.of("count", "SELECT COUNT(*) AS n FROM recent.tight"), rec);
                c.registerQuery(QueryConfig.of("latest", "SELECT rtId, seq FROM latest.tight"), rec);
                http.publish("tight", first);
                rec.await(WAIT, "the first batch", r -> count(SENSORS).equals(r.marked("count"))
                        && latest(1).equals(r.marked("latest")));
                assertThat(rec.status("count")).isNull();

                http.publish("tight", second);
                rec.await(WAIT, "the second batch in latest", r -> latest(2).equals(r.marked("latest")));
                rec.await(WAIT, "count STALE", r -> r.status("count") != null && r.status("count").isStale());
                assertThat(rec.status("count").code()).isEqualTo("MEMORY_BUDGET_EXCEEDED");
                assertThat(rec.status("count").message()).contains("recent.tight misses committed samples",
                        "live.memory-budget");
                assertThat(rec.marked("count")).as("the stale result: the first batch only")
                        .isEqualTo(count(SENSORS));
                assertThat(rec.status("latest")).as("latest took the batch").isNull();
                assertThat(stale.value()).isEqualTo(1.0);

                // Both batches leave the window; the query is OK again and equals the oracle (nothing in the window).
                rec.await(WAIT, "count OK again", r -> r.status("count") != null && !r.status("count").isStale());
                assertThat(rec.marked("count")).isEqualTo(count(0));
                // And it follows new data.
                http.publish("tight", batch(Instant.now().truncatedTo(ChronoUnit.MILLIS), 3));
                rec.await(WAIT, "the third batch", r -> count(SENSORS).equals(r.marked("count"))
                        && latest(3).equals(r.marked("latest")));
                assertThat(rec.status("count").isStale()).isFalse();
                assertThat(stale.value()).isEqualTo(0.0);
                assertThat(rec.violations()).isEmpty();
                // Every mark: latest equals the oracle for the batch it shows (1, 2 or 3: a prefix of the batches).
                rec.generations().forEach(g -> {
                    Map<List<Object>, List<Object>> l = g.results().get("latest");
                    if (l != null && !l.isEmpty()) {
                        long seq = (Long) l.values().iterator().next().get(1);
                        assertThat(l).isEqualTo(latest(seq));
                    }
                });
            }
        }
    }
}
