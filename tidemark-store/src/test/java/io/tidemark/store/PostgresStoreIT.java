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
                Future<Integer> write = pool.submit(() -> store.streamData().write(T, "sensors",
                        List.of(sample("a", T0, 2), sample("b", T0, 3))));
                awaitBlockedOnLock();
                other.commit();
                assertThat(write.get(30, TimeUnit.SECONDS)).isEqualTo(2);
            } finally {
                pool.shutdownNow();
            }
        }
        List<Sample> rows = store.streamData().read(T, new ReadRequest("sensors", List.of(), T0, T0.plusSeconds(1), 10));
        assertThat(rows).extracting(r -> r.rtId() + "@" + r.values().get("temp")).containsExactly("a@2.0", "b@3.0");
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
    protected Store reopen(Store s) {
        s.close();
        return TestStores.open(url);
    }
}
