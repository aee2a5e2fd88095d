package io.tidemark.rollup;

import static io.tidemark.rollup.TestData.ACME;
import static io.tidemark.rollup.TestData.T0;
import static io.tidemark.rollup.TestData.randomSamples;
import static io.tidemark.rollup.TestData.sample;
import static io.tidemark.rollup.TestData.sums;
import static io.tidemark.rollup.TestData.tickUntilIdle;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.Sample;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.RollupState;
import io.tidemark.store.Store;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Late data through the orchestrator against a real store: recompute of every level, faults inside a recompute,
 * the race between an aggregate and its watermark, ingest concurrent with ticks, maxLateness and freeze. Each engine
 * binds it with a thin subclass; time only moves when a test moves the clock.
 */
abstract class AbstractLateDataIT {
    protected Store store;
    protected MutableClock clock;
    protected SimpleMeterRegistry registry;
    private final List<Store> extraStores = new ArrayList<>();

    /** A store on a new, empty database, whose clock is {@link #clock}. */
    protected abstract Store newStore();

    /** Another store on the database of the last {@link #newStore()}, as a second node would open it. */
    protected abstract Store secondStore();

    @BeforeEach
    void openStore() {
        clock = new MutableClock(T0);
        store = newStore();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void closeStores() {
        extraStores.forEach(Store::close);
        store.close();
    }

    @Test
    void tick_lateSamplesBelowEveryLevel_recomputedInOneTickWithoutMovingWatermarks() {
        Fixture f = chain();
        f.write(randomSamples(new Random(1), T0, Duration.ofHours(40), 300));
        clock.set(T0.plus(Duration.ofDays(3)));
        RollupOrchestrator o = orchestrator(store, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);
        List<Instant> before = List.of(f.watermark("m1"), f.watermark("h1"), f.watermark("d1"));

        f.write(randomSamples(new Random(2), T0, Duration.ofHours(40), 25));
        RollupState stale = f.state("m1");
        assertThat(stale.staleRanges()).isPositive();
        assertThat(stale.staleSince()).isEqualTo(clock.instant());
        assertThat(f.state("h1").staleRanges()).as("marked when m1's buckets are recomputed").isZero();

        int buckets = o.tick();

        assertThat(buckets).isPositive();
        assertThat(List.of(f.watermark("m1"), f.watermark("h1"), f.watermark("d1"))).isEqualTo(before);
        List.of("m1", "h1", "d1").forEach(r -> {
            f.assertConverged(r);
            assertThat(f.state(r).staleRanges()).as(r).isZero();
            assertThat(audit(r, AuditKind.LATE_REAGGREGATION)).as(r).singleElement()
                    .satisfies(e -> assertThat(e.message()).contains("stale buckets").contains("rows")
                            .contains("ranges").contains("ms"));
        });
        assertThat(registry.get("tidemark.rollup.buckets.recomputed").tags("rollup", "d1").counter().count())
                .isPositive();
        assertThat(o.tick()).as("nothing left").isZero();
    }

    /** A recompute is reported to the listener too, with the stale buckets it replaced; no watermark moves. */
    @Test
    void tick_lateSample_listenerHearsTheRecomputedBuckets() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(List.of(sample("a", T0.plusSeconds(30), 1), sample("a", T0.plusSeconds(600), 2)));
        clock.set(T0.plus(Duration.ofHours(1)));
        List<RollupCommit> heard = new ArrayList<>();
        RollupListener listener = new RollupListener() {
            @Override
            public void committed(RollupCommit c) {
                heard.add(c);
            }
        };
        RollupOrchestrator o = RollupOrchestrator.builder(store, ACME).clock(clock).meterRegistry(registry)
                .listener(listener).build();
        tickUntilIdle(o);
        Instant watermark = f.watermark("m1");
        heard.clear();

        f.write(List.of(sample("b", T0.plusSeconds(310), 5)));
        o.tick();

        assertThat(heard).singleElement().satisfies(c -> {
            assertThat(c.recompute()).isTrue();
            assertThat(c.from()).isBeforeOrEqualTo(T0.plusSeconds(300));
            assertThat(c.to()).isAfter(T0.plusSeconds(310));
            assertThat(c.rows()).isPositive();
        });
        assertThat(f.watermark("m1")).isEqualTo(watermark);
        f.assertConverged("m1");
    }

