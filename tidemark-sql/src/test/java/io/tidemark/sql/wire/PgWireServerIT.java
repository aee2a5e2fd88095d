package io.tidemark.sql.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.util.PSQLException;

/** pgjdbc end to end against a {@link PgWireServer} whose backend runs the SQL on an in-memory DuckDB. */
class PgWireServerIT {
    private DuckDbBackend backend;
    private PgWireServer server;

    @BeforeEach
    void start() throws Exception {
        backend = new DuckDbBackend();
        server = PgWireServer.builder(backend).host("127.0.0.1").port(0).maxConnections(4).start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        backend.close();
    }

    private Connection connect(String... extra) throws SQLException {
        return connect(server, DuckDbBackend.PASSWORD, extra);
    }

    private static Connection connect(PgWireServer server, String password, String... extra) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "grafana");
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "60");
        for (int i = 0; i < extra.length; i += 2) {
            properties.setProperty(extra[i], extra[i + 1]);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/tidemark", properties);
    }

    @Test
    void connect_withPassword_runsASelect() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 42 AS answer, 'tide' AS name")) {
            assertThat(connection.getMetaData().getDatabaseProductVersion()).startsWith("14.0");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong("answer")).isEqualTo(42L);
            assertThat(rows.getString("name")).isEqualTo("tide");
            assertThat(rows.next()).isFalse();
        }
    }

    @Test
    void connect_wrongPassword_fails28P01() {
        assertThatThrownBy(() -> connect(server, "wrong").close())
                .isInstanceOfSatisfying(PSQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);
    }

    @Test
    void simpleProtocol_severalStatementsAndEmptyQuery_answerEach() throws Exception {
        try (Connection connection = connect("preferQueryMode", "simple");
                Statement statement = connection.createStatement()) {
            assertThat(statement.execute("SELECT 1 AS a; SELECT 'x' AS b, true AS c")).isTrue();
            try (ResultSet first = statement.getResultSet()) {
                assertThat(first.next()).isTrue();
                assertThat(first.getInt(1)).isEqualTo(1);
            }
            assertThat(statement.getMoreResults()).isTrue();
            try (ResultSet second = statement.getResultSet()) {
                assertThat(second.next()).isTrue();
                assertThat(second.getString("b")).isEqualTo("x");
                assertThat(second.getBoolean("c")).isTrue();
            }
            assertThat(statement.execute("")).isFalse();
            statement.execute("SET application_name = 'x'");
        }
    }

    @Test
    void preparedStatement_parametersOfEachType_roundTrip() throws Exception {
        OffsetDateTime time = OffsetDateTime.of(1999, 12, 31, 23, 59, 58, 123_456_000, ZoneOffset.UTC);
        try (Connection connection = connect();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT ?::BIGINT AS l, ?::DOUBLE AS d, ?::BOOLEAN AS b, ?::TIMESTAMPTZ AS t, ?::VARCHAR AS s,"
                                + " ?::BIGINT AS i, ?::BIGINT AS n")) {
            for (int run = 0; run < 7; run++) {
                statement.setLong(1, -5_000_000_000L - run);
                statement.setDouble(2, 2.5);
                statement.setBoolean(3, run % 2 == 0);
                statement.setObject(4, time.plusSeconds(run));
                statement.setString(5, "ä, \"quoted\" " + run);
                statement.setInt(6, run);
                statement.setNull(7, java.sql.Types.BIGINT);
                try (ResultSet rows = statement.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getLong("l")).isEqualTo(-5_000_000_000L - run);
                    assertThat(rows.getDouble("d")).isEqualTo(2.5);
                    assertThat(rows.getBoolean("b")).isEqualTo(run % 2 == 0);
                    assertThat(rows.getObject("t", OffsetDateTime.class)).isEqualTo(time.plusSeconds(run));
                    assertThat(rows.getString("s")).isEqualTo("ä, \"quoted\" " + run);
                    assertThat(rows.getLong("i")).isEqualTo(run);
                    assertThat(rows.getObject("n")).isNull();
                }
            }
        }
    }

    @Test
    void results_binaryAndText_readTheSame() throws Exception {
        String sql = "SELECT * FROM (VALUES (1::BIGINT, 1.5::DOUBLE, true, TIMESTAMPTZ '1970-01-01 00:00:00.000001+00',"
                + " 'a'), (-9223372036854775807, -1e300, false, TIMESTAMPTZ '2024-02-29 12:34:56.5+00', ''),"
                + " (NULL, NULL, NULL, NULL, NULL)) t(l, d, b, ts, s) ORDER BY l NULLS LAST";
        assertThat(readAll(connect("prepareThreshold", "-1"), sql, 1))
                .isEqualTo(readAll(connect("binaryTransfer", "false"), sql, 0))
                .containsExactly(
                        "-9223372036854775807|-1.0E300|false|2024-02-29T12:34:56.500Z|",
                        "1|1.5|true|1970-01-01T00:00:00.000001Z|a",
                        "null|null|null|null|null");
    }

    /** Reads every row twice (the second run on a server-side prepared statement), checking the int8 format. */
    private static List<String> readAll(Connection connection, String sql, int int8Format) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (connection; PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int run = 0; run < 2; run++) {
                lines.clear();
                try (ResultSet rows = statement.executeQuery()) {
                    PGResultSetMetaData metaData = rows.getMetaData().unwrap(PGResultSetMetaData.class);
                    assertThat(metaData.getFormat(1)).isEqualTo(int8Format);
                    assertThat(metaData.getFormat(4)).isEqualTo(int8Format);
                    while (rows.next()) {
                        OffsetDateTime time = rows.getObject(4, OffsetDateTime.class);
                        lines.add(rows.getObject(1) + "|" + rows.getObject(2) + "|" + rows.getObject(3) + "|"
                                + (time == null ? null : time.toInstant()) + "|" + rows.getString(5));
                    }
                }
            }
        }
        return lines;
    }

    /**
     * pgjdbc's fetch size streams: while the client decodes a batch the server encodes the next one (ReadAhead), but
     * never more than that one batch: rows pulled from the backend stay within the rows the client received plus one
     * batch, also while the client stops reading.
     */
    @Test
    void fetchSize_streamsRowsInBatches_readingAheadAtMostOneBatch() throws Exception {
        int total = 200_000;
        int fetchSize = 1_000;
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT range AS n, range * 0.5 AS half FROM range(" + total + ")")) {
                statement.setFetchSize(fetchSize);
                try (ResultSet rows = statement.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    // the client holds the first batch and reads nothing more: the server reads one batch ahead
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> backend.rowsPulled.get() >= 2L * fetchSize);
                    Thread.sleep(200);
                    assertThat(backend.rowsPulled.get()).isEqualTo(2L * fetchSize);
                    long count = 1;
                    long sum = rows.getLong(1);
                    while (rows.next()) {
                        count++;
                        sum += rows.getLong(1);
                        long received = (count + fetchSize - 1) / fetchSize * fetchSize;
                        if (count % 997 == 0) {
                            assertThat(backend.rowsPulled.get()).isLessThanOrEqualTo(received + fetchSize);
                        }
                    }
                    assertThat(count).isEqualTo(total);
                    assertThat(sum).isEqualTo((long) total * (total - 1) / 2);
                }
            }
            connection.commit();
        }
    }

    /** A smaller row limit on the next Execute takes the rows read ahead in order, then goes on from the cursor. */
    @Test
    void fetchSize_changedBetweenBatches_rowsInOrder() throws Exception {
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.setFetchSize(100);
                try (ResultSet rows = statement.executeQuery("SELECT range AS n FROM range(1000)")) {
                    long expected = 0;
                    while (rows.next()) {
                        assertThat(rows.getLong(1)).isEqualTo(expected);
                        expected++;
                        if (expected == 150) {
                            rows.setFetchSize(30);
                        }
                        if (expected == 500) {
                            rows.setFetchSize(250);
                        }
                    }
                    assertThat(expected).isEqualTo(1000);
                }
            }
            connection.commit();
        }
    }

    @Test
    void errors_carrySqlState_andTheConnectionStaysUsable() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("SELEC 1"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42601");
                        assertThat(e.getServerErrorMessage().getMessage()).contains("syntax error");
                    });
            assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM no_such_table"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42P01"));
            try (PreparedStatement prepared = connection.prepareStatement("SELECT ?::BIGINT + 1")) {
                for (int run = 0; run < 6; run++) {
                    prepared.setLong(1, run);
                    try (ResultSet rows = prepared.executeQuery()) {
                        assertThat(rows.next()).isTrue();
                        assertThat(rows.getLong(1)).isEqualTo(run + 1);
                    }
                }
            }
            statement.addBatch("SELECT 1");
            statement.addBatch("SELEC 2");
            statement.addBatch("SELECT 3");
            assertThatThrownBy(statement::executeBatch).isInstanceOf(SQLException.class);
            try (ResultSet rows = statement.executeQuery("SELECT 7")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(7);
            }
        }
    }

    @Test
    void errorInsideTransaction_failsTheBlockUntilRollback() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.executeQuery("SELECT 1").close();
            assertThatThrownBy(() -> statement.executeQuery("SELEC 1"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42601"));
            assertThatThrownBy(() -> statement.executeQuery("SELECT 2"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
            connection.rollback();
            try (ResultSet rows = statement.executeQuery("SELECT 3")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(3);
            }
        }
    }

    @Test
    void cancel_longQuery_fails57014() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            CompletableFuture<Object> query = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rows = statement.executeQuery(
                        "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b")) {
                    return rows.next();
                } catch (SQLException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> backend.running.get() > 0);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                statement.cancel();
                return query.isDone();
            });
            assertThat(query.get(1, TimeUnit.SECONDS)).isInstanceOfSatisfying(PSQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            try (ResultSet rows = statement.executeQuery("SELECT 1")) {
                assertThat(rows.next()).isTrue();
            }
        }
    }

    @Test
    void connect_beyondMaxConnections_fails53300() throws Exception {
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                open.add(connect());
            }
            assertThatThrownBy(() -> connect().close())
                    .isInstanceOfSatisfying(PSQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("53300"));
        } finally {
            for (Connection connection : open) {
                connection.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);
        connect().close();
    }

    @Test
    void copyOut_csv_streamsRows() throws Exception {
        try (Connection connection = connect()) {
            StringWriter csv = new StringWriter();
            long rows = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(
                    "COPY (SELECT range AS n, CASE WHEN range = 1 THEN NULL ELSE 'a,\"b' END AS s, range = 0 AS z,"
                            + " '' AS e FROM range(3)) TO STDOUT (FORMAT csv, HEADER)", csv);
            assertThat(rows).isEqualTo(3);
            assertThat(csv.toString()).isEqualTo(
                    "n,s,z,e\n0,\"a,\"\"b\",t,\"\"\n1,,f,\"\"\n2,\"a,\"\"b\",f,\"\"\n");
        }
    }

    @Test
    void message_overTheMaximum_fails08P01AndCloses() throws Exception {
        try (PgWireServer small = PgWireServer.builder(backend).port(0).maxMessageBytes(1024).start();
                Connection connection = connect(small, DuckDbBackend.PASSWORD);
                Statement statement = connection.createStatement()) {
            String big = "SELECT '" + "x".repeat(2000) + "'";
            assertThatThrownBy(() -> statement.executeQuery(big))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08P01"));
            assertThat(connection.isValid(5)).isFalse();
        }
    }

    @Test
    void idleConnection_isClosedAfterTheIdleTimeout() throws Exception {
        try (PgWireServer idle = PgWireServer.builder(backend).port(0).idleTimeout(Duration.ofMillis(300)).start();
                Connection connection = connect(idle, DuckDbBackend.PASSWORD)) {
            assertThat(idle.connectionCount()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> idle.connectionCount() == 0);
            assertThat(connection.isValid(5)).isFalse();
        }
    }

    @Test
    void psql_selectOne_printsTheRow() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Psql.installed(), () -> {
            System.out.println("psql is not installed: skipping the psql test");
            return "psql not installed";
        });
        Psql.Result result = Psql.run(server.port(), "SELECT 1 AS one, 'tide' AS name");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("1|tide");
        Psql.Result copy = Psql.run(server.port(), "\\copy (SELECT range FROM range(3)) TO STDOUT WITH (FORMAT csv)");
        assertThat(copy.exitCode()).as(copy.output()).isZero();
        assertThat(copy.output()).isEqualTo("0\n1\n2\n");
        Psql.Result error = Psql.run(server.port(), "SELECT * FROM nothing_here");
        assertThat(error.exitCode()).isNotZero();
        assertThat(error.output()).contains("Catalog Error");
    }

    /** Runs the psql on the PATH against the server, unaligned and tuples only. */
    static final class Psql {
        record Result(int exitCode, String output) {
        }

        static boolean installed() {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "psql"))) {
                    return true;
                }
            }
            return false;
        }

        static Result run(int port, String command) throws Exception {
            ProcessBuilder builder = new ProcessBuilder("psql", "-h", "127.0.0.1", "-p", Integer.toString(port),
                    "-U", "x", "-d", "tidemark", "-X", "-A", "-t", "-c", command);
            builder.environment().put("PGPASSWORD", DuckDbBackend.PASSWORD);
            builder.environment().put("PGCONNECT_TIMEOUT", "10");
            builder.redirectErrorStream(true);
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new Result(process.exitValue(), output);
        }
    }
}
