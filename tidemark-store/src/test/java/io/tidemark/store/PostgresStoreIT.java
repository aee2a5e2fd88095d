package io.tidemark.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import io.tidemark.core.Sample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresStoreIT extends StoreContract {
    private String url;

    @Override
    protected Store newStore() {
        url = TestStores.postgresDatabase();
        return TestStores.open(url);
    }

    /**
     * Pins the fallback of the direct COPY: another transaction inserts a key the batch also has, after the
     * batch's overlap check; the COPY hits the unique violation, rolls back to its savepoint, and upserts.
     */
    @Test
    void write_concurrentWriterInsertsSameFreshKey_copyFallsBackToUpsert() throws Exception {
        createActive(sensors());
        try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            s.execute("INSERT INTO acme.sensors (\"timestamp\", \"rtId\", temp) VALUES ('2024-03-31 00:00:00', 'a', 1)");
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> write = pool.submit(() -> store.archives().write(T, "sensors",
                        List.of(sample("a", T0, 2), sample("b", T0, 3))));
                awaitBlockedOnLock();
                other.commit();
                assertThat(write.get(30, TimeUnit.SECONDS)).isEqualTo(2);
            } finally {
                pool.shutdownNow();
            }
        }
        List<Sample> rows = store.archives().read(T, new ReadRequest("sensors", List.of(), T0, T0.plusSeconds(1), 10));
        assertThat(rows).extracting(r -> r.rtId() + "@" + r.values().get("temp")).containsExactly("a@2.0", "b@3.0");
    }

    /**
     * PostgreSQL's lock_timeout comes from the store's configuration: a write behind another session's lock on the
     * archive fails with STORE_UNAVAILABLE once the lock timeout passes, instead of waiting for the lock, and writes
     * nothing.
     */
    @Test
    void write_archiveLockedPastLockTimeout_storeUnavailableAndNothingWritten() throws Exception {
        createActive(sensors());
        Store bounded = Stores.open(new StoreConfig(url, null, null, 2, null, new StoreTimeouts(
                java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(30), java.time.Duration.ofMillis(300))));
        try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            s.execute("LOCK TABLE acme.sensors IN ACCESS EXCLUSIVE MODE");

            io.tidemark.core.TidemarkException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                    io.tidemark.core.TidemarkException.class, () -> bounded.archives().write(T, "sensors",
                            List.of(sample("a", T0, 1))));

            other.rollback();
            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(io.tidemark.core.ErrorCode.STORE_UNAVAILABLE);
        } finally {
            bounded.close();
        }
        assertThat(store.archives().read(T, new ReadRequest("sensors", List.of(), T0, T0.plusSeconds(1), 10)))
                .isEmpty();
    }

    /** Waits until some session of the test database waits for a lock (the COPY behind the open insert). */
    private void awaitBlockedOnLock() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (int i = 0; i < 3000; i++) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                        + "'Lock' AND datname = current_database()")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("the write never waited for the concurrent insert");
    }

    @Override
    protected void recordSchemaVersion(int version) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO tidemark.schema_version VALUES (" + version + ")");
        }
    }

    @Override
    protected void refuseRtIdBehindTheStoresBack(String archive, String rtId) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE acme." + archive + " ADD CONSTRAINT refused CHECK (\"rtId\" <> '" + rtId + "')");
        }
    }

    @Override
    protected Store reopen(Store s) {
        s.close();
        return TestStores.open(url);
    }
}
