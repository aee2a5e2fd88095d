package io.tidemark.store;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of every wait on the store. A wait past its bound fails with
 * {@link io.tidemark.core.ErrorCode#STORE_UNAVAILABLE}; nothing of the operation is written.
 *
 * @param acquire getting a connection: the pool's wait and the driver's connect and login (PostgreSQL: HikariCP
 *     {@code connectionTimeout}, pgjdbc {@code connectTimeout}/{@code loginTimeout}; a borrowed connection is
 *     validated within the same bound)
 * @param statement one statement (PostgreSQL {@code statement_timeout}, and pgjdbc's {@code socketTimeout} at
 *     statement + lock + acquire, so a dead peer that never answers is noticed too; DuckDB: the JDBC query timeout)
 * @param lock waiting for a lock (PostgreSQL {@code lock_timeout}; DuckDB: the store's single-writer lock)
 */
public record StoreTimeouts(Duration acquire, Duration statement, Duration lock) {
    /** 2 s to get a connection, 60 s per statement, 5 s per lock. */
    public static final StoreTimeouts DEFAULT = new StoreTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(60),
            Duration.ofSeconds(5));

    public StoreTimeouts {
        atLeast("acquire", acquire, Duration.ofMillis(250));
        atLeast("statement", statement, Duration.ofMillis(1));
        atLeast("lock", lock, Duration.ofMillis(1));
    }

    /** The bound of a socket read: a statement that waited for its locks on a connection just acquired. */
    public Duration socket() {
        return statement.plus(lock).plus(acquire);
    }

    /** {@code d} in whole seconds, rounded up (JDBC's query and login timeouts count seconds). */
    public static int seconds(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, (d.toMillis() + 999) / 1000);
    }

    private static void atLeast(String what, Duration d, Duration min) {
        Objects.requireNonNull(d, what);
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("store " + what + " timeout must be at least " + min + ", got " + d);
        }
    }
}
