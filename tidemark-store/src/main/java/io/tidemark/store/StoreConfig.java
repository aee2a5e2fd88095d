package io.tidemark.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open a store.
 *
 * @param jdbcUrl {@code jdbc:duckdb:/path/file.duckdb} or {@code jdbc:postgresql://host/db}
 * @param user database user, or null
 * @param password database password, or null
 * @param poolSize connections for pooled providers (PostgreSQL)
 */
public record StoreConfig(String jdbcUrl, String user, String password, int poolSize) {
    public StoreConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (poolSize < 1) {
            poolSize = 8;
        }
    }

    public static StoreConfig of(String jdbcUrl) {
        return new StoreConfig(jdbcUrl, null, null, 8);
    }

    /** The embedded default: one DuckDB file, {@code tidemark.duckdb}, in {@code dataDir}. */
    public static StoreConfig embedded(Path dataDir) {
        return of("jdbc:duckdb:" + dataDir.toAbsolutePath().resolve("tidemark.duckdb"));
    }

    @Override
    public String toString() {
        return "StoreConfig[" + jdbcUrl + (user == null ? "" : ", user=" + user) + "]";
    }
}
