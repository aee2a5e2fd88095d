package io.tidemark.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** An embedded PostgreSQL server for a benchmark run (binaries from Maven Central, bound to localhost). */
final class BenchPostgres implements AutoCloseable {
    private final EmbeddedPostgres pg;
    private int databases;

    private BenchPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    static BenchPostgres start() throws IOException {
        return new BenchPostgres(EmbeddedPostgres.builder().setServerConfig("shared_buffers", "1GB")
                .setServerConfig("max_wal_size", "8GB").setServerConfig("work_mem", "256MB").start());
    }

    /** A new empty database, as a JDBC URL. */
    String newDatabase() throws SQLException {
        String name = "bench_" + (++databases);
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return pg.getJdbcUrl("postgres", name);
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
