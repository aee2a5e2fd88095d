package io.tidemark.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.Stores;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DuckDB's bounded waits: the single-writer lock and the statement timeout end in STORE_UNAVAILABLE. */
@Timeout(120)
class DuckDbWaitsIT {
    private static final StoreTimeouts SHORT = new StoreTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofMillis(300));

    @TempDir
    Path dir;
    private Store store;
    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void close() {
        pool.shutdownNow();
        if (store != null) {
            store.close();
        }
    }

    @Test
    void write_writerLockHeldPastLockTimeout_storeUnavailableAndNothingWritten() throws Exception {
        store = Stores.open(StoreConfig.embedded(dir).withTimeouts(SHORT));
        JdbcStore jdbc = (JdbcStore) store;
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> holder = pool.submit(() -> jdbc.inTransaction("hold the writer lock", c -> {
            holding.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(holding.await(60, TimeUnit.SECONDS)).isTrue();

        TidemarkException e = catchThrowableOfType(TidemarkException.class,
                () -> store.createTenant(TenantId.of("late")));

        release.countDown();
        holder.get(60, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
        assertThat(e.getMessage()).contains("writer lock", "PT0.3S", "store.lock-timeout");
        assertThat(store.tenants()).doesNotContain(TenantId.of("late"));
        store.createTenant(TenantId.of("late"));
        assertThat(store.tenants()).contains(TenantId.of("late"));
    }

    @Test
    void read_statementPastStatementTimeout_interruptedAsStoreUnavailable() {
        store = Stores.open(StoreConfig.embedded(dir).withTimeouts(SHORT));
        JdbcStore jdbc = (JdbcStore) store;

        TidemarkException e = catchThrowableOfType(TidemarkException.class, () -> jdbc.read("slow query", c -> {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM range(1000000000000) t(x) WHERE x % 7 = 3")) {
                rs.next();
                return rs.getLong(1);
            }
        }));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
        store.ping();
    }
}
