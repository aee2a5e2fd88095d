package io.tidemark.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * How to open a store.
 *
 * @param jdbcUrl {@code jdbc:duckdb:/path/file.duckdb} or {@code jdbc:postgresql://host/db}
 * @param user database user, or null
 * @param password database password, or null
 * @param poolSize connections for pooled providers (PostgreSQL)
 * @param clock the store's time source: when a stale range was recorded, and "now" for an archive's
 *     {@code maxLateness}; default {@link Clock#systemUTC()}
 * @param timeouts the bounds of every wait on the store; default {@link StoreTimeouts#DEFAULT}
 */
public record StoreConfig(String jdbcUrl, String user, String password, int poolSize, Clock clock,
        StoreTimeouts timeouts) {
    public StoreConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (poolSize < 1) {
            poolSize = 8;
        }
        if (clock == null) {
            clock = Clock.systemUTC();
        }
        if (timeouts == null) {
            timeouts = StoreTimeouts.DEFAULT;
        }
    }

    /** A configuration with the default timeouts. */
    public StoreConfig(String jdbcUrl, String user, String password, int poolSize, Clock clock) {
        this(jdbcUrl, user, password, poolSize, clock, StoreTimeouts.DEFAULT);
    }

    /** A configuration with the system clock. */
    public StoreConfig(String jdbcUrl, String user, String password, int poolSize) {
        this(jdbcUrl, user, password, poolSize, Clock.systemUTC());
    }

    public static StoreConfig of(String jdbcUrl) {
        return new StoreConfig(jdbcUrl, null, null, 8);
    }

    /** The embedded default: one DuckDB file, {@code tidemark.duckdb}, in {@code dataDir}. */
    public static StoreConfig embedded(Path dataDir) {
        return of("jdbc:duckdb:" + dataDir.toAbsolutePath().resolve("tidemark.duckdb"));
    }

    public StoreConfig withClock(Clock c) {
        return new StoreConfig(jdbcUrl, user, password, poolSize, c, timeouts);
    }

    public StoreConfig withTimeouts(StoreTimeouts t) {
        return new StoreConfig(jdbcUrl, user, password, poolSize, clock, t);
    }

    @Override
    public String toString() {
        return "StoreConfig[" + jdbcUrl + (user == null ? "" : ", user=" + user) + "]";
    }
}
