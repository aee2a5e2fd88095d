package io.tidemark.server.sql;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveEngine;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.auth.Authenticator;
import io.tidemark.sql.catalog.CatalogDatabase;
import io.tidemark.sql.wire.PgWireServer;
import io.tidemark.store.Store;
import java.io.IOException;
import java.net.BindException;
import java.util.Locale;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL endpoint of {@code tidemark serve}: PostgreSQL's wire protocol ({@link PgWireServer}) on {@code sql.port},
 * bound to the HTTP server's address, in front of the store's tenant SQL and the live engine's snapshots. Clients log
 * in with a Tidemark token as the password; every statement passes the read-only guard. docs/sql.md describes it for
 * users.
 *
 * <p>Lifecycle: {@link #start} binds and accepts; {@link #close()} closes every connection (their statements are
 * cancelled and their cursors closed) and stops the threads. Thread-safe.
 */
public final class SqlEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqlEndpoint.class);

    private final PgWireServer server;
    private final ScheduledExecutorService timers;
    private final CatalogDatabase catalog;

    private SqlEndpoint(PgWireServer server, ScheduledExecutorService timers, CatalogDatabase catalog) {
        this.catalog = catalog;
        this.server = server;
        this.timers = timers;
    }

    /**
     * Binds {@code sql.port} on {@code host} and starts accepting.
     *
     * @throws TidemarkException {@code UNAVAILABLE} naming the port when it is taken, {@code INVALID_ARGUMENT} for a
     *     TLS key or certificate that cannot be used
     */
    public static SqlEndpoint start(String host, ServerConfig.Sql config, Store store, LiveEngine live,
            MeterRegistry meters) {
        SSLContext tls = config.tls() ? PemTls.context(config.tlsKey(), config.tlsCertificate()) : null;
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tidemark-sql-timeouts");
            t.setDaemon(true);
            return t;
        });
        // One timeout task per statement, cancelled when it ends: drop those at once rather than after 30 s.
        timers.setRemoveOnCancelPolicy(true);
        CatalogDatabase catalog = CatalogDatabase.create(new CatalogDatabase.Limits(
                CatalogDatabase.Limits.DEFAULT.maxShadows(), config.statementTimeout(),
                CatalogDatabase.Limits.DEFAULT.maxRows()));
        SqlContext context = new SqlContext(store, live, config, new TenantSlots(
                config.maxConcurrentStatementsPerTenant()), new SqlMetrics(meters), timers, catalog);
        PgWireServer server;
        try {
            server = PgWireServer.builder(new TokenSqlBackend(new Authenticator(store.tokens()), context)).host(host)
                    .port(config.port()).maxConnections(config.maxConnections()).idleTimeout(config.idleTimeout())
                    .sslContext(tls).start();
        } catch (IOException e) {
            timers.shutdownNow();
            catalog.close();
            throw bindFailure(host, config.port(), e);
        }
        Gauge.builder(SqlMetrics.CONNECTIONS, server, PgWireServer::connectionCount)
                .description("open SQL (PostgreSQL protocol) connections").register(meters);
        LOG.atInfo().addKeyValue("host", host).addKeyValue("port", server.port()).addKeyValue("tls", tls != null)
                .log("SQL endpoint (PostgreSQL wire protocol) listening");
        return new SqlEndpoint(server, timers, catalog);
    }

    private static TidemarkException bindFailure(String host, int port, IOException e) {
        String where = "SQL port " + port + " on " + host;
        if (e instanceof BindException b && String.valueOf(b.getMessage()).toLowerCase(Locale.ROOT).contains("in use")) {
            return new TidemarkException(ErrorCode.UNAVAILABLE, where + " is in use; stop the other process or set "
                    + "sql.port (--sql-port), or sql.enabled=false");
        }
        return new TidemarkException(ErrorCode.UNAVAILABLE, "cannot listen on " + where + " (" + e.getMessage()
                + "); check --host and sql.port");
    }

    /** The bound port (the free one picked when {@code sql.port} is 0). */
    public int port() {
        return server.port();
    }

    /** Open client connections. */
    public int connections() {
        return server.connectionCount();
    }

    /** Closes every connection and stops accepting; idempotent. */
    @Override
    public void close() {
        server.close();
        timers.shutdownNow();
        catalog.close();
    }
}