    @Test
    void tick_recomputeFailsInsideItsTransaction_failureRecordedAndNextTickConverges() {
        InterceptingStore faulty = new InterceptingStore(store);
        Fixture f = chain();
        f.write(randomSamples(new Random(3), T0, Duration.ofHours(30), 200));
        clock.set(T0.plus(Duration.ofDays(2)));
        RollupOrchestrator o = orchestrator(faulty, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);
        f.write(randomSamples(new Random(4), T0, Duration.ofHours(30), 20));
        int ranges = f.state("m1").staleRanges();
        faulty.runtime.recomputeFaults.put("m1", new AtomicInteger(1));

        o.tick();

        RollupState failed = f.state("m1");
        assertThat(failed.consecutiveFailures()).isEqualTo(1);
        assertThat(failed.staleRanges()).as("the failed statement consumed nothing").isEqualTo(ranges);
        assertThat(audit("m1", AuditKind.ROLLUP_FAILURE)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("STORE_ERROR", "error id")
                        .doesNotContain("injected_fault", "SELECT"));

        tickUntilIdle(o);

        List.of("m1", "h1", "d1").forEach(f::assertConverged);
        assertThat(f.state("m1").consecutiveFailures()).isZero();
        assertThat(f.state("m1").staleRanges()).isZero();
    }

    /** The race the pending watermark closes, made deterministic: the ingest commits right after the rows. */
    @Test
    void tick_ingestCommitsBetweenAggregateAndWatermark_sampleRecomputedNotLost() {
        Fixture f = chain();
        f.write(randomSamples(new Random(5), T0, Duration.ofHours(10), 100));
        clock.set(T0.plus(Duration.ofDays(1)));
        AtomicBoolean once = new AtomicBoolean();
        List<Sample> sneaked = new ArrayList<>();
        // The listener runs after the aggregate's rows commit and before the watermark moves.
        RollupListener sneak = new RollupListener() {
            @Override
            public void committed(RollupCommit c) {
                if (!c.recompute() && c.id().name().equals("m1") && once.compareAndSet(false, true)) {
                    sneaked.add(sample("zz", c.from().plusSeconds(1), 1234.5));
                    f.write(sneaked);
                }
            }
        };

        tickUntilIdle(RollupOrchestrator.builder(store, ACME).clock(clock).config(new OrchestratorConfig(30, 100_000))
                .meterRegistry(registry).listener(sneak).build());

        assertThat(sneaked).hasSize(1);
        List.of("m1", "h1", "d1").forEach(f::assertConverged);
        assertThat(audit("m1", AuditKind.LATE_REAGGREGATION)).isNotEmpty();
    }

    /** Late batches written while another thread (on PostgreSQL another node) ticks: nothing is lost. */
    @Test
    void tick_lateIngestConcurrentWithRunningOrchestrator_nothingLostAndEqualsOracle() throws Exception {
        long seed = 77;
        Scenario scenario = Scenario.random(seed);
        Fixture f = new Fixture(store, ACME);
        f.context = scenario.toString();
        scenario.install(f);
        clock.set(scenario.farFuture());
        Store second = secondStore();
        if (second != store) {
            extraStores.add(second);
        }
        RollupOrchestrator o = RollupOrchestrator.builder(second, ACME).clock(clock)
                .config(new OrchestratorConfig(3, 40)).meterRegistry(registry).build();
        AtomicBoolean ingesting = new AtomicBoolean(true);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicInteger ticks = new AtomicInteger();
        Thread ticker = new Thread(() -> {
            try {
                while (ingesting.get() || o.tick() > 0) {
                    o.tick();
                    ticks.incrementAndGet();
                }
            } catch (RuntimeException | AssertionError e) {
                errors.add(e);
            }
        }, "ticker");
        ticker.start();
        Random rnd = new Random(seed);
        try {
            for (int i = 0; i < 30; i++) {
                f.write(TestData.lateBatch(rnd, f.oracle, scenario.dataStart(), scenario.dataEnd(), 1 + rnd.nextInt(20)));
            }
        } finally {
            ingesting.set(false);
            ticker.join(300_000);
        }
        tickUntilIdle(orchestrator(store, OrchestratorConfig.DEFAULT));

        assertThat(errors).isEmpty();
        assertThat(ticks.get()).isPositive();
        for (RollupDefinition def : scenario.rollups) {
            f.assertConverged(def.name());
        }
        assertThat(TestData.audit(store, ACME, null, AuditKind.ROLLUP_FAILURE)).isEmpty();
    }

