package io.tidemark.rollup;

import static io.tidemark.rollup.TestData.ACME;
import static io.tidemark.rollup.TestData.GLOBEX;
import static io.tidemark.rollup.TestData.T0;
import static io.tidemark.rollup.TestData.sample;
import static io.tidemark.rollup.TestData.sums;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import io.tidemark.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background host on DuckDB (its scheduling does not depend on the engine). Waits are bounded latches on
 * events the host causes; nothing sleeps.
 */
class OrchestratorHostIT {
    private static final long WAIT_SECONDS = 30;

    @TempDir
    Path dir;
    private Store store;
    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Fixture acme;

    @BeforeEach
    void openStore() {
        store = TestStores.duckDb(dir);
        acme = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        acme.write(List.of(sample("a", "2024-03-30T00:00:01Z", 1), sample("b", "2024-03-30T00:30:00Z", 2)));
        clock.set(T0.plus(Duration.ofHours(1)));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void start_interval_ticksInTheBackgroundUntilStopped() throws Exception {
        InterceptingStore watched = new InterceptingStore(store);
        CountDownLatch twoRounds = new CountDownLatch(2);
        watched.onTenants = twoRounds::countDown;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        executor.setRemoveOnCancelPolicy(true);
        OrchestratorHost host = OrchestratorHost.builder(watched).interval(Duration.ofMillis(5)).clock(clock)
                .meterRegistry(registry).executor(executor).build();

        host.start();
        host.start();
        assertThat(twoRounds.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("two rounds started").isTrue();
        host.stop();
        host.stop();
        int rounds = watched.tenantListings.get();

        assertThat(acme.watermark("m1")).as("the first round ticked acme").isEqualTo(clock.instant());
        assertThat(host.isRunning()).isFalse();
        executor.shutdown();
        assertThat(executor.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(host.runOnce()).isZero();
        assertThat(watched.tenantListings.get()).as("no round after stop() returned").isEqualTo(rounds);
        assertThatThrownBy(host::start).isInstanceOfSatisfying(TidemarkException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE));
        acme.assertConverged("m1");
    }

    @Test
    void stop_duringATick_returnsOnlyAfterTheTickFinished() throws Exception {
        InterceptingStore blocking = new InterceptingStore(store);
        CountDownLatch inStatement = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        blocking.runtime.beforeAggregate = r -> {
            inStatement.countDown();
            awaitQuietly(release);
        };
        OrchestratorHost host = OrchestratorHost.builder(blocking).interval(Duration.ofHours(1)).clock(clock)
                .meterRegistry(registry).build();
        CompletableFuture<Void> stopping;
        try {
            host.start();
            assertThat(inStatement.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            stopping = CompletableFuture.runAsync(host::stop);
            assertThat(stopping).as("stop waits for the statement").isNotDone();
        } finally {
            release.countDown();
        }

        stopping.get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(acme.watermark("m1")).as("the tick finished before stop returned").isEqualTo(clock.instant());
        acme.assertConverged("m1");
    }

    @Test
    void runOnce_tenantFilter_ticksOnlyTheTenantsItAccepts_andFollowsItsChanges() {
        Fixture globex = TestData.simple(store, GLOBEX).rollup(sums("m1", Fixture.RAW, "PT1M"));
        globex.write(List.of(sample("a", "2024-03-30T00:01:01Z", 5)));
        java.util.Set<io.tidemark.core.TenantId> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        owned.add(ACME);
        OrchestratorHost host = OrchestratorHost.builder(store).clock(clock).meterRegistry(registry)
                .tenants(owned::contains).build();

        host.runOnce();
        acme.assertConverged("m1");
        assertThat(globex.watermark("m1")).as("a tenant the filter refuses is not ticked").isNull();

        owned.add(GLOBEX);
        host.runOnce();
        globex.assertConverged("m1");
    }

    @Test
    void runOnce_tenantCreatedAtRuntime_tickedInTheNextRound() {
        OrchestratorHost host = OrchestratorHost.builder(store).clock(clock).meterRegistry(registry).build();
        host.runOnce();

        Fixture globex = TestData.simple(store, GLOBEX).rollup(sums("m1", Fixture.RAW, "PT1M"));
        globex.write(List.of(sample("a", "2024-03-30T00:01:01Z", 5)));
        host.runOnce();

        acme.assertConverged("m1");
        globex.assertConverged("m1");
        assertThat(globex.watermark("m1")).isEqualTo(clock.instant());
        assertThat(registry.get("tidemark.rollup.lag.seconds").tags("tenant", "globex", "rollup", "m1").gauge()
                .value()).isZero();
    }

    @Test
    void runOnce_listingTenantsFails_returnsZeroAndNextRoundWorks() {
        InterceptingStore flaky = new InterceptingStore(store);
        flaky.onTenants = () -> {
            throw new TidemarkException(ErrorCode.STORE_ERROR, "injected: connection refused");
        };
        OrchestratorHost host = OrchestratorHost.builder(flaky).clock(clock).meterRegistry(registry).build();

        assertThat(host.runOnce()).isZero();
        flaky.onTenants = () -> { };
        assertThat(host.runOnce()).isPositive();
        acme.assertConverged("m1");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
