package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.RollupSpec;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * The SQL endpoint end to end: {@code tidemark serve}'s PostgreSQL port on a real store, reached with pgjdbc (and
 * psql when it is installed) with a Tidemark token as the password. Each engine binds it with a thin subclass.
 */
abstract class AbstractSqlEndpointIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    /** Rows of the {@code big} archive; its cross join with itself is a million rows. */
    private static final int BIG = 1000;

    @TempDir
    Path dir;

    private Store store;
    private ServerFixture f;
    private final List<TidemarkServer> extra = new ArrayList<>();
    private String token;
    private String otherToken;

    protected abstract Store newStore();

    @BeforeEach
    void start() {
        store = newStore();
        f = new ServerFixture(store);
        token = f.token("acme", Role.READER);
        TidemarkClient admin = f.client(f.token("acme", Role.ADMIN));
        archive(admin, "sensors");
        archive(admin, "big");
        TidemarkClient writer = f.client(f.token("acme", Role.WRITER));
        writer.publish("sensors", List.of(
                row("a", 0, 1.5, 10, true, "x"), row("a", 30, 2.5, 20, false, "y"),
                row("b", 40, 10.0, 30, true, "z, \"quoted\""), row("a", 70, 5.0, 40, null, null)));
        List<Row> big = new ArrayList<>();
        for (int i = 0; i < BIG; i++) {
            big.add(row("r" + i % 10, i, i * 0.5, i, i % 2 == 0, "n" + i));
        }
        writer.publish("big", big);
        admin.createRollupArchive(RollupSpec.builder("sensors_1m", "sensors", "PT1M").aggregate("AVG", "temp",
                "temp_avg").aggregate("COUNT", null, "n").build());
        admin.activateArchive("sensors_1m");
        assertThat(admin.processRollup("sensors_1m")).isPositive();

        TidemarkClient beta = f.client(f.token("beta", Role.ADMIN));
        archive(beta, "secrets");
        otherToken = f.token("beta", Role.READER);
    }

    @AfterEach
    void stop() {
        extra.forEach(TidemarkServer::close);
        f.close();
    }

    private static void archive(TidemarkClient admin, String name) {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("temp", "DOUBLE");
        cols.put("count", "BIGINT");
        cols.put("ok", "BOOLEAN");
        cols.put("note", "VARCHAR");
        admin.createArchive(name, cols);
        admin.activateArchive(name);
    }

    private static Row row(String rtId, int seconds, double temp, long count, Boolean ok, String note) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("temp", temp);
        v.put("count", count);
        if (ok != null) {
            v.put("ok", ok);
        }
        if (note != null) {
            v.put("note", note);
        }
        return Row.of(rtId, T0.plusSeconds(seconds), v);
    }

    /** A second server on the same store with other {@code sql.*} settings. */
    private TidemarkServer server(UnaryOperator<ServerConfig.Builder> config) {
        TidemarkServer s = TidemarkServer.builder(config.apply(ServerConfig.builder().host("127.0.0.1").port(0)
                .sqlPort(0).bootstrapToken(false).rollupInterval(Duration.ofHours(1))).build()).store(store).build()
                .start();
        extra.add(s);
        return s;
    }

    private Connection connect(String password) throws SQLException {
        return connect(f.server.sqlPort(), "acme", password, "");
    }

    private static Connection connect(int port, String user, String password, String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/acme" + options, p);
    }

    private static List<List<Object>> rows(ResultSet rs) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                row.add(rs.getObject(i));
            }
            out.add(row);
        }
        return out;
    }

    private static SQLException failure(Connection c, String sql) {
        SQLException e = catchThrowableOfType(SQLException.class, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        });
        assertThat((Throwable) e).as(sql).isNotNull();
        return e;
    }

    // ---- login

    @Test
    void connect_withToken_readsTheTenantsArchiveWithItsTypes() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT \"timestamp\", \"rtId\", temp, count, ok, note FROM sensors "
                        + "ORDER BY \"timestamp\"")) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> types = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                types.add(md.getColumnName(i) + ":" + md.getColumnTypeName(i));
            }
            assertThat(types).containsExactly("timestamp:timestamptz", "rtId:text", "temp:float8", "count:int8",
                    "ok:bool", "note:text");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getObject(1, OffsetDateTime.class).toInstant()).isEqualTo(T0);
            assertThat(List.of(rs.getString(2), rs.getDouble(3), rs.getLong(4), rs.getBoolean(5), rs.getString(6)))
                    .containsExactly("a", 1.5, 10L, true, "x");
            List<List<Object>> rest = rows(rs);
            assertThat(rest).hasSize(3);
            assertThat(rest.get(2)).containsExactly(rest.get(2).get(0), "a", 5.0, 40L, null, null);
        }
    }

    @Test
    void connect_badTokenOrForeignUser_28P01SayingNothingMore() throws Exception {
        SQLException bad = catchThrowableOfType(SQLException.class, () -> connect("tmk_not_a_token").close());
        SQLException foreignUser = catchThrowableOfType(SQLException.class,
                () -> connect(f.server.sqlPort(), "beta", token, "").close());

        assertThat(bad.getSQLState()).isEqualTo("28P01");
        assertThat(foreignUser.getSQLState()).isEqualTo("28P01");
        assertThat(bad.getMessage()).doesNotContain("tmk_not_a_token", "unknown", "revoked");
        assertThat(foreignUser.getMessage()).doesNotContain(token);
        assertThat(foreignUser.getMessage().replace("beta", "acme")).isEqualTo(bad.getMessage());
        try (Connection c = connect(f.server.sqlPort(), "reader", token, "")) {
            assertThat(rows(c.createStatement().executeQuery("SELECT count(*) FROM sensors")))
                    .containsExactly(List.of(4L));
        }
    }

    // ---- statements

    @Test
    void preparedStatement_parametersOfEveryTypeInTextAndBinary_sameRows() throws Exception {
        String sql = "SELECT \"rtId\", temp, count, ok, note, \"timestamp\" FROM sensors WHERE \"timestamp\" >= ? AND "
                + "temp > ? AND count >= ? AND ok = ? AND note <> ? ORDER BY \"timestamp\"";
        List<List<Object>> expected = null;
        // prepareThreshold 0: never a server-side statement, parameters and rows in text; -1: prepared at once,
        // pgjdbc asks for int8, float8, timestamptz and bool in binary
        for (String mode : List.of("?prepareThreshold=0", "?prepareThreshold=-1")) {
            try (Connection c = connect(f.server.sqlPort(), "acme", token, mode);
                    PreparedStatement ps = c.prepareStatement(sql)) {
                for (int run = 0; run < 2; run++) {
                    ps.setObject(1, T0.atOffset(ZoneOffset.UTC));
                    ps.setDouble(2, 1.0);
                    ps.setLong(3, 10);
                    ps.setBoolean(4, true);
                    ps.setString(5, "nothing");
                    List<List<Object>> got = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            got.add(List.of(rs.getString(1), rs.getDouble(2), rs.getLong(3), rs.getBoolean(4),
                                    rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant()));
                        }
                    }
                    assertThat(got).as(mode).containsExactly(List.of("a", 1.5, 10L, true, "x", T0),
                            List.of("b", 10.0, 30L, true, "z, \"quoted\"", T0.plusSeconds(40)));
                    expected = got;
                }
            }
        }
        try (Connection c = connect(token);
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM sensors WHERE \"timestamp\" < ?")) {
            ps.setTimestamp(1, Timestamp.from(T0.plusSeconds(35)));
            assertThat(rows(ps.executeQuery())).containsExactly(List.of(2L));
        }
        assertThat(expected).hasSize(2);
    }

    @Test
    void rollup_readsAvgAsAValue() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            assertThat(rows(s.executeQuery("SELECT \"rtId\", temp_avg, n FROM sensors_1m ORDER BY \"timestamp\", "
                    + "\"rtId\""))).containsExactly(List.of("a", 2.0, 2L), List.of("b", 10.0, 1L),
                            List.of("a", 5.0, 1L));
        }
    }

    @Test
    void setShowAndTransactions_answeredByTheEndpoint() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            s.execute("SET application_name = 'grafana'");
            assertThat(rows(s.executeQuery("SHOW application_name"))).containsExactly(List.of("grafana"));
            assertThat(rows(s.executeQuery("SHOW TimeZone"))).containsExactly(List.of("UTC"));
            c.setAutoCommit(false);
            assertThat(rows(s.executeQuery("SELECT count(*) FROM sensors"))).containsExactly(List.of(4L));
            c.commit();
            assertThat(failure(c, "SHOW data_directory").getSQLState()).isEqualTo("42704");
        }
    }

    /**
     * The session time zone is UTC whatever the client asks: pgjdbc's TimeZone at login (the JVM's zone) is ignored,
     * {@code SET TIME ZONE 'UTC'} is a no-op, {@code SET TimeZone} to another zone refused (42501, naming AT TIME
     * ZONE); calendar fields and casts of the timestamp answer UTC's.
     */
    @Test
    void sessionTimeZone_utcWhateverTheClientAsks() throws Exception {
        TimeZone jvm = TimeZone.getDefault();
        Connection kolkata;
        TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
        try {
            kolkata = connect(token);
        } finally {
            TimeZone.setDefault(jvm);
        }
        try (Connection c = kolkata; Statement s = c.createStatement()) {
            SQLException berlin = failure(c, "SET TimeZone = 'Europe/Berlin'");
            assertThat(berlin.getSQLState()).isEqualTo("42501");
            assertThat(berlin.getMessage()).contains("AT TIME ZONE");
            s.execute("SET TIME ZONE 'UTC'");
            assertThat(rows(s.executeQuery("SHOW TimeZone"))).containsExactly(List.of("UTC"));
            // the first sample is 2025-01-01T00:00Z: 05:30 in Kolkata
            try (ResultSet rs = s.executeQuery("SELECT date_trunc('day', \"timestamp\") AS d, \"timestamp\"::date AS "
                    + "day, extract(hour FROM \"timestamp\") AS h, \"timestamp\" = TIMESTAMPTZ "
                    + "'2025-01-01 00:00:00+00' AS same, extract(hour FROM TIMESTAMPTZ '2025-01-01 05:00:00+00') AS h5 "
                    + "FROM sensors ORDER BY \"timestamp\" LIMIT 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(List.of(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getObject(2,
                        OffsetDateTime.class).toInstant(), rs.getLong(3), rs.getBoolean(4), rs.getLong(5)))
                        .containsExactly(T0, T0, 0L, true, 5L);
            }
        }
    }

    /** {@code $1} written twice is one value: compared with a double and a bigint, declared int8 or left open. */
    @Test
    void repeatedParameter_inWhereTwice_oneValue() throws Exception {
        try (RawClient client = new RawClient(f.server.sqlPort(), "acme", token)) {
            String sql = "SELECT count(*) FROM sensors WHERE temp > $1 OR count > $1";
            assertThat(client.extended(sql, new int[] {20}, "25")).isEqualTo(new Answer(List.of(List.of("2")), null));
            assertThat(client.extended(sql, new int[] {0}, "25")).isEqualTo(new Answer(List.of(List.of("2")), null));
            assertThat(client.extended(sql, new int[] {701}, "9.5")).isEqualTo(new Answer(List.of(List.of("4")),
                    null));
        }
    }

    /** {@code SELECT $1 … GROUP BY $1}: the parameter is one constant, so the rows are one group. */
    @Test
    void repeatedParameter_inSelectAndGroupBy_oneGroup() throws Exception {
        try (RawClient client = new RawClient(f.server.sqlPort(), "acme", token)) {
            String sql = "SELECT $1 AS a, count(*) AS n FROM sensors GROUP BY $1";
            assertThat(client.extended(sql, new int[] {25}, "x")).isEqualTo(new Answer(List.of(List.of("x", "4")),
                    null));
            assertThat(client.extended(sql, new int[] {0}, "x")).isEqualTo(new Answer(List.of(List.of("x", "4")),
                    null));
            assertThat(client.extended(sql, new int[] {20}, "7")).isEqualTo(new Answer(List.of(List.of("7", "4")),
                    null));
        }
    }

    /**
     * pgjdbc's {@code ?} in the select list, grouped by its position, in each of pgjdbc's ways of sending parameters:
     * typed as pgjdbc declares it (int8 for setLong, text for setString). {@code GROUP BY ?} is a second parameter
     * the engine cannot tell is the first: refused with 42803 and what to write instead.
     */
    @Test
    void questionMarkParameters_inSelectAndGroupBy_groupByPositionOr42803() throws Exception {
        for (String mode : List.of("", "?prepareThreshold=-1", "?preferQueryMode=simple")) {
            try (Connection c = connect(f.server.sqlPort(), "acme", token, mode)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT ? AS a, count(*) AS n FROM sensors "
                        + "GROUP BY 1")) {
                    ps.setLong(1, 7);
                    assertThat(rows(ps.executeQuery())).as(mode).containsExactly(List.of(7L, 4L));
                    ps.setString(1, "x");
                    assertThat(rows(ps.executeQuery())).as(mode).containsExactly(List.of("x", 4L));
                }
                if (mode.contains("simple")) {
                    continue; // pgjdbc writes the values into the text: GROUP BY 'x' has no parameter
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT ? AS a, count(*) AS n FROM sensors "
                        + "GROUP BY ?")) {
                    ps.setString(1, "x");
                    ps.setString(2, "x");
                    SQLException e = catchThrowableOfType(SQLException.class, ps::executeQuery);
                    assertThat(e.getSQLState()).as(mode).isEqualTo("42803");
                    assertThat(e.getMessage()).contains("GROUP BY 1");
                }
            }
        }
    }

    /** {@code /} between integers truncates on every engine, as on PostgreSQL (docs/sql.md, "Arithmetic"). */
    @Test
    void arithmetic_integerDivision_truncatesOnEveryEngine() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            assertThat(rows(s.executeQuery("SELECT 7 / 2 AS a, -count / 3 AS b, count / 3.0 AS c, avg(count) OVER () "
                    + "AS d FROM sensors ORDER BY \"timestamp\" LIMIT 1"))).containsExactly(List.of(3L, -3L,
                            10 / 3.0, 25.0));
        }
    }

    // ---- streaming, cancel, limits

    @Test
    void fetchSize_millionRows_streamedThroughACursor() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.setFetchSize(5000);
            long rows = 0;
            double sum = 0;
            long start = System.nanoTime();
            try (ResultSet rs = s.executeQuery("SELECT a.count, b.temp FROM big a CROSS JOIN big b")) {
                while (rs.next()) {
                    rows++;
                    sum += rs.getDouble(2);
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("SQL endpoint (%s): 1,000,000 rows by fetch size 5000 in %d ms%n",
                    getClass().getSimpleName(), millis);
            assertThat(rows).isEqualTo((long) BIG * BIG);
            assertThat(sum).isEqualTo(BIG * (BIG - 1) / 2 * 0.5 * BIG);
        }
    }

    /** A client that sends a query for a million rows and then stops reading: the server holds back, heap stays flat. */
    @Test
    void clientStopsReading_serverDoesNotBufferTheResult() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        try (RawClient client = new RawClient(f.server.sqlPort(), "acme", token)) {
            client.query("SELECT a.note, b.note, a.count FROM big a CROSS JOIN big b");
            client.readUntil('D');
            // The whole result as DataRows would be ~1e6 × ~100 bytes of objects; the server may hold a socket buffer
            // and a store fetch (1000 rows).
            await("heap stays bounded while the client does not read").during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
                        System.gc();
                        return memory.getHeapMemoryUsage().getUsed() - before < 48L << 20;
                    });
        }
    }

    @Test
    void cancel_longQuery_57014() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                try {
                    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
                    s.cancel();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeQuery(endless()));
            cancel.get(30, TimeUnit.SECONDS);
            assertThat((Throwable) e).isNotNull();
            assertThat(e.getSQLState()).isEqualTo("57014");
            assertThat(e.getMessage()).contains("user request");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(rows(s.executeQuery("SELECT count(*) FROM sensors"))).as("the connection goes on")
                    .containsExactly(List.of(4L));
        }
    }

    /** Four-way cross join of {@code big}: 10^12 rows to count, far longer than any test waits. */
    private static String endless() {
        return "SELECT count(*) FROM big a, big b, big c, big d WHERE a.temp + b.temp + c.temp + d.temp >= 0";
    }

    /** Describe (pgjdbc's getMetaData before executing) prepares on the engine and never runs the statement. */
    @Test
    void describe_endlessQuery_columnsWithoutRunningIt() throws Exception {
        try (Connection c = connect(token); PreparedStatement ps = c.prepareStatement(endless().replace("count(*)",
                "count(*) AS n, max(a.\"timestamp\") AS last, bool_or(a.ok) AS any_ok"))) {
            long start = System.nanoTime();
            ResultSetMetaData md = ps.getMetaData();
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("SQL endpoint (%s): describe of a 10^12-row count in %d ms%n", getClass().getSimpleName(),
                    millis);
            assertThat(List.of(md.getColumnTypeName(1), md.getColumnTypeName(2), md.getColumnTypeName(3)))
                    .containsExactly("int8", "timestamptz", "bool");
            assertThat(Duration.ofMillis(millis)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void statementTimeout_longQuery_57014NamingTheSetting() throws Exception {
        TidemarkServer s = server(b -> b.sqlStatementTimeout(Duration.ofMillis(700)));
        try (Connection c = connect(s.sqlPort(), "acme", token, ""); Statement st = c.createStatement()) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> st.executeQuery(endless()));
            assertThat(e.getSQLState()).isEqualTo("57014");
            assertThat(e.getMessage()).contains("statement timeout");
            assertThat(rows(st.executeQuery("SELECT count(*) FROM sensors"))).containsExactly(List.of(4L));
        }
    }

    @Test
    void maxResultBytes_exceeded_rowsSentThen54000() throws Exception {
        TidemarkServer s = server(b -> b.sqlMaxResultBytes(10_000));
        try (Connection c = connect(s.sqlPort(), "acme", token, ""); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.setFetchSize(100);
            long[] read = {0};
            SQLException e = catchThrowableOfType(SQLException.class, () -> {
                try (ResultSet rs = st.executeQuery("SELECT a.count, b.count FROM big a CROSS JOIN big b")) {
                    while (rs.next()) {
                        read[0]++;
                    }
                }
            });
            assertThat(e.getSQLState()).isEqualTo("54000");
            assertThat(e.getMessage()).contains("sql.max-result-bytes");
            assertThat(read[0]).as("rows of 16 bytes before the limit").isBetween(600L, 625L);
        }
    }

    @Test
    void concurrentStatementsPerTenant_oneMoreRefused53400_freedWhenTheCursorCloses() throws Exception {
        TidemarkServer s = server(b -> b.sqlMaxConcurrentStatementsPerTenant(1));
        try (Connection first = connect(s.sqlPort(), "acme", token, "");
                Connection second = connect(s.sqlPort(), "acme", token, "")) {
            first.setAutoCommit(false);
            Statement open = first.createStatement();
            open.setFetchSize(10);
            ResultSet rs = open.executeQuery("SELECT a.count FROM big a CROSS JOIN big b");
            assertThat(rs.next()).isTrue();

            SQLException e = failure(second, "SELECT count(*) FROM sensors");
            assertThat(e.getSQLState()).isEqualTo("53400");
            assertThat(e.getMessage()).contains("sql.max-concurrent-statements-per-tenant");
            try (Connection beta = connect(s.sqlPort(), "beta", otherToken, "")) {
                assertThat(rows(beta.createStatement().executeQuery("SELECT count(*) FROM secrets")))
                        .as("other tenants have their own slots").containsExactly(List.of(0L));
            }

            rs.close();
            first.commit();
            assertThat(rows(second.createStatement().executeQuery("SELECT count(*) FROM sensors")))
                    .containsExactly(List.of(4L));
        }
    }

    @Test
    void maxConnections_oneMoreRefused53300_andShutdownClosesThePort() throws Exception {
        TidemarkServer s = server(b -> b.sqlMaxConnections(1));
        int port = s.sqlPort();
        try (Connection first = connect(port, "acme", token, "")) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> connect(port, "acme", token, "").close());
            assertThat(e.getSQLState()).isEqualTo("53300");
            assertThat(rows(first.createStatement().executeQuery("SELECT count(*) FROM sensors")))
                    .containsExactly(List.of(4L));
        }
        s.close();
        assertThat((Throwable) catchThrowableOfType(SQLException.class, () -> connect(port, "acme", token, "")
                .close())).as("closed with the server").isNotNull();
    }

    @Test
    void start_sqlPortInUse_clearErrorAndNothingLeftListening() throws Exception {
        int http;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            http = probe.getLocalPort();
        }
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int sqlPort = taken.getLocalPort();
            io.tidemark.core.TidemarkException e = catchThrowableOfType(io.tidemark.core.TidemarkException.class,
                    () -> server(b -> b.port(http).sqlPort(sqlPort)));
            assertThat(e.getMessage()).contains("SQL port " + sqlPort + " on 127.0.0.1 is in use");
        }
        assertThat((Throwable) catchThrowableOfType(IOException.class, () -> new Socket("127.0.0.1", http).close()))
                .as("the HTTP port was never bound").isNotNull();
    }

    @Test
    void metrics_statementsByOutcomeRowsAndErrorsBySqlState() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            rows(s.executeQuery("SELECT \"rtId\" FROM sensors"));
            failure(c, "DELETE FROM sensors");
            failure(c, "SELECT nope FROM sensors");
        }
        String scrape = f.server.meterRegistry().scrape();
        assertThat(scrape).contains("tidemark_sql_statements_total{outcome=\"ok\"}",
                "tidemark_sql_statements_total{outcome=\"refused\"}", "tidemark_sql_errors_total{sqlstate=\"42501\"}",
                "tidemark_sql_rows_total", "tidemark_sql_connections");
    }

    // ---- refusals

    @Test
    void refusedConstructs_eachWithItsSqlState() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("INSERT INTO sensors VALUES ('2025-01-01', 'x', 1, 1, true, 'n')", "42501");
        cases.put("UPDATE sensors SET temp = 0", "42501");
        cases.put("DELETE FROM sensors", "42501");
        cases.put("CREATE TABLE t (a int)", "42501");
        cases.put("DROP TABLE sensors", "42501");
        cases.put("ATTACH '/tmp/tidemark-sql-endpoint.duckdb' AS o", "42501");
        cases.put("PRAGMA database_list", "42501");
        cases.put("INSTALL httpfs", "42501");
        cases.put("LOAD httpfs", "42501");
        cases.put("COPY sensors TO '/tmp/tidemark-sql-endpoint.csv'", "42501");
        cases.put("COPY (SELECT 1) TO '/tmp/tidemark-sql-endpoint.csv'", "42501");
        cases.put("SELECT * FROM read_csv('/etc/passwd')", "42501");
        cases.put("SELECT * FROM read_parquet('https://example.com/x.parquet')", "42501");
        cases.put("SELECT pg_sleep(10)", "42501");
        cases.put("SELECT * FROM nowhere", "42P01");
        cases.put("SELECT * FROM beta.secrets", "42501");
        // Catalog statements are answered from the tenant's shadow (catalog_… below); what it does not hold is unknown.
        cases.put("SELECT rolpassword FROM pg_authid", "42P01");
        cases.put("SELECT pg_read_file('/etc/passwd')", "42501");
        cases.put("SELECT * FROM secrets", "42P01");
        cases.put("SELECT FROM WHERE", "42601");
        cases.put("SELECT \"rtId\" FROM latest.sensors JOIN sensors USING (\"rtId\")", "0A000");
        try (Connection c = connect(f.server.sqlPort(), "acme", token, "?preferQueryMode=simple")) {
            for (Map.Entry<String, String> e : cases.entrySet()) {
                assertThat(failure(c, e.getKey()).getSQLState()).as(e.getKey()).isEqualTo(e.getValue());
            }
            // Another tenant's schema is refused like any schema, its archive unknown like any name: the answers
            // are the same whether the other tenant or its archive exists or not.
            assertThat(failure(c, "SELECT * FROM beta.secrets").getMessage().replace("beta", "nobody"))
                    .isEqualTo(failure(c, "SELECT * FROM nobody.secrets").getMessage());
            assertThat(failure(c, "SELECT * FROM secrets").getMessage().replace("secrets", "nothing"))
                    .isEqualTo(failure(c, "SELECT * FROM nothing").getMessage());
            SQLException several = failure(c, "SELECT count(*) FROM sensors; DELETE FROM sensors");
            assertThat(several.getSQLState()).isEqualTo("42501");
            assertThat(rows(c.createStatement().executeQuery("SELECT count(*) FROM sensors")))
                    .containsExactly(List.of(4L));
        }
        assertThat(new File("/tmp/tidemark-sql-endpoint.csv")).doesNotExist();
    }

    // ---- COPY, live, TLS, psql

    @Test
    void copyToStdout_csvThroughCopyManager() throws Exception {
        try (Connection c = connect(token)) {
            CopyManager copy = c.unwrap(BaseConnection.class).getCopyAPI();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = copy.copyOut("COPY (SELECT \"rtId\", temp, ok, note FROM sensors ORDER BY \"timestamp\") TO STDOUT "
                    + "(FORMAT csv, HEADER)", out);
            assertThat(n).isEqualTo(4);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("rtId,temp,ok,note\na,1.5,t,x\na,2.5,f,y\n"
                    + "b,10,t,\"z, \"\"quoted\"\"\"\na,5,,\n");
        }
    }

    @Test
    void liveTable_latest_answersASnapshot() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            assertThat(rows(s.executeQuery("SELECT \"rtId\", temp FROM latest.sensors ORDER BY temp DESC LIMIT 5")))
                    .containsExactly(List.of("b", 10.0), List.of("a", 5.0));
            assertThat(rows(s.executeQuery("SELECT count(*) AS n FROM latest.big"))).containsExactly(List.of(10L));
            assertThat(failure(c, "SELECT \"rtId\" FROM latest.nowhere").getSQLState()).isEqualTo("42P01");
        }
    }

    @Test
    void timeFunctions_zoneAwareBuckets_sameOnEveryEngine() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            // 2025-01-01T00:00Z is 01:00 in Berlin (its hour starts at 00:00Z) and 19:00 the day before in New York.
            ResultSet berlin = s.executeQuery("SELECT date_trunc('hour', \"timestamp\", 'Europe/Berlin') AS h, "
                    + "count(*) AS n FROM sensors GROUP BY 1 ORDER BY 1");
            assertThat(berlin.getMetaData().getColumnTypeName(1)).isEqualTo("timestamptz");
            assertThat(berlin.next()).isTrue();
            assertThat(berlin.getObject(1, OffsetDateTime.class).toInstant()).isEqualTo(T0);
            assertThat(berlin.getLong(2)).isEqualTo(4);
            assertThat(rows(s.executeQuery("SELECT count(*) FROM sensors WHERE date_trunc('day', \"timestamp\", "
                    + "'America/New_York') = TIMESTAMPTZ '2024-12-31 05:00:00+00'"))).containsExactly(List.of(4L));
            assertThat(rows(s.executeQuery("SELECT extract(hour FROM \"timestamp\" AT TIME ZONE 'Asia/Kolkata') "
                    + "AS h FROM sensors LIMIT 1")).get(0).get(0).toString()).startsWith("5");
        }
    }

    @Test
    void catalog_pgjdbcMetadataAndVersion_theTenantsTablesOnly() throws Exception {
        try (Connection c = connect(token); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, null, "%", null)) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
                }
            }
            assertThat(tables).contains("acme.sensors", "acme.big", "acme.sensors_1m")
                    .noneMatch(t -> t.contains("secrets") || t.contains("beta"));
            Map<String, String> columns = new LinkedHashMap<>();
            try (ResultSet rs = c.getMetaData().getColumns(null, "acme", "sensors", "%")) {
                while (rs.next()) {
                    columns.put(rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME"));
                }
            }
            assertThat(columns).containsEntry("timestamp", "timestamptz").containsEntry("rtId", "text")
                    .containsEntry("temp", "float8").containsEntry("count", "int8");
            assertThat(rows(s.executeQuery("SELECT version()")).get(0).get(0).toString()).startsWith("PostgreSQL");
            assertThat(rows(s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    + "'beta' OR table_name = 'secrets'"))).isEmpty();
            assertThat(failure(c, "SELECT n.nspname FROM pg_catalog.pg_namespace n, sensors").getSQLState())
                    .isEqualTo("0A000");
        }
    }

    @Test
    void psql_describeCommands_answerFromTheCatalog() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/psql")), "psql is not installed at /usr/bin/psql "
                + "(Debian: apt-get install postgresql-client)");
        String url = "postgresql://acme@127.0.0.1:" + f.server.sqlPort() + "/acme?sslmode=disable";
        assertThat(psql(url, "-c", "\\dt")).contains("sensors").contains("sensors_1m").doesNotContain("secrets");
        assertThat(psql(url, "-c", "\\d sensors")).contains("timestamp").contains("timestamp with time zone")
                .contains("double precision");
    }

    @Test
    void tls_configured_sslmodeRequireConnects() throws Exception {
        Path[] pem = selfSignedPem(dir);
        TidemarkServer s = server(b -> b.sqlTls(pem[0], pem[1]));
        try (Connection c = connect(s.sqlPort(), "acme", token, "?sslmode=require");
                Statement st = c.createStatement()) {
            assertThat(rows(st.executeQuery("SELECT count(*) FROM sensors"))).containsExactly(List.of(4L));
        }
        SQLException plain = catchThrowableOfType(SQLException.class,
                () -> connect(f.server.sqlPort(), "acme", token, "?sslmode=require").close());
        assertThat((Throwable) plain).as("no TLS configured on the main server").isNotNull();
    }

    @Test
    void psql_selectAndCopy() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/psql")), "psql is not installed at /usr/bin/psql "
                + "(Debian: apt-get install postgresql-client)");
        String url = "postgresql://acme@127.0.0.1:" + f.server.sqlPort() + "/acme?sslmode=disable";
        assertThat(psql(url, "-c", "SELECT \"rtId\", temp FROM sensors ORDER BY \"timestamp\" LIMIT 2"))
                .contains("a    |  1.5").contains("(2 rows)");
        assertThat(psql(url, "-c", "\\copy (SELECT \"rtId\", count FROM sensors ORDER BY \"timestamp\") to stdout csv"))
                .isEqualTo("a,10\na,20\nb,30\na,40\n");
    }

    private String psql(String url, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/psql", "-X", "-v", "ON_ERROR_STOP=1", url));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", token);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** A key and self-signed certificate made by the JDK's keytool, written as PEM files: {key, certificate}. */
    static Path[] selfSignedPem(Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Path key = dir.resolve("server.key");
        Path cert = dir.resolve("server.crt");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(ks.getKey("server",
                "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(ks.getCertificate("server")
                .getEncoded()) + "\n-----END CERTIFICATE-----\n");
        return new Path[] {key, cert};
    }

    /** The answer to {@link RawClient#extended}: the rows' text values, or the error ("SQLSTATE: message"). */
    private record Answer(List<List<String>> rows, String error) {}

    /** Just enough of the frontend protocol to log in, send a simple query and then stop reading. */
    private static final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;

        RawClient(int port, String user, String password) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setReceiveBufferSize(8192);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
            byte[] params = ("user\0" + user + "\0database\0" + user + "\0\0").getBytes(StandardCharsets.UTF_8);
            out.writeInt(8 + params.length);
            out.writeInt(196608);
            out.write(params);
            out.flush();
            assertThat(readUntil('R')).isEqualTo(3);
            byte[] pw = (password + "\0").getBytes(StandardCharsets.UTF_8);
            out.writeByte('p');
            out.writeInt(4 + pw.length);
            out.write(pw);
            out.flush();
            readUntil('Z');
        }

        void query(String sql) throws IOException {
            byte[] q = (sql + "\0").getBytes(StandardCharsets.UTF_8);
            out.writeByte('Q');
            out.writeInt(4 + q.length);
            out.write(q);
            out.flush();
        }

        /**
         * One statement through the extended protocol as clients that write {@code $n} themselves send it (pgx,
         * psycopg, asyncpg; pgjdbc numbers only {@code ?}): Parse of the unnamed statement with the declared type
         * OIDs (0: left to the server), Bind with text parameters and text results, Describe, Execute, Sync.
         */
        Answer extended(String sql, int[] oids, String... parameters) throws IOException {
            ByteArrayOutputStream parse = new ByteArrayOutputStream();
            DataOutputStream p = new DataOutputStream(parse);
            p.write(cstring(""));
            p.write(cstring(sql));
            p.writeShort(oids.length);
            for (int oid : oids) {
                p.writeInt(oid);
            }
            send('P', parse.toByteArray());
            ByteArrayOutputStream bind = new ByteArrayOutputStream();
            DataOutputStream b = new DataOutputStream(bind);
            b.write(cstring(""));
            b.write(cstring(""));
            b.writeShort(0);
            b.writeShort(parameters.length);
            for (String parameter : parameters) {
                byte[] value = parameter.getBytes(StandardCharsets.UTF_8);
                b.writeInt(value.length);
                b.write(value);
            }
            b.writeShort(0);
            send('B', bind.toByteArray());
            send('D', new byte[] {'P', 0});
            send('E', new byte[] {0, 0, 0, 0, 0});
            send('S', new byte[0]);
            out.flush();
            List<List<String>> rows = new ArrayList<>();
            String error = null;
            while (true) {
                int t = in.readByte();
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                if (t == 'D') {
                    rows.add(dataRow(body));
                } else if (t == 'E' && error == null) {
                    error = errorFields(body);
                } else if (t == 'Z') {
                    return new Answer(rows, error);
                }
            }
        }

        private void send(char type, byte[] body) throws IOException {
            out.writeByte(type);
            out.writeInt(4 + body.length);
            out.write(body);
        }

        private static byte[] cstring(String s) {
            return (s + "\0").getBytes(StandardCharsets.UTF_8);
        }

        private static List<String> dataRow(byte[] body) throws IOException {
            DataInputStream row = new DataInputStream(new java.io.ByteArrayInputStream(body));
            List<String> values = new ArrayList<>();
            for (int n = row.readShort(), i = 0; i < n; i++) {
                int length = row.readInt();
                byte[] value = length < 0 ? null : row.readNBytes(length);
                values.add(value == null ? null : new String(value, StandardCharsets.UTF_8));
            }
            return values;
        }

        /** "SQLSTATE: message" of an ErrorResponse. */
        private static String errorFields(byte[] body) {
            String state = null;
            String message = null;
            int i = 0;
            while (i < body.length && body[i] != 0) {
                byte code = body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                String value = new String(body, i, end - i, StandardCharsets.UTF_8);
                state = code == 'C' ? value : state;
                message = code == 'M' ? value : message;
                i = end + 1;
            }
            return state + ": " + message;
        }

        /** Reads messages up to one of {@code type}; answers the first int32 of its body. */
        int readUntil(char type) throws IOException {
            while (true) {
                int t = in.readByte();
                int length = in.readInt();
                byte[] body = new byte[length - 4];
                in.readFully(body);
                if (t == 'E') {
                    throw new IOException("server error: " + new String(body, StandardCharsets.UTF_8));
                }
                if (t == type) {
                    return body.length >= 4 ? ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16)
                            | ((body[2] & 0xff) << 8) | (body[3] & 0xff) : 0;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