    @Test
    void tick_samplesOlderThanMaxLateness_storedNotRecomputedAndAudited() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(randomSamples(new Random(6), T0, Duration.ofHours(10), 100));
        clock.set(T0.plus(Duration.ofHours(10)));
        RollupOrchestrator o = orchestrator(store, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);
        store.archives().setMaxLateness(ACME, Fixture.RAW, Duration.ofHours(2));

        Instant tooLate = T0.plus(Duration.ofHours(1)).plusSeconds(7);
        store.archives().write(ACME, Fixture.RAW, List.of(sample("r0", tooLate, 999),
                sample("r1", tooLate.plusSeconds(60), 999)));
        f.write(List.of(sample("r0", T0.plus(Duration.ofHours(9)).plusSeconds(5), 42)));
        tickUntilIdle(o);

        f.assertConverged("m1"); // the oracle never saw the two samples past maxLateness
        assertThat(store.archives().read(ACME, new io.tidemark.store.ReadRequest(Fixture.RAW, List.of("r0"),
                tooLate, tooLate.plusSeconds(1), 10))).hasSize(1);
        assertThat(audit(Fixture.RAW, AuditKind.LATE_SKIPPED)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("2 late samples").contains(tooLate.toString()));
    }

    @Test
    void tick_frozenRollup_rangesAccumulateAndUnfreezingRecomputesThem() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"))
                .rollup(sums("h1", "m1", "PT1H"));
        f.write(randomSamples(new Random(8), T0, Duration.ofHours(6), 100));
        clock.set(T0.plus(Duration.ofHours(6)));
        RollupOrchestrator o = orchestrator(store, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);
        RollupAdmin admin = new RollupAdmin(store, o, clock);
        admin.freeze("m1", "alice");
        Instant firstLate = clock.instant();
        f.write(List.of(sample("r0", T0.plusSeconds(90), 1)));
        clock.advance(Duration.ofMinutes(10));
        f.write(List.of(sample("r0", T0.plus(Duration.ofHours(3)).plusSeconds(90), 2)));

        o.tick();

        assertThat(audit("m1", AuditKind.LATE_REAGGREGATION)).as("frozen: never recomputes").isEmpty();
        RollupState frozen = admin.state("m1");
        assertThat(frozen.staleRanges()).isEqualTo(2);
        assertThat(frozen.staleAge(clock.instant())).isEqualTo(Duration.ofMinutes(10));
        String[] tags = {"tenant", "acme", "rollup", "m1"};
        assertThat(registry.get("tidemark.rollup.stale.ranges").tags(tags).gauge().value()).isEqualTo(2.0);
        assertThat(registry.get("tidemark.rollup.stale.oldest.seconds").tags(tags).gauge().value())
                .isEqualTo(600.0);
        assertThat(firstLate).isEqualTo(frozen.staleSince());

        admin.unfreeze("m1", "bob");
        tickUntilIdle(o);

        f.assertConverged("m1");
        f.assertConverged("h1");
        assertThat(admin.state("m1").staleRanges()).isZero();
        assertThat(registry.get("tidemark.rollup.stale.ranges").tags(tags).gauge().value()).isZero();
        assertThat(registry.get("tidemark.rollup.stale.oldest.seconds").tags(tags).gauge().value()).isZero();
    }

    @Test
    void tick_identicalResend_recomputesNothing() {
        InterceptingStore counting = new InterceptingStore(store);
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        List<Sample> batch = randomSamples(new Random(9), T0, Duration.ofHours(2), 50);
        f.write(batch);
        clock.set(T0.plus(Duration.ofHours(3)));
        RollupOrchestrator o = orchestrator(counting, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);

        f.write(batch);

        assertThat(f.state("m1").staleRanges()).isZero();
        assertThat(o.tick()).isZero();
        assertThat(counting.runtime.recomputeCalls.get()).isZero();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** raw → m1 (PT1M) → h1 (PT1H) → d1 (DAY in Vienna, across the 2024-03-31 DST change). */
    private Fixture chain() {
        return TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M")).rollup(sums("h1", "m1", "PT1H"))
                .rollup(sums("d1", "h1", "DAY@Europe/Vienna"));
    }

    private RollupOrchestrator orchestrator(Store s, OrchestratorConfig config) {
        return RollupOrchestrator.builder(s, ACME).clock(clock).config(config).meterRegistry(registry).build();
    }

    private List<AuditEntry> audit(String subject, AuditKind kind) {
        return TestData.audit(store, ACME, subject, kind);
    }
}
