package io.tidemark.rollup;

import static io.tidemark.rollup.TestData.ACME;
import static io.tidemark.rollup.TestData.T0;
import static io.tidemark.rollup.TestData.randomSamples;
import static io.tidemark.rollup.TestData.sample;
import static io.tidemark.rollup.TestData.sums;
import static io.tidemark.rollup.TestData.tickUntilIdle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.store.StaleRange;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PostgresLateDataIT extends AbstractLateDataIT {
    private String url;

    @Override
    protected Store newStore() {
        url = TestStores.postgresDatabase();
        return TestStores.open(url, clock);
    }

    /** A second pool on the same database, as a second Tidemark node would open it. */
    @Override
    protected Store secondStore() {
        return TestStores.open(url, clock);
    }

    /**
     * Issue 10 item 1, made deterministic: a recompute holds the rollup's state row while a late write waits for it,
     * then consumes the stale range and commits. The writer's late sample lies in that range and was not seen by the
     * recompute (not committed yet): the writer must record its bucket again, not take the consumed range for still
     * present. The "recompute" is played by a second connection so the writer is known to wait in between.
     */
    @Test
    void write_waitsForRecomputeThatConsumesItsRange_bucketMarkedAgainNotLost() throws Exception {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(randomSamples(new Random(11), T0, Duration.ofHours(1), 100));
        clock.set(T0.plus(Duration.ofHours(2)));
        RollupOrchestrator o = RollupOrchestrator.builder(store, ACME).clock(clock).config(OrchestratorConfig.DEFAULT)
                .meterRegistry(registry).build();
        tickUntilIdle(o);
        Instant bucket = T0.plus(Duration.ofMinutes(10));
        f.write(List.of(sample("r0", bucket.plusSeconds(5), 1.5)));
        assertThat(store.rollups().staleRanges(f.id("m1"))).extracting(StaleRange::from).containsExactly(bucket);

        CompletableFuture<Void> write;
        try (Connection recompute = DriverManager.getConnection(url)) {
            recompute.setAutoCommit(false);
            execute(recompute, "SELECT watermark FROM tidemark.rollups WHERE tenant = 'acme' AND name = 'm1' "
                    + "FOR UPDATE");
            write = CompletableFuture.runAsync(() -> f.write(List.of(sample("r1", bucket.plusSeconds(20), 7.25))));
            awaitLockWait(recompute);
            execute(recompute, "DELETE FROM tidemark.stale_ranges WHERE tenant = 'acme' AND rollup = 'm1'");
            recompute.commit();
        }
        write.get(30, TimeUnit.SECONDS);

        assertThat(store.rollups().staleRanges(f.id("m1"))).as("the waiting writer's bucket")
                .extracting(StaleRange::from).containsExactly(bucket);
        tickUntilIdle(o);
        f.assertConverged("m1");
    }

    /**
     * A deadlock between a write and another transaction aborts the write's transaction; the store runs it again
     * instead of failing a valid batch. The other transaction holds the stored row the write replaces and then asks
     * for the rollup's state row, which the write holds shared; its own deadlock_timeout is long, so PostgreSQL's
     * detector runs in the writer and aborts the writer (40P01), not the other one.
     */
    @Test
    void write_abortedByDeadlock_runsAgainAndIsStored() throws Exception {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(randomSamples(new Random(12), T0, Duration.ofHours(1), 100));
        clock.set(T0.plus(Duration.ofHours(2)));
        RollupOrchestrator o = RollupOrchestrator.builder(store, ACME).clock(clock).config(OrchestratorConfig.DEFAULT)
                .meterRegistry(registry).build();
        tickUntilIdle(o);
        Instant key = T0.plus(Duration.ofMinutes(10)).plusSeconds(5);
        f.write(List.of(sample("r0", key, 1.5)));
        tickUntilIdle(o);

        CompletableFuture<Void> write;
        try (Connection other = DriverManager.getConnection(url)) {
            other.setAutoCommit(false);
            execute(other, "SET deadlock_timeout = '30s'");
            try (PreparedStatement ps = other.prepareStatement("UPDATE acme.raw SET v = 3.5 WHERE \"rtId\" = 'r0' "
                    + "AND \"timestamp\" = ?")) {
                ps.setObject(1, java.time.OffsetDateTime.ofInstant(key, java.time.ZoneOffset.UTC));
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            write = CompletableFuture.runAsync(() -> f.write(List.of(sample("r0", key, 2.5))));
            awaitLockWait(other);
            execute(other, "SELECT watermark FROM tidemark.rollups WHERE tenant = 'acme' AND name = 'm1' "
                    + "FOR UPDATE");
            other.commit();
        }
        write.get(60, TimeUnit.SECONDS);

        tickUntilIdle(o);
        f.assertConverged("m1");
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    /** Until another backend of this database waits for a lock (bounded: 30 s). */
    private static void awaitLockWait(Connection c) throws SQLException {
        String url = c.getMetaData().getURL();
        await("the writer waits for the rollup's state row").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    try (Connection probe = DriverManager.getConnection(url);
                            PreparedStatement ps = probe.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                                    + "WHERE datname = current_database() AND wait_event_type = 'Lock'");
                            ResultSet rs = ps.executeQuery()) {
                        return rs.next() && rs.getInt(1) > 0;
                    }
                });
    }
}
