package io.tidemark.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One statement for {@link TenantSql#query}.
 *
 * @param sql a single read-only statement, tables already in the engine's names, parameters as JDBC's {@code ?}
 * @param binds one value per {@code ?}, in order: null, {@link String} (sent untyped where the engine allows, so it
 *     takes the type the statement needs), {@link Long}, {@link Integer}, {@link Double}, {@link Boolean},
 *     {@link java.math.BigDecimal} or {@link java.time.Instant}
 * @param timeout how long the statement may run (PostgreSQL: {@code statement_timeout}, which bounds each round of
 *     fetching; both engines: JDBC's query timeout, in whole seconds, for starting it)
 * @param fetchSize rows per round trip of the cursor (PostgreSQL streams only with a positive fetch size)
 */
public record SqlQuery(String sql, List<Object> binds, Duration timeout, int fetchSize) {
    public SqlQuery {
        Objects.requireNonNull(sql, "sql");
        binds = Collections.unmodifiableList(new ArrayList<>(binds));
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the statement timeout must be positive: " + timeout);
        }
        if (fetchSize < 1) {
            throw new IllegalArgumentException("the fetch size must be positive: " + fetchSize);
        }
    }
}
