package io.tidemark.bench;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.auth.Tokens;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A Tidemark server for the ingest benchmarks, in-process on a loopback port with its default settings (the SQL
 * endpoint on a free port, no bootstrap token, rollups idle): archives of {@code (a DOUBLE, b DOUBLE)}, writers'
 * connections in either body format, and the stored row count read back through the SQL endpoint (exact on every
 * engine, unlike {@code archiveStats}' estimate on PostgreSQL).
 */
final class TidemarkTarget implements AutoCloseable {
    static final TenantId TENANT = TenantId.of("bench");

    private final TidemarkServer server;
    private final String token;
    private final TidemarkClient client;

    private TidemarkTarget(TidemarkServer server) {
        this.server = server;
        this.token = Tokens.issue(server.store(), TENANT, Role.ADMIN, "bench", Instant.now()).secret();
        this.client = TidemarkClient.create(ConnectionConfig.builder(server.uri()).token(token).build());
    }

    /**
     * Starts a server on embedded DuckDB in {@code dataDir}, or on {@code jdbcUrl} when it is not null.
     */
    static TidemarkTarget start(Path dataDir, String jdbcUrl) {
        return start(dataDir, jdbcUrl, b -> { });
    }

    /**
     * As {@link #start(Path, String)}, with {@code more} applied to the configuration last (e.g. the
     * {@code cluster.*} settings of {@code bench cluster}).
     */
    static TidemarkTarget start(Path dataDir, String jdbcUrl, java.util.function.Consumer<ServerConfig.Builder> more) {
        ServerConfig.Builder b = ServerConfig.builder().host("127.0.0.1").port(0).sqlPort(0).dataDir(dataDir)
                .bootstrapToken(false).rollupInterval(Duration.ofHours(1));
        if (jdbcUrl != null) {
            b.jdbcUrl(jdbcUrl);
        }
        more.accept(b);
        return new TidemarkTarget(TidemarkServer.builder(b.build()).build().start());
    }

    /** Creates and activates an archive of two DOUBLE columns {@code a}, {@code b}. */
    void createArchive(String name) {
        client.createArchive(name, new LinkedHashMap<>(Map.of("a", "DOUBLE", "b", "DOUBLE")));
        client.activateArchive(name);
    }

    TidemarkServer server() {
        return server;
    }

    /** A Java client with {@link #token()}. */
    TidemarkClient client() {
        return client;
    }

    /** The admin token of {@link #TENANT}. */
    String token() {
        return token;
    }

    URI uri() {
        return server.uri();
    }

    /**
     * A writer's connection for {@code archive}: NDJSON to {@code /api/v1/archives/{archive}/samples} (answered
     * 200), or line protocol to {@code /api/v2/write?precision=ms} with the archive as the measurement (answered
     * 204) and the token as InfluxDB clients send it.
     */
    HttpPoster poster(GatewayLoad.Format format, String archive, Duration timeout) {
        if (format == GatewayLoad.Format.NDJSON) {
            return new HttpPoster(uri(), "/api/v1/archives/" + URLEncoder.encode(archive, StandardCharsets.UTF_8)
                    + "/samples", timeout, "Authorization: Bearer " + token, "Content-Type: application/x-ndjson");
        }
        return new HttpPoster(uri(), "/api/v2/write?org=bench&bucket=bench&precision=ms", timeout,
                "Authorization: Token " + token, "Content-Type: text/plain; charset=utf-8");
    }

    /** The success status of {@code format}'s endpoint. */
    static int success(GatewayLoad.Format format) {
        return format == GatewayLoad.Format.NDJSON ? 200 : 204;
    }

    /** Rows stored in {@code archive}, counted by the SQL endpoint. */
    long count(String archive) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", TENANT.value());
        p.setProperty("password", token);
        String url = "jdbc:postgresql://127.0.0.1:" + server.sqlPort() + "/" + TENANT.value();
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + archive + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
