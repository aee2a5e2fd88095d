package io.tidemark.server.oracle;

import static io.tidemark.server.oracle.SqlOracleHarness.T;
import static io.tidemark.server.oracle.SqlOracleHarness.compare;
import static io.tidemark.server.oracle.SqlOracleHarness.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Role;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import io.tidemark.server.oracle.SqlQueryGrammar.Engine;
import io.tidemark.server.oracle.SqlQueryGrammar.GeneratedQuery;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import io.tidemark.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGResultSetMetaData;

/**
 * The SQL oracle through the wire (issue 12): the queries of {@link SqlQueryGrammar} sent by pgjdbc to a real
 * server's SQL port over a store loaded as {@link SqlOracleIT} loads it, on DuckDB and PostgreSQL, in each of pgjdbc's
 * ways of sending them ({@link Mode}); every answer must equal the grammar's engine text run directly on the engine
 * ({@link SqlOracleHarness#direct}), row by row. What this adds to {@link SqlOracleIT}: the endpoint's types,
 * RowDescription and value encodings (text and binary), bind decoding, and pgjdbc's own handling of the statement.
 */
class SqlWireOracleIT {
    private static final int QUERIES_PER_SEED = 40;

    /** pgjdbc's ways to send a statement with parameters. */
    enum Mode {
        /** The extended protocol with the default prepareThreshold (5): unnamed statements, text results. */
        EXTENDED(""),
        /**
         * prepareThreshold=1: named server statements from the first execution; binary results (and int8, float8 and
         * timestamptz parameters) from the second.
         */
        NAMED_BINARY("?prepareThreshold=1"),
        /** preferQueryMode=simple: pgjdbc writes the parameters into the text as literals, one simple Query. */
        SIMPLE("?preferQueryMode=simple");

        final String options;

        Mode(String options) {
            this.options = options;
        }
    }

    @TempDir
    Path dir;

    static LongStream seeds() {
        return Seeds.fixedAndRandom("SqlWireOracleIT", 20261206L);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void query_throughPgjdbcInEveryMode_answersTheEnginesRowsOnBothEngines(long seed) throws Exception {
        List<GeneratedQuery> queries = SqlOracleHarness.queries(seed, QUERIES_PER_SEED);
        Path duckDir = Files.createDirectories(dir.resolve("duck-" + seed));
        run(seed, Engine.DUCKDB, queries, TestStores.duckDb(duckDir),
                "jdbc:duckdb:" + duckDir.toAbsolutePath().resolve("tidemark.duckdb"));
        String pgUrl = TestStores.postgresDatabase();
        run(seed, Engine.POSTGRES, queries, TestStores.open(pgUrl), pgUrl);
    }

    /** Loads the data, runs every query through the server in every mode, then directly, and compares. */
    private static void run(long seed, Engine engine, List<GeneratedQuery> queries, Store store, String jdbcUrl)
            throws SQLException {
        List<List<Answer>> wire = new ArrayList<>();
        try (store) {
            SqlOracleHarness.load(store, new Random(seed));
            String token = Tokens.issue(store, T, Role.READER, "oracle", Instant.now()).secret();
            try (TidemarkServer server = TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0)
                    .sqlPort(0).bootstrapToken(false).rollupInterval(Duration.ofHours(1)).build()).store(store)
                    .build().start()) {
                for (Mode mode : Mode.values()) {
                    wire.add(wire(seed, mode, server.sqlPort(), token, queries));
                }
            }
        }
        // DuckDB allows one database instance per file: the direct runs start after the store has closed
        List<SqlOracleHarness.Direct> direct = SqlOracleHarness.direct(seed, engine, jdbcUrl, queries);
        for (Mode mode : Mode.values()) {
            List<Answer> answers = wire.get(mode.ordinal());
            for (int i = 0; i < queries.size(); i++) {
                compare(seed, i, queries.get(i), engine + " wire " + mode, answers.get(i).rows(),
                        engine + " direct", direct.get(i).rows(), direct.get(i).sql());
            }
            // not vacuous: pgjdbc asked for binary results where (and only where) the mode makes it
            long binary = answers.stream().mapToLong(Answer::binaryColumns).sum();
            if (mode == Mode.NAMED_BINARY) {
                assertThat(binary).as(mode + ": columns sent in binary").isPositive();
            } else {
                assertThat(binary).as(mode + ": columns sent in binary").isZero();
            }
        }
        long answered = direct.stream().filter(d -> !d.rows().isEmpty()).count();
        System.out.println("SqlWireOracleIT seed " + seed + " " + engine + ": " + queries.size() + " queries x "
                + Mode.values().length + " modes, " + answered + " with rows");
        assertThat(answered).as("queries that answered rows").isGreaterThan(queries.size() / 2);
    }

    /** One query's answer through the wire, and how many of its columns pgjdbc received in binary. */
    private record Answer(List<List<Object>> rows, int binaryColumns) {}

    private static List<Answer> wire(long seed, Mode mode, int port, String token, List<GeneratedQuery> queries)
            throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", T.value());
        p.setProperty("password", token);
        List<Answer> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + T.value()
                + mode.options, p)) {
            for (int i = 0; i < queries.size(); i++) {
                out.add(wire(seed, i, mode, c, queries.get(i)));
            }
        }
        return out;
    }

    /**
     * One query through pgjdbc. pgjdbc numbers only {@code ?} placeholders, so a {@code $n} of the grammar (numbered
     * in text order) is sent as {@code ?}; pgjdbc then sends {@code $n} to the server in the extended protocol. In
     * {@link Mode#NAMED_BINARY} the statement runs twice: pgjdbc asks for binary results once it knows the columns, so
     * from the second execution on; both answers must be the same, and the second is the one compared.
     */
    private static Answer wire(long seed, int i, Mode mode, Connection c, GeneratedQuery q) {
        String sql = q.userSql().replaceAll("\\$\\d+", "?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Answer first = execute(ps, q);
            if (mode != Mode.NAMED_BINARY) {
                return first;
            }
            Answer second = execute(ps, q);
            compare(seed, i, q, mode + " first execution", first.rows(), mode + " second execution", second.rows(),
                    sql);
            return second;
        } catch (SQLException e) {
            throw new AssertionError(header(seed, i) + "the server failed (" + mode + ", SQLSTATE " + e.getSQLState()
                    + ")\n  " + q.userSql() + "\n  binds: " + q.binds(), e);
        }
    }

    private static Answer execute(PreparedStatement ps, GeneratedQuery q) throws SQLException {
        for (int b = 0; b < q.binds().size(); b++) {
            Object v = q.binds().get(b);
            ps.setObject(b + 1, v instanceof Instant t ? t.atOffset(ZoneOffset.UTC) : v);
        }
        try (ResultSet rs = ps.executeQuery()) {
            PGResultSetMetaData md = rs.getMetaData().unwrap(PGResultSetMetaData.class);
            int binary = 0;
            for (int col = 1; col <= rs.getMetaData().getColumnCount(); col++) {
                binary += md.getFormat(col);
            }
            return new Answer(SqlOracleHarness.rows(rs), binary);
        }
    }
}
