package io.tidemark.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreProvider;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.jdbc.JdbcStore;

/** PostgreSQL 14 or later: {@code jdbc:postgresql://host:5432/db}. */
public final class PostgresStoreProvider implements StoreProvider {
    private static final String PREFIX = "jdbc:postgresql:";

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public boolean accepts(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.startsWith(PREFIX);
    }

    @Override
    public Store open(StoreConfig config) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setMaximumPoolSize(config.poolSize());
        hc.setPoolName("tidemark-store");
        hc.setAutoCommit(true);
        bound(hc, config.timeouts());
        String where = config.jdbcUrl().replaceAll("password=[^&]*", "password=***");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new TidemarkException(ErrorCode.STORE_ERROR, "cannot connect to PostgreSQL at " + where + ": "
                    + e.getMessage(), e);
        }
        return new JdbcStore(new PostgresEngine(pool, where), config.clock(), config.timeouts());
    }

    /**
     * Every wait bounded: the pool's acquire and validation, pgjdbc's connect, login and socket reads, and the
     * server's {@code statement_timeout} and {@code lock_timeout}, set for every connection of the pool as startup
     * options. A socket read outlasts a statement that waited for its locks, so only a peer that stopped answering
     * hits it.
     */
    static void bound(HikariConfig hc, StoreTimeouts t) {
        hc.setConnectionTimeout(t.acquire().toMillis());
        hc.setValidationTimeout(Math.max(250, Math.min(t.acquire().toMillis() / 2, 1000)));
        hc.addDataSourceProperty("connectTimeout", StoreTimeouts.seconds(t.acquire()));
        hc.addDataSourceProperty("loginTimeout", StoreTimeouts.seconds(t.acquire()));
        hc.addDataSourceProperty("socketTimeout", StoreTimeouts.seconds(t.socket()));
        hc.addDataSourceProperty("options", "-c statement_timeout=" + t.statement().toMillis() + " -c lock_timeout="
                + t.lock().toMillis());
    }
}
