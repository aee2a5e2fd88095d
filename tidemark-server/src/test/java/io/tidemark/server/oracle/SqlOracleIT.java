package io.tidemark.server.oracle;

import static io.tidemark.server.oracle.SqlOracleHarness.T;
import static io.tidemark.server.oracle.SqlOracleHarness.compare;
import static io.tidemark.server.oracle.SqlOracleHarness.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.server.oracle.SqlQueryGrammar.Engine;
import io.tidemark.server.oracle.SqlQueryGrammar.GeneratedQuery;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import io.tidemark.store.SqlQuery;
import io.tidemark.store.SqlRows;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import io.tidemark.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SQL oracle (issue 12): random queries from {@link SqlQueryGrammar} over random archives and an hourly rollup
 * computed by the rollup store, on DuckDB and PostgreSQL. Each query runs (a) as the server runs it —
 * {@link SqlGuard#check} with the store's relations and time functions, then {@code Store.sql().query} — and (b) as
 * the grammar's independent engine text over the physical tables with plain JDBC; the rows must be equal, in order
 * ({@link SqlOracleHarness} compares them). The guarded answers of DuckDB and PostgreSQL must be equal too.
 * {@link SqlWireOracleIT} runs the same queries through the SQL endpoint.
 */
class SqlOracleIT {
    private static final int QUERIES_PER_SEED = 70;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    static LongStream seeds() {
        return Seeds.fixedAndRandom("SqlOracleIT", 20261205L, 12L);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void query_guardedAndDirect_answerTheSameRowsOnBothEngines(long seed) throws Exception {
        List<GeneratedQuery> queries = SqlOracleHarness.queries(seed, QUERIES_PER_SEED);
        Path duckDir = Files.createDirectories(dir.resolve("duck-" + seed));
        List<List<List<Object>>> duck = run(seed, Engine.DUCKDB, queries, TestStores.duckDb(duckDir),
                "jdbc:duckdb:" + duckDir.toAbsolutePath().resolve("tidemark.duckdb"));
        String pgUrl = TestStores.postgresDatabase();
        List<List<List<Object>>> pg = run(seed, Engine.POSTGRES, queries, TestStores.open(pgUrl), pgUrl);
        for (int i = 0; i < queries.size(); i++) {
            compare(seed, i, queries.get(i), "DuckDB (guarded)", duck.get(i), "PostgreSQL (guarded)", pg.get(i),
                    queries.get(i).userSql());
        }
        // not vacuous: most queries answer rows
        long answered = duck.stream().filter(rows -> !rows.isEmpty()).count();
        long rows = duck.stream().mapToLong(List::size).sum();
        System.out.println("SqlOracleIT seed " + seed + ": " + queries.size() + " queries per engine, " + answered
                + " with rows, " + rows + " rows");
        assertThat(answered).as("queries that answered rows").isGreaterThan(queries.size() / 2);
    }

    /** Loads the data, runs every query both ways on one engine, compares them, and answers the guarded rows. */
    private List<List<List<Object>>> run(long seed, Engine engine, List<GeneratedQuery> queries, Store store,
            String jdbcUrl) throws SQLException {
        List<List<List<Object>>> guarded = new ArrayList<>();
        try (store) {
            SqlOracleHarness.load(store, new Random(seed));
            List<ArchiveDefinition> defs = List.of(store.archives().requireArchive(T, "alpha").definition(),
                    store.archives().requireArchive(T, "beta").definition(),
                    store.archives().requireArchive(T, "alpha_1h").definition());
            SqlCatalog catalog = SqlCatalog.of(T.value(), defs.stream().map(SqlTable::of).toList());
            Map<String, ArchiveDefinition> byName = new HashMap<>();
            defs.forEach(d -> byName.put(d.name(), d));
            SqlGuard guard = SqlGuard.of(catalog, t -> store.sql().relation(T, byName.get(t.name())),
                    store.sql().functions());
            for (int i = 0; i < queries.size(); i++) {
                guarded.add(guarded(seed, i, guard, store, queries.get(i)));
            }
        }
        // DuckDB allows one database instance per file: the direct runs start after the store has closed
        List<SqlOracleHarness.Direct> direct = SqlOracleHarness.direct(seed, engine, jdbcUrl, queries);
        for (int i = 0; i < queries.size(); i++) {
            compare(seed, i, queries.get(i), engine + " guarded", guarded.get(i), engine + " direct",
                    direct.get(i).rows(), direct.get(i).sql());
        }
        return guarded;
    }

    private static List<List<Object>> guarded(long seed, int i, SqlGuard guard, Store store, GeneratedQuery q) {
        GuardedStatement.Query checked;
        try {
            checked = (GuardedStatement.Query) guard.check(q.userSql()).get(0);
        } catch (RuntimeException e) {
            throw new AssertionError(header(seed, i) + "the guard refused\n  " + q.userSql(), e);
        }
        List<Object> binds = new ArrayList<>();
        for (int n : checked.parameters()) {
            binds.add(q.binds().get(n - 1));
        }
        List<List<Object>> out = new ArrayList<>();
        try (SqlRows rows = store.sql().query(T, new SqlQuery(checked.sql(), binds, TIMEOUT, 500))) {
            while (rows.next()) {
                List<Object> row = new ArrayList<>();
                for (int c = 0; c < rows.columns().size(); c++) {
                    row.add(SqlOracleHarness.normal(rows.get(c)));
                }
                out.add(row);
            }
        } catch (RuntimeException e) {
            throw new AssertionError(header(seed, i) + "the store failed\n  user:    " + q.userSql()
                    + "\n  guarded: " + checked.sql() + "\n  binds:   " + binds, e);
        }
        return out;
    }
}
