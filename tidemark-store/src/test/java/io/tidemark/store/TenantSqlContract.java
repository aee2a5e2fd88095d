package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Bucket;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TenantSql} on a real engine: reads, binds, the rollup reader view, the cursor, and the defence in depth — a
 * statement sent straight to the store, past the guard, still cannot write, run several statements or (where the
 * engine allows: {@link #isolatesTenants()}) read outside the tenant.
 */
abstract class TenantSqlContract {
    static final TenantId T = TenantId.of("acme");
    static final TenantId OTHER = TenantId.of("beta");
    static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    protected Store store;

    protected abstract Store newStore();

    /** Whether the engine itself keeps one tenant's SQL out of the others' tables (PostgreSQL roles). */
    protected abstract boolean isolatesTenants();

    /**
     * Another new store, whose engine's default time zone is not UTC where the test can make it so (PostgreSQL: the
     * database's {@code timezone}); called while the JVM's default zone is not UTC either.
     */
    protected abstract Store newStoreOutsideUtc();

    @BeforeEach
    void open() {
        store = newStore();
        store.createTenant(T);
        store.createTenant(OTHER);
        ArchiveDefinition sensors = ArchiveDefinition.raw("sensors", List.of(new Column("temp", ColumnType.DOUBLE),
                new Column("note", ColumnType.VARCHAR)));
        store.archives().createArchive(T, sensors);
        store.archives().activateArchive(T, "sensors");
        store.archives().createArchive(OTHER, ArchiveDefinition.raw("secrets", List.of(new Column("v",
                ColumnType.DOUBLE))));
        store.tokens().create(new TokenGrant("t1", T, "ci", Role.ADMIN, "a".repeat(64), T0));
        store.archives().write(T, "sensors", List.of(sample("a", 0, 1), sample("a", 30, 3), sample("b", 40, 10),
                sample("a", 70, 5)));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static Sample sample(String rtId, int seconds, double temp) {
        return new Sample(rtId, T0.plusSeconds(seconds), Map.of("temp", temp, "note", rtId + seconds));
    }

    private String sensors() {
        return store.sql().relation(T, store.archives().requireArchive(T, "sensors").definition());
    }

    List<List<Object>> all(String sql, Object... binds) {
        try (SqlRows rows = store.sql().query(T, new SqlQuery(sql, List.of(binds), TIMEOUT, 2))) {
            List<List<Object>> out = new ArrayList<>();
            while (rows.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 0; i < rows.columns().size(); i++) {
                    row.add(rows.get(i));
                }
                out.add(row);
            }
            return out;
        }
    }

    SqlStatementException failure(String sql) {
        SqlStatementException e = catchThrowableOfType(SqlStatementException.class, () -> all(sql));
        assertThat(e).as(sql).isNotNull();
        return e;
    }

    @Test
    void query_rawArchive_answersTypedRowsWithBinds() {
        try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT \"timestamp\", \"rtId\", temp, note, "
                + "count(*) OVER () AS n, temp > 2 AS hot FROM " + sensors() + " AS sensors WHERE temp >= ? AND "
                + "\"rtId\" = ? ORDER BY \"timestamp\"", List.of(2.0, "a"), TIMEOUT, 1))) {
            assertThat(rows.columns()).extracting(c -> c.name() + ":" + c.type()).containsExactly(
                    "timestamp:TIMESTAMP", "rtId:VARCHAR", "temp:DOUBLE", "note:VARCHAR", "n:BIGINT", "hot:BOOLEAN");
            assertThat(rows.next()).isTrue();
            assertThat(List.of(rows.get(0), rows.get(1), rows.get(2), rows.get(3), rows.get(4), rows.get(5)))
                    .containsExactly(T0.plusSeconds(30), "a", 3.0, "a30", 2L, true);
            assertThat(rows.next()).isTrue();
            assertThat(rows.get(0)).isEqualTo(T0.plusSeconds(70));
            assertThat(rows.next()).isFalse();
        }
    }

    @Test
    void query_stringBindComparedWithTimestamp_takesTheColumnsType() {
        assertThat(all("SELECT count(*) FROM " + sensors() + " AS s WHERE \"timestamp\" >= ?",
                "2024-03-31 00:00:35")).containsExactly(List.of(2L));
        assertThat(all("SELECT count(*) FROM " + sensors() + " AS s WHERE \"timestamp\" >= ?",
                T0.plusSeconds(35))).containsExactly(List.of(2L));
    }

    @Test
    void query_rollupArchive_readsAggregatesAsValuesNotPartials() {
        RollupPlan plan = store.archives().createRollupArchive(T, RollupDefinition.builder("sensors_1m")
                .source("sensors").bucket("PT1M").aggregate(AggregateFunction.AVG, "temp", "avg_temp")
                .aggregate(AggregateFunction.MAX, "temp", "max_temp").build());
        store.rollups().aggregate(new AggregateRequest(new RollupId(T, "sensors_1m"), plan,
                Bucket.parse("PT1M").boundaries(T0, T0.plusSeconds(120), 10), null));
        String rollup = store.sql().relation(T, plan.target());

        assertThat(all("SELECT \"rtId\", avg_temp, max_temp FROM " + rollup + " AS r ORDER BY \"timestamp\", \"rtId\""))
                .containsExactly(List.of("a", 2.0, 3.0), List.of("b", 10.0, 10.0), List.of("a", 5.0, 5.0));
        try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT * FROM " + rollup + " AS r", List.of(), TIMEOUT,
                10))) {
            assertThat(rows.columns()).extracting(SqlColumn::name)
                    .containsExactly("timestamp", "rtId", "avg_temp", "max_temp");
        }
    }

    /**
     * Regression (found by SqlOracleIT): DuckDB's sum of BIGINTs is a HUGEINT, which the cursor answered as text
     * ("213"); it is a DOUBLE now, as PostgreSQL's numeric sum is.
     */
    @Test
    void query_sumOfBigints_isADoubleOnEveryEngine() {
        try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT sum(CAST(temp AS BIGINT)) AS total FROM "
                + sensors() + " AS s", List.of(), TIMEOUT, 10))) {
            assertThat(rows.columns()).extracting(SqlColumn::type).containsExactly(ColumnType.DOUBLE);
            assertThat(rows.next()).isTrue();
            assertThat(rows.get(0)).isEqualTo(19.0);
        }
    }

    /**
     * Regression (found by SqlOracleIT): a {@code date} and a {@code timestamptz} result failed on PostgreSQL
     * (pgjdbc reads neither as a LocalDateTime), and DuckDB read a {@code TIMESTAMP WITH TIME ZONE} as the JVM zone's
     * wall clock; each is a TIMESTAMP column of its instant now (a date: its midnight in UTC).
     */
    @Test
    void query_dateAndTimestamptzResults_readAsTheirInstants() {
        try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT CAST(\"timestamp\" AS DATE) AS day, "
                + "TIMESTAMPTZ '2024-03-31 02:30:00+02' AS zoned, DATE '2024-02-29' AS leap, "
                + "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS none FROM " + sensors() + " AS s WHERE temp = 1",
                List.of(), TIMEOUT, 10))) {
            assertThat(rows.columns()).extracting(SqlColumn::type).containsOnly(ColumnType.TIMESTAMP);
            assertThat(rows.next()).isTrue();
            assertThat(java.util.Arrays.asList(rows.get(0), rows.get(1), rows.get(2), rows.get(3))).containsExactly(
                    T0, Instant.parse("2024-03-31T00:30:00Z"), Instant.parse("2024-02-29T00:00:00Z"), null);
        }
    }

    /**
     * Every statement sees UTC as its session time zone, whatever the JVM's default zone (pgjdbc sends it at login,
     * over the server's and the database's defaults, so it was a PostgreSQL store's session zone before) and the
     * database's: what reads a wall clock from a {@code timestamptz} — the column cast to it, a comparison with one,
     * EXTRACT, date_trunc, a cast to date — answers UTC's. DuckDB's zone follows the host's, which cannot change
     * in-process: its setting must read UTC.
     */
    @Test
    void query_sessionTimeZone_isUtcWhateverTheJvmAndDatabaseZone() {
        TimeZone jvm = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
        try (Store zoned = newStoreOutsideUtc()) {
            zoned.createTenant(T);
            zoned.archives().createArchive(T, ArchiveDefinition.raw("sensors", List.of(new Column("temp",
                    ColumnType.DOUBLE), new Column("note", ColumnType.VARCHAR))));
            zoned.archives().activateArchive(T, "sensors");
            zoned.archives().write(T, "sensors", List.of(sample("a", 0, 1)));
            String table = zoned.sql().relation(T, zoned.archives().requireArchive(T, "sensors").definition());
            String noon = "TIMESTAMPTZ '2024-03-31 12:00:00+00'";
            // 2024-03-31T00:00Z is 20:00 the day before in New York
            try (SqlRows rows = zoned.sql().query(T, new SqlQuery("SELECT current_setting('TimeZone') AS zone, "
                    + "CAST(\"timestamp\" AS TIMESTAMP WITH TIME ZONE) AS instant, "
                    + "\"timestamp\" = TIMESTAMPTZ '2024-03-31 00:00:00+00' AS same, "
                    + "CAST(extract(hour FROM " + noon + ") AS BIGINT) AS hour, "
                    + "date_trunc('day', " + noon + ") AS day, CAST(" + noon + " - INTERVAL '12 hours' AS DATE) AS "
                    + "date FROM " + table + " AS s", List.of(), TIMEOUT, 10))) {
                assertThat(rows.next()).isTrue();
                assertThat(List.of(rows.get(0), rows.get(1), rows.get(2), rows.get(3), rows.get(4), rows.get(5)))
                        .containsExactly("UTC", T0, true, 12L, T0, T0);
            }
        } finally {
            TimeZone.setDefault(jvm);
        }
    }

    /**
     * Division and rounding as docs/sql.md ("Arithmetic") promises on every engine: {@code /} between integers
     * truncates toward zero (DuckDB divided them as doubles: 3.5 where PostgreSQL says 3), with a double or a decimal
     * it divides exactly; {@code %} keeps the dividend's sign; avg of bigints is a double; {@code round} of a numeric
     * rounds half away from zero, a cast of a double to bigint half to even. The differences the page documents are
     * pinned by each engine's test.
     */
    @Test
    void query_integerDivisionAndRounding_asDocumentedOnEveryEngine() {
        assertThat(all("SELECT 7 / 2 AS a, -7 / 2 AS b, CAST(temp AS BIGINT) / 4 AS c, count(*) OVER () * 5 / 3 AS d, "
                + "7 / 2.0 AS e, CAST(7 AS DOUBLE PRECISION) / 2 AS f, -7 % 2 AS g FROM " + sensors() + " AS s WHERE "
                + "temp = 10")).containsExactly(List.of(3L, -3L, 2L, 1L, 3.5, 3.5, -1L));
        assertThat(all("SELECT avg(CAST(temp AS BIGINT)) AS a, sum(CAST(temp AS BIGINT)) / 4.0 AS b, "
                + "round(CAST(CAST(2.675 AS DOUBLE PRECISION) AS NUMERIC(38, 12)), 2) AS c, "
                + "round(CAST(-2.5 AS NUMERIC(38, 12))) AS d, CAST(CAST(2.5 AS DOUBLE PRECISION) AS BIGINT) AS e "
                + "FROM " + sensors() + " AS s")).containsExactly(List.of(4.75, 4.75, 2.68, -3.0, 2L));
    }

    @Test
    void query_cursor_pullsRowsInRoundsAndClosesEarly() {
        try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT * FROM " + sensors() + " AS s", List.of(),
                TIMEOUT, 1))) {
            assertThat(rows.next()).isTrue();
        }
        assertThat(all("SELECT count(*) FROM " + sensors() + " AS s")).containsExactly(List.of(4L));
    }

    @Test
    void query_insertPastTheGuard_failsAndWritesNothing() {
        failure("INSERT INTO " + sensors() + " VALUES ('2024-01-01 00:00:00', 'x', 1, 'n')");
        failure("DELETE FROM " + sensors());
        assertThat(all("SELECT count(*) FROM " + sensors() + " AS s")).containsExactly(List.of(4L));
    }

    @Test
    void query_severalStatements_refused() {
        SqlStatementException e = failure("SELECT 1; DELETE FROM " + sensors());

        assertThat(e.sqlState()).isEqualTo(SqlStatementException.INSUFFICIENT_PRIVILEGE);
        assertThat(all("SELECT count(*) FROM " + sensors() + " AS s;")).containsExactly(List.of(4L));
    }

    @Test
    void query_timeout_cancelsWith57014() {
        String slow = "SELECT count(*) FROM range(10000000000) AS a(x)";
        String sql = isolatesTenants() ? "SELECT count(*) FROM generate_series(1, 10000000000) AS a(x)" : slow;
        // DuckDB's JDBC timeout takes whole seconds: 500 ms becomes one second
        SqlStatementException t = catchThrowableOfType(SqlStatementException.class, () -> {
            try (SqlRows rows = store.sql().query(T, new SqlQuery(sql, List.of(), Duration.ofMillis(500), 1))) {
                rows.next();
            }
        });
        assertThat(t).isNotNull();
        assertThat(t.sqlState()).isEqualTo(SqlStatementException.QUERY_CANCELED);
    }

    @Test
    void query_otherTenantsAndTokens_notReadableEvenPastTheGuard() {
        if (!isolatesTenants()) {
            return;
        }
        String secrets = store.sql().relation(OTHER, store.archives().requireArchive(OTHER, "secrets").definition());
        assertThat(failure("SELECT * FROM " + secrets).sqlState()).isEqualTo("42501");
        assertThat(failure("SELECT * FROM tidemark.tokens").sqlState()).isEqualTo("42501");
        assertThat(failure("SELECT set_config('role', 'postgres', true)").sqlState()).isEqualTo("42501");
        assertThat(failure("CREATE TABLE acme.x (a int)").sqlState()).startsWith("25");
    }

    /** DuckDB: the embedded database reads and writes no file, even for a statement past the guard. */
    @Test
    void query_filesAndSettingsPastTheGuard_refusedByTheEngine() {
        if (isolatesTenants()) {
            return;
        }
        assertThat(failure("SELECT * FROM read_csv('/etc/passwd')").getMessage()).contains("disabled");
        assertThat(failure("COPY (SELECT 1) TO '/tmp/tidemark-sql-guard-x.csv'").getMessage()).containsAnyOf(
                "disabled", "read-only");
        assertThat(failure("SELECT * FROM read_parquet('https://example.com/x.parquet')")).isNotNull();
        failure("ATTACH '/tmp/tidemark-sql-guard.duckdb' AS o");
        failure("SET enable_external_access = true");
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/tidemark-sql-guard-x.csv"))).isFalse();
    }

    @Test
    void describe_slowStatement_answersColumnsWithoutRunningIt() {
        String slow = isolatesTenants() ? "SELECT count(*) AS n, max(x) > 0 AS big FROM generate_series(1, "
                + "10000000000) AS a(x)" : "SELECT count(*) AS n, max(x) > 0 AS big FROM range(10000000000) AS a(x)";
        long start = System.nanoTime();

        List<SqlColumn> columns = store.sql().describe(T, new SqlQuery(slow, List.of(), TIMEOUT, 1));

        assertThat(columns).extracting(c -> c.name() + ":" + c.type()).containsExactly("n:BIGINT", "big:BOOLEAN");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(store.sql().describe(T, new SqlQuery("SELECT \"timestamp\", temp FROM " + sensors()
                + " AS s WHERE temp > ?", java.util.Arrays.asList((Object) null), TIMEOUT, 1)))
                .extracting(c -> c.name() + ":" + c.type()).containsExactly("timestamp:TIMESTAMP", "temp:DOUBLE");
    }

    /**
     * Regression (found by the SQL endpoint's tests): DuckDB described a statement with a parameter it cannot type
     * ({@code SELECT ? AS label}) as one UNKNOWN column, so the endpoint announced one text column and sent rows of
     * two. A parameter left open is described as text now, the type a text value gives it when the statement runs.
     */
    @Test
    void describe_parameterAloneInTheSelectList_isTextAsWhenItRuns() {
        String sql = "SELECT ? AS label, count(*) AS n FROM " + sensors() + " AS s WHERE \"timestamp\" >= ? GROUP BY 1";
        List<SqlColumn> described = store.sql().describe(T, new SqlQuery(sql, java.util.Arrays.asList(null, null),
                TIMEOUT, 1));

        assertThat(described).extracting(c -> c.name() + ":" + c.type()).containsExactly("label:VARCHAR", "n:BIGINT");
        try (SqlRows rows = store.sql().query(T, new SqlQuery(sql, List.of("x", T0), TIMEOUT, 1))) {
            assertThat(rows.columns()).isEqualTo(described);
            assertThat(rows.next()).isTrue();
            assertThat(List.of(rows.get(0), rows.get(1))).containsExactly("x", 4L);
        }
    }

    @Test
    void query_cancelWhileTheEngineExecutes_fails57014() throws Exception {
        String slow = isolatesTenants() ? "SELECT count(*) FROM generate_series(1, 10000000000) AS a(x)"
                : "SELECT count(*) FROM range(10000000000) AS a(x)";
        SqlCancel cancel = new SqlCancel();
        java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(cancel::cancel, 300, java.util.concurrent.TimeUnit.MILLISECONDS);
            SqlStatementException e = catchThrowableOfType(SqlStatementException.class, () -> {
                try (SqlRows rows = store.sql().query(T, new SqlQuery(slow, List.of(), TIMEOUT, 1), cancel)) {
                    rows.next();
                }
            });
            assertThat(e).isNotNull();
            assertThat(e.sqlState()).isEqualTo(SqlStatementException.QUERY_CANCELED);
        } finally {
            timer.shutdownNow();
        }
        SqlCancel early = new SqlCancel();
        early.cancel();
        assertThat(catchThrowableOfType(SqlStatementException.class, () -> store.sql().query(T, new SqlQuery(
                "SELECT 1", List.of(), TIMEOUT, 1), early)).sqlState()).isEqualTo("57014");
    }
}
