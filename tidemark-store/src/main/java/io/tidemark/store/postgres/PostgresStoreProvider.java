package io.tidemark.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreProvider;
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
        String where = config.jdbcUrl().replaceAll("password=[^&]*", "password=***");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new TidemarkException(ErrorCode.STORE_ERROR, "cannot connect to PostgreSQL at " + where + ": "
                    + e.getMessage(), e);
        }
        return new JdbcStore(new PostgresEngine(pool, where), config.clock());
    }
}
