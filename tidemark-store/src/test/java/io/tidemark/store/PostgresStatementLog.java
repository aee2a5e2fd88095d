package io.tidemark.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * An embedded PostgreSQL of its own that logs every statement it runs ({@code log_statement = all}) as CSV
 * ({@code csvlog}), so a test can read back what a store sent, grouped by transaction: PostgreSQL's virtual
 * transaction id (a backend's number and its local transaction counter) names exactly one transaction, whether
 * opened by {@code BEGIN} or a single statement in auto-commit mode. {@code COPY} and {@code DO} are logged like any
 * other statement, which a wrapper around the JDBC driver would miss ({@code COPY} goes through pgjdbc's copy API).
 *
 * <p>Not the shared {@link TestStores} server: logging every statement of every test would slow the suite. Stopped
 * with {@link #close()}.
 */
final class PostgresStatementLog implements AutoCloseable {
    /** The application name of the connections whose statements are read back ({@code ApplicationName}). */
    static final String STORE_APP = "tidemark-under-contract";
    private static final String MARKER_APP = "tidemark-contract-marker";
    private static final String MARK = "tidemark-contract-step:";
    private static final Duration FLUSH_BOUND = Duration.ofSeconds(20);
    /** csvlog columns (PostgreSQL 14), zero-based. */
    private static final int DATABASE = 2;
    private static final int SESSION = 5;
    private static final int VXID = 9;
    private static final int SEVERITY = 11;
    private static final int MESSAGE = 13;
    private static final int DETAIL = 14;
    private static final int APPLICATION = 22;
    private static final Pattern LOGGED = Pattern.compile("(?s)^(?:statement|execute [^:]+): (.*)$");
    private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+) = (NULL|'(?:[^']|'')*')");

    private final Path dir;
    private final EmbeddedPostgres pg;
    private final AtomicInteger databases = new AtomicInteger();
    private final AtomicInteger marks = new AtomicInteger();

    PostgresStatementLog(Path dir) {
        this.dir = dir;
        try {
            pg = EmbeddedPostgres.builder()
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_destination", "csvlog")
                    .setServerConfig("log_directory", dir.toAbsolutePath().toString())
                    .setServerConfig("log_filename", "statements.log")
                    .setServerConfig("log_rotation_age", "0")
                    .setServerConfig("log_rotation_size", "0")
                    .setServerConfig("log_statement", "all")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL with a statement log", e);
        }
    }

    /** A new, empty database; its JDBC URL, whose connections are logged as {@link #STORE_APP}. */
    String newDatabase() {
        String name = "contract_" + databases.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return pg.getJdbcUrl("postgres", name) + "&ApplicationName=" + STORE_APP;
    }

    /**
     * Writes a step marker into the log from a connection of its own: every statement logged before it was sent
     * before it, so the statements read back between two markers belong to the step the first one names.
     */
    void mark(String jdbcUrl, String step) {
        try (Connection c = DriverManager.getConnection(otherApplication(jdbcUrl)); Statement s = c.createStatement()) {
            s.execute("SELECT '" + MARK + step.replace("'", "''") + "#" + marks.incrementAndGet() + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the marker of step " + step, e);
        }
    }

    /** The database's URL for connections whose statements are not read back (setting up a test's fixture). */
    String otherApplication(String jdbcUrl) {
        return jdbcUrl.replace("ApplicationName=" + STORE_APP, "ApplicationName=" + MARKER_APP);
    }

    /** A statement as the server logged it: its text ({@code $n} placeholders) and the values bound to them. */
    record Logged(String step, String sql, Map<Integer, String> parameters) {}

    /** The statements of one transaction, in order. */
    record Transaction(String id, String step, List<Logged> statements) {}

    /**
     * Every transaction that {@link #STORE_APP} connections ran on {@code database}, in the order each began, each
     * with the step it ran in; waits (bounded) until the log holds a marker written now, so nothing is missing.
     */
    List<Transaction> transactions(String jdbcUrl) {
        String database = jdbcUrl.replaceAll("^.*/([^/?]+)\\?.*$", "$1");
        String end = "end";
        mark(jdbcUrl, end);
        String last = MARK + end + "#" + marks.get();
        Awaitility.await("the statement log holds marker " + last).atMost(FLUSH_BOUND)
                .pollInterval(Duration.ofMillis(50)).until(() -> read().contains(last));
        Map<String, Transaction> out = new LinkedHashMap<>();
        String step = "(before the first marker)";
        for (List<String> row : csv(read())) {
            if (row.size() <= APPLICATION || !database.equals(row.get(DATABASE))) {
                continue;
            }
            Matcher m = LOGGED.matcher(row.get(MESSAGE));
            if (!"LOG".equals(row.get(SEVERITY)) || !m.matches()) {
                continue;
            }
            String sql = m.group(1).strip();
            if (MARKER_APP.equals(row.get(APPLICATION))) {
                int at = sql.indexOf(MARK);
                if (at >= 0) {
                    step = sql.substring(at + MARK.length(), sql.lastIndexOf('#'));
                }
                continue;
            }
            if (!STORE_APP.equals(row.get(APPLICATION))) {
                continue;
            }
            String id = row.get(SESSION) + "/" + row.get(VXID);
            String at = step;
            out.computeIfAbsent(id, k -> new Transaction(k, at, new ArrayList<>())).statements()
                    .add(new Logged(at, sql, parameters(row.get(DETAIL))));
        }
        return List.copyOf(out.values());
    }

    private static Map<Integer, String> parameters(String detail) {
        Map<Integer, String> out = new LinkedHashMap<>();
        if (detail == null || !detail.startsWith("parameters: ")) {
            return out;
        }
        Matcher m = PARAMETER.matcher(detail);
        while (m.find()) {
            String v = m.group(2);
            out.put(Integer.parseInt(m.group(1)), v.equals("NULL") ? null
                    : v.substring(1, v.length() - 1).replace("''", "'"));
        }
        return out;
    }

    private String read() {
        try (var files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path p : files.filter(f -> f.toString().endsWith(".csv")).sorted().toList()) {
                sb.append(Files.readString(p, StandardCharsets.UTF_8));
            }
            return sb.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the statement log in " + dir, e);
        }
    }

    /** RFC 4180 rows: fields quoted with {@code "} (doubled inside), which may hold commas and line breaks. */
    static List<List<String>> csv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> quoted = true;
                case ',' -> {
                    row.add(field.toString());
                    field.setLength(0);
                }
                case '\n' -> {
                    row.add(field.toString());
                    field.setLength(0);
                    rows.add(row);
                    row = new ArrayList<>();
                }
                default -> field.append(c);
            }
        }
        return rows;
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
