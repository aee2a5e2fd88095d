package io.tidemark.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AggregateRequest;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.StaleRange;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import io.tidemark.testing.MutableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DuckDB write is one transaction even when the Appender is the first thing it runs. DuckDB's JDBC driver begins a
 * transaction at the first statement, and the Appender is not a statement: on a connection where nothing ran yet it
 * appended in auto-commit mode, committing its rows at {@code flush()}. Once the dependant rollups came from the
 * {@link MetadataCache}, nothing ran before the Appender of a direct append, so a write that failed after its append
 * (a conflict, a statement error, an interrupt) rolled back its stale-range marks but left its rows stored. Its retry
 * then found every key stored with the same values, marked nothing, and the late samples stayed out of the rollups
 * for good, with no stale range left to repair them: the symptom DuckDbLateRaceIT reported once (issue 10, item 1),
 * a (bucket, rtId) group missing from the first-level rollup.
 */
@Timeout(120)
class DuckDbWriteAtomicityIT {
    private static final TenantId T = TenantId.of("acme");
    private static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");
    private static final RollupId M1 = new RollupId(T, "m1");

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0.plus(Duration.ofDays(1)));
    private Store store;
    private RollupPlan m1;

    @BeforeEach
    void open() {
        store = TestStores.duckDb(dir, clock);
        store.createTenant(T);
        store.archives().createArchive(T, ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.DOUBLE))));
        store.archives().activateArchive(T, "raw");
        m1 = store.archives().createRollupArchive(T, RollupDefinition.builder("m1").source("raw").bucket("PT1M")
                .aggregate(AggregateFunction.SUM, "v", "s").aggregate(AggregateFunction.COUNT, null, "n").build());
        store.archives().activateArchive(T, "m1");
    }

    @AfterEach
    void close() {
        store.close();
    }

    /**
     * The failure after the append is a stale-range insert the database refuses (a CHECK constraint the test adds to
     * the record while the store is closed): it stands for any failure between the append and the commit.
     */
    @Test
    void write_failingAfterItsAppendWithCachedDependants_storesNothingAndItsRetryMarks() throws Exception {
        write(sample("a", minutes(5), 1));
        publishM1(minutes(60));
        reopenWith(List.of("ALTER TABLE tidemark.tidemark.stale_ranges RENAME TO stale_ranges_old",
                "CREATE TABLE tidemark.tidemark.stale_ranges (tenant VARCHAR(63) NOT NULL, rollup VARCHAR(63) NOT NULL, "
                        + "range_from TIMESTAMP NOT NULL, range_to TIMESTAMP NOT NULL, first_recorded_at TIMESTAMP "
                        + "NOT NULL, CHECK (range_from <> TIMESTAMP '2024-03-31 00:20:00'))",
                "DROP TABLE tidemark.tidemark.stale_ranges_old"));
        write(sample("a", clock.instant(), 2)); // on time: reads the dependants into the cache and marks nothing

        Throwable failed = catchThrowable(() -> write(sample("b", minutes(20), 3)));

        assertThat(failed).as("the marking of [00:20, 00:21) is refused").isInstanceOf(TidemarkException.class)
                .hasMessageContaining("CHECK");
        assertThat(readMinute20()).as("a failed write stores nothing").isEmpty();
        reopenWith(List.of("ALTER TABLE tidemark.tidemark.stale_ranges RENAME TO stale_ranges_checked",
                "CREATE TABLE tidemark.tidemark.stale_ranges AS SELECT * FROM tidemark.tidemark.stale_ranges_checked",
                "DROP TABLE tidemark.tidemark.stale_ranges_checked"));
        write(sample("a", clock.instant().plusSeconds(1), 4));
        write(sample("b", minutes(20), 3)); // the client's retry
        assertThat(readMinute20()).hasSize(1);
        assertThat(store.rollups().staleRanges(M1)).as("the retry marks the late sample's bucket")
                .extracting(StaleRange::from).containsExactly(minutes(20));
    }

    private List<Sample> readMinute20() {
        return store.archives().read(T, new ReadRequest("raw", List.of("b"), minutes(20), minutes(21), 10));
    }

    /** Closes the store, runs statements on its database file, and opens it again (an empty metadata cache). */
    private void reopenWith(List<String> statements) throws Exception {
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tidemark.duckdb"));
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
        store = TestStores.duckDb(dir, clock);
    }

    private void write(Sample sample) {
        store.archives().write(T, "raw", List.of(sample));
    }

    private void publishM1(Instant to) {
        List<Instant> b = m1.definition().bucket().boundaries(T0, to, 100_000);
        assertThat(store.rollups().aggregate(new AggregateRequest(M1, m1, b, null)).applied()).isTrue();
        assertThat(store.rollups().compareAndSetWatermark(M1, null, to)).isTrue();
    }

    private static Instant minutes(long m) {
        return T0.plus(Duration.ofMinutes(m));
    }

    private static Sample sample(String rtId, Instant t, double v) {
        return new Sample(rtId, t, Map.of("v", v));
    }
}
