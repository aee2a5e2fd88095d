package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static io.tidemark.rollup.TestData.ACME;
import static io.tidemark.rollup.TestData.GLOBEX;
import static io.tidemark.rollup.TestData.T0;
import static io.tidemark.rollup.TestData.randomSamples;
import static io.tidemark.rollup.TestData.sample;
import static io.tidemark.rollup.TestData.sums;
import static io.tidemark.rollup.TestData.tickUntilIdle;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Bucket;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.RollupState;
import io.tidemark.store.Store;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The orchestrator's behaviour against a real store. Each engine binds it with a thin subclass; every test gets a
 * fresh store. Time only moves when a test moves the {@link MutableClock}; nothing sleeps.
 */
abstract class AbstractOrchestratorIT {
    /** Seeds of the oracle test; each builds its own random archive, writes and rollup tree. */
    static final int SEEDS = 12;

    protected Store store;
    protected MutableClock clock;
    protected SimpleMeterRegistry registry;
    private final List<Store> extraStores = new ArrayList<>();

    /** Seeds of the late-data oracle test. */
    static final int LATE_SEEDS = 6;

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

    // ---- oracle ------------------------------------------------------------------------------------------------

    static LongStream seeds() {
        return LongStream.rangeClosed(1, SEEDS);
    }

    /**
     * Random archives, re-sent keys, random aligned rollup chains in several zones around DST days, all seven
     * functions; odd seeds tick once far ahead, even seeds first walk the clock through the data in random steps
     * with small random statement and tick budgets. Every bucket below every watermark equals the in-Java GROUP BY of the samples.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void tick_randomArchivesAndRollupChains_everyCommittedBucketEqualsGroupBy(long seed) {
        Scenario scenario = Scenario.random(seed);
        Fixture f = new Fixture(store, TenantId.of("t" + seed));
        f.context = scenario.toString();
        scenario.install(f);
        Random rnd = new Random(seed);
        if (seed % 2 == 0) {
            OrchestratorConfig small = new OrchestratorConfig(1 + rnd.nextInt(100), 10 + rnd.nextInt(2000));
            f.context += small + ": ";
            RollupOrchestrator o = RollupOrchestrator.builder(store, f.tenant).clock(clock).config(small).build();
            clock.set(scenario.dataStart());
            while (clock.instant().isBefore(scenario.dataEnd().plus(Duration.ofDays(2)))) {
                clock.advance(Duration.ofMinutes(1 + rnd.nextInt(600)));
                o.tick();
            }
        }
        clock.set(scenario.farFuture());
        tickUntilIdle(orchestrator(store, f.tenant, OrchestratorConfig.DEFAULT));

        for (RollupDefinition def : scenario.rollups) {
            f.assertConverged(def.name());
        }
        Map<Oracle.Key, Map<String, Object>> direct = f.rows(Scenario.DIRECT_DAY);
        Map<Oracle.Key, Map<String, Object>> chained = f.rows(Scenario.DAY);
        f.assertRows(Scenario.DAY + " (raw→…→1d) vs " + Scenario.DIRECT_DAY + " (raw→1d)", chained, direct);
    }

    static LongStream lateSeeds() {
        return LongStream.rangeClosed(101, 100 + LATE_SEEDS);
    }

    /**
     * The oracle test with late arrivals: while the clock walks through the data, random late batches (new keys,
     * changed and identical re-sends, across DST days and month ends) land below the watermarks of every level of
     * the chain between ticks; at the end one more late batch lands below every watermark. After ticking to
     * completion every bucket of every rollup equals the GROUP BY of the samples, and no stale range is left.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("lateSeeds")
    void tick_randomLateArrivalsBetweenTicks_everyBucketEqualsGroupBy(long seed) {
        Scenario scenario = Scenario.random(seed);
        Fixture f = new Fixture(store, TenantId.of("t" + seed));
        f.context = scenario.toString();
        scenario.install(f);
        Random rnd = new Random(seed);
        OrchestratorConfig small = new OrchestratorConfig(5 + rnd.nextInt(100), 50 + rnd.nextInt(1000));
        f.context += small + ", late: ";
        RollupOrchestrator o = orchestrator(store, f.tenant, small);
        clock.set(scenario.dataStart());
        while (clock.instant().isBefore(scenario.dataEnd().plus(Duration.ofDays(2)))) {
            clock.advance(Duration.ofMinutes(1 + rnd.nextInt(600)));
            o.tick();
            if (rnd.nextInt(3) == 0) {
                f.write(TestData.lateBatch(rnd, f.oracle, scenario.dataStart(), clock.instant(), 1 + rnd.nextInt(40)));
            }
        }
        clock.set(scenario.farFuture());
        tickUntilIdle(o);
        f.write(TestData.lateBatch(rnd, f.oracle, scenario.dataStart(), scenario.dataEnd(), 30));
        tickUntilIdle(orchestrator(store, f.tenant, OrchestratorConfig.DEFAULT));

        for (RollupDefinition def : scenario.rollups) {
            f.assertConverged(def.name());
            assertThat(f.state(def.name()).staleRanges()).as("%s%s: stale ranges left", f.context, def.name())
                    .isZero();
        }
        for (String level : List.of("fine", Scenario.DAY, Scenario.DIRECT_DAY)) {
            assertThat(TestData.audit(store, f.tenant, level, AuditKind.LATE_REAGGREGATION))
                    .as("%s%s re-aggregated late data", f.context, level).isNotEmpty();
        }
        f.assertRows(Scenario.DAY + " vs " + Scenario.DIRECT_DAY, f.rows(Scenario.DAY), f.rows(Scenario.DIRECT_DAY));
    }

    // ---- due buckets and dependency order ----------------------------------------------------------------------

    @Test
    void tick_chainMinuteHourDay_allLevelsAdvanceInOneTick() {
        Fixture f = simple(ACME);
        f.rollup(sums("m1", Fixture.RAW, "PT1M")).rollup(sums("h1", "m1", "PT1H")).rollup(sums("d1", "h1",
                "DAY@Europe/Vienna"));
        f.write(List.of(sample("a", "2024-03-30T00:00:10Z", 1.5), sample("b", "2024-03-30T01:30:00Z", 2.0),
                sample("a", "2024-03-30T22:59:59.999999Z", -4.25), sample("a", "2024-03-31T12:00:00Z", 8.0)));
        clock.set(Instant.parse("2024-04-01T00:00:00Z"));

        int buckets = orchestrator(store, ACME, OrchestratorConfig.DEFAULT).tick();

        Instant viennaMidnight = Instant.parse("2024-03-31T22:00:00Z"); // 2024-04-01 00:00 CEST
        assertThat(f.watermark("m1")).isEqualTo(Instant.parse("2024-04-01T00:00:00Z"));
        assertThat(f.watermark("h1")).isEqualTo(Instant.parse("2024-04-01T00:00:00Z"));
        assertThat(f.watermark("d1")).isEqualTo(viennaMidnight);
        assertThat(buckets).isPositive();
        List.of("m1", "h1", "d1").forEach(f::assertConverged);
    }

    /**
     * The order {@link RollupListener} documents: each applied statement is reported once, with its range and rows,
     * when its rows are readable from the store and the watermark has not moved yet; the watermark's jump over an
     * empty stretch writes no rows and is not reported.
     */
    @Test
    void tick_listener_hearsEachStatementAfterItsRowsCommitAndBeforeTheWatermarkMoves() {
        Fixture f = simple(ACME);
        f.rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(List.of(sample("a", "2024-03-30T10:00:30Z", 1), sample("a", "2024-03-30T10:05:30Z", 2),
                sample("b", "2024-03-30T10:09:10Z", 4)));
        clock.set(Instant.parse("2024-03-30T11:00:00Z"));
        List<String> heard = new ArrayList<>();
        RollupListener listener = new RollupListener() {
            @Override
            public void committed(RollupCommit c) {
                int stored = store.archives().read(ACME, new ReadRequest("m1", List.of(), c.from(), c.to(), 100))
                        .size();
                heard.add(c.id().name() + " " + c.from() + ".." + c.to() + " rows " + c.rows() + " recompute "
                        + c.recompute() + ", stored " + stored + ", watermark " + f.watermark("m1"));
            }
        };

        tickUntilIdle(RollupOrchestrator.builder(store, ACME).clock(clock).config(new OrchestratorConfig(4, 1000))
                .listener(listener).build());

        assertThat(heard).containsExactly(
                "m1 2024-03-30T10:00:00Z..2024-03-30T10:04:00Z rows 1 recompute false, stored 1, watermark null",
                "m1 2024-03-30T10:05:00Z..2024-03-30T10:09:00Z rows 1 recompute false, stored 1, watermark "
                        + "2024-03-30T10:04:00Z",
                "m1 2024-03-30T10:09:00Z..2024-03-30T10:13:00Z rows 1 recompute false, stored 1, watermark "
                        + "2024-03-30T10:09:00Z");
        assertThat(f.watermark("m1")).isEqualTo(Instant.parse("2024-03-30T11:00:00Z"));
    }

    @Test
    void tick_bucketEndingAtNowMinusLag_isDueAndTheNextIsNot() {
        Fixture f = simple(ACME);
        f.rollup(RollupDefinition.builder("m1").source(Fixture.RAW).bucket("PT1M")
                .aggregate(AggregateFunction.SUM, "v", "s").watermarkLag(Duration.ofMinutes(5)).build());
        f.write(List.of(sample("a", "2024-03-30T10:00:30Z", 1), sample("a", "2024-03-30T10:01:30Z", 2)));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);

        clock.set(Instant.parse("2024-03-30T10:06:59Z"));
        assertThat(o.tick()).isEqualTo(1);
        assertThat(f.watermark("m1")).isEqualTo(Instant.parse("2024-03-30T10:01:00Z"));

        clock.set(Instant.parse("2024-03-30T10:07:00Z"));
        assertThat(o.tick()).isEqualTo(1);
        assertThat(f.watermark("m1")).isEqualTo(Instant.parse("2024-03-30T10:02:00Z"));
        f.assertConverged("m1");
    }

    @Test
    void tick_frozenDisabledCreatedRollups_skippedUntilUnfrozen() {
        Fixture f = simple(ACME);
        f.rollup(sums("frozen", Fixture.RAW, "PT1M")).rollup(sums("disabled", Fixture.RAW, "PT1M"))
                .createdOnly(sums("created", Fixture.RAW, "PT1M")).rollup(sums("active", Fixture.RAW, "PT1M"));
        f.write(List.of(sample("a", "2024-03-30T00:00:30Z", 1), sample("a", "2024-03-30T00:10:00Z", 2)));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        RollupAdmin admin = new RollupAdmin(store, o, clock);
        admin.freeze("frozen", "alice");
        admin.disable("disabled", "alice");
        clock.set(T0.plus(Duration.ofHours(1)));

        o.tick();

        assertThat(f.watermark("active")).isEqualTo(clock.instant());
        assertThat(List.of("frozen", "disabled", "created")).allSatisfy(r -> assertThat(f.watermark(r)).isNull());
        admin.unfreeze("frozen", "bob");
        o.tick();
        f.assertConverged("frozen");
        assertThat(audit(ACME, "frozen", AuditKind.ROLLUP_FROZEN)).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("alice"));
        assertThat(audit(ACME, "frozen", AuditKind.ROLLUP_UNFROZEN)).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("bob"));
        assertThat(audit(ACME, "disabled", AuditKind.ROLLUP_DISABLED)).hasSize(1);
        assertThat(f.state("disabled").status()).isEqualTo(RollupStatus.DISABLED);
    }

    @Test
    void processRollup_rollupOfAnotherTenant_notFound() {
        simple(ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        simple(GLOBEX);
        RollupOrchestrator globex = orchestrator(store, GLOBEX, OrchestratorConfig.DEFAULT);

        assertThatThrownBy(() -> globex.processRollup(new RollupId(ACME, "m1")))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.NOT_FOUND));
    }

    // ---- crash safety and concurrency --------------------------------------------------------------------------

    @Test
    void tick_watermarkWriteFailsAfterRowsWritten_nextTickConvergesWithoutDuplicates() {
        InterceptingStore faulty = new InterceptingStore(store);
        Fixture f = simple(ACME);
        f.rollup(sums("m1", Fixture.RAW, "PT1M")).rollup(sums("h1", "m1", "PT1H"));
        f.write(randomSamples(new Random(7), T0, Duration.ofHours(5), 200));
        clock.set(T0.plus(Duration.ofHours(6)));
        faulty.runtime.casFaults.put("m1", new AtomicInteger(1));
        RollupOrchestrator o = orchestrator(faulty, ACME, OrchestratorConfig.DEFAULT);

        o.tick();

        RollupState failed = f.state("m1");
        assertThat(failed.watermark()).isNull();
        assertThat(failed.consecutiveFailures()).isEqualTo(1);
        assertThat(failed.lastError()).startsWith("STORE_ERROR: ").contains("error id").doesNotContain("injected");
        assertThat(f.watermark("h1")).isNull();
        assertThat(audit(ACME, "m1", AuditKind.ROLLUP_FAILURE)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains(failed.lastError()));

        tickUntilIdle(o);

        f.assertConverged("m1");
        f.assertConverged("h1");
        assertThat(f.state("m1").consecutiveFailures()).isZero();
    }

    @Test
    void tick_twoOrchestratorsConcurrently_everyBucketCommittedOnceAndResultEqualsOracle() throws Exception {
        Scenario scenario = Scenario.random(4242);
        Fixture f = new Fixture(store, ACME);
        f.context = scenario.toString();
        scenario.install(f);
        clock.set(scenario.farFuture());
        InterceptingStore one = new InterceptingStore(store);
        Store second = secondStore();
        if (second != store) {
            extraStores.add(second);
        }
        InterceptingStore two = new InterceptingStore(second);
        OrchestratorConfig small = new OrchestratorConfig(7, 60);
        RollupOrchestrator a = orchestrator(one, ACME, small);
        RollupOrchestrator b = RollupOrchestrator.builder(two, ACME).clock(clock).config(small).build();

        ConcurrentTicks race = ConcurrentTicks.run(a, b);
        int rest = tickUntilIdle(a);

        assertThat(race.errors()).isEmpty();
        Map<String, Integer> committed = new HashMap<>(one.runtime.committed);
        two.runtime.committed.forEach((k, v) -> committed.merge(k, v, Integer::sum));
        assertThat(committed.entrySet()).as("buckets committed twice").allSatisfy(e -> assertThat(e.getValue())
                .as(e.getKey()).isEqualTo(1));
        assertThat(race.buckets() + rest).as("buckets reported by the orchestrators").isEqualTo(committed.size());
        for (RollupDefinition def : scenario.rollups) {
            f.assertConverged(def.name());
        }
        assertThat(audit(ACME, null, AuditKind.ROLLUP_FAILURE)).isEmpty();
    }

    // ---- failures ----------------------------------------------------------------------------------------------

    @Test
    void tick_statementFailsMaxFailuresTimes_failedWithAlertWhileOthersAndOtherTenantsAdvance() {
        InterceptingStore faulty = new InterceptingStore(store);
        Fixture acme = simple(ACME);
        acme.rollup(RollupDefinition.builder("bad").source(Fixture.RAW).bucket("PT1M").maxFailures(3)
                .aggregate(AggregateFunction.SUM, "v", "s").watermarkLag(Duration.ZERO).build());
        acme.rollup(sums("good", Fixture.RAW, "PT1M"));
        Fixture globex = simple(GLOBEX).rollup(sums("good", Fixture.RAW, "PT1M"));
        faulty.runtime.failingAggregates.add("bad");
        OrchestratorHost host = OrchestratorHost.builder(faulty).clock(clock).meterRegistry(registry).build();

        for (int round = 0; round < 3; round++) {
            Instant from = T0.plus(Duration.ofHours(round));
            acme.write(randomSamples(new Random(round), from, Duration.ofHours(1), 30));
            globex.write(randomSamples(new Random(10 + round), from, Duration.ofHours(1), 30));
            clock.set(from.plus(Duration.ofHours(1)));
            host.runOnce();
            assertThat(acme.watermark("good")).isEqualTo(clock.instant());
            assertThat(globex.watermark("good")).isEqualTo(clock.instant());
            assertThat(acme.watermark("bad")).isNull();
        }

        RollupState failed = acme.state("bad");
        assertThat(failed.status()).isEqualTo(RollupStatus.FAILED);
        assertThat(failed.consecutiveFailures()).isEqualTo(3);
        assertThat(failed.lastError()).startsWith("STORE_ERROR: ").contains("error id").doesNotContain("disk full");
        assertThat(audit(ACME, "bad", AuditKind.ROLLUP_FAILURE)).hasSize(3);
        assertThat(audit(ACME, "bad", AuditKind.ROLLUP_FAILED_ALERT)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains(failed.lastError()).contains("FAILED"));
        assertThat(registry.get("tidemark.rollup.failures").tags("tenant", "acme", "rollup", "bad").counter()
                .count()).isEqualTo(3.0);

        acme.write(randomSamples(new Random(3), clock.instant(), Duration.ofHours(1), 30));
        clock.advance(Duration.ofHours(1));
        host.runOnce();
        assertThat(faulty.runtime.aggregatesOf("bad")).as("FAILED rollup skipped").isEqualTo(3);
        assertThat(acme.watermark("good")).isEqualTo(clock.instant());
        assertThat(acme.state("bad").consecutiveFailures()).isEqualTo(3);

        faulty.runtime.failingAggregates.clear();
        RollupState retried = new RollupAdmin(faulty, host.orchestrator(ACME), clock).retry("bad", "alice");
        assertThat(retried.status()).isEqualTo(RollupStatus.ACTIVATED);
        assertThat(retried.consecutiveFailures()).isZero();
        assertThat(audit(ACME, "bad", AuditKind.ROLLUP_RETRIED)).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("alice"));
        host.runOnce();
        acme.assertConverged("bad");
        acme.assertConverged("good");
        globex.assertConverged("good");
    }

    @Test
    void retry_rollupNotFailed_refusedWithInvalidState() {
        simple(ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        RollupAdmin admin = new RollupAdmin(store, orchestrator(store, ACME, OrchestratorConfig.DEFAULT), clock);

        assertThatThrownBy(() -> admin.retry("m1", "alice")).isInstanceOfSatisfying(TidemarkException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE));
    }

    // ---- rewind ------------------------------------------------------------------------------------------------

    @Test
    void rewind_insideABucket_truncatedToItsStartAndAudited() {
        Fixture f = simple(ACME).rollup(sums("h1", Fixture.RAW, "PT1H"));
        f.write(randomSamples(new Random(3), T0, Duration.ofHours(10), 50));
        clock.set(T0.plus(Duration.ofHours(10)));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);

        o.rewindWatermark(f.id("h1"), T0.plus(Duration.ofMinutes(3 * 60 + 25)), "alice");

        assertThat(f.watermark("h1")).isEqualTo(T0.plus(Duration.ofHours(3)));
        assertThat(audit(ACME, "h1", AuditKind.ROLLUP_REWOUND)).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("alice");
            assertThat(e.message()).contains("from " + T0.plus(Duration.ofHours(10)))
                    .contains("to " + T0.plus(Duration.ofHours(3)));
        });
        assertThat(o.processRollup(f.id("h1"))).isEqualTo(7);
        f.assertConverged("h1");
    }

    @Test
    void rewind_aheadOfWatermark_refusedAndWatermarkKept() {
        Fixture f = simple(ACME).rollup(sums("h1", Fixture.RAW, "PT1H"));
        f.write(randomSamples(new Random(3), T0, Duration.ofHours(2), 10));
        clock.set(T0.plus(Duration.ofHours(2)));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);

        assertThatThrownBy(() -> o.rewindWatermark(f.id("h1"), T0.plus(Duration.ofHours(3)), "alice"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_REWIND)).hasMessageContaining("ahead of its watermark");
        assertThat(f.watermark("h1")).isEqualTo(T0.plus(Duration.ofHours(2)));
        assertThat(audit(ACME, "h1", AuditKind.ROLLUP_REWOUND)).isEmpty();
    }

    @Test
    void rewind_noWatermarkYet_refused() {
        Fixture f = simple(ACME).rollup(sums("h1", Fixture.RAW, "PT1H"));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        o.tick();

        assertThatThrownBy(() -> o.rewindWatermark(f.id("h1"), T0, "alice"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_REWIND)).hasMessageContaining("not committed any bucket");
    }

    @Test
    void rewind_beforeStartAt_refused() {
        Fixture f = simple(ACME).rollup(RollupDefinition.builder("h1").source(Fixture.RAW).bucket("PT1H")
                .aggregate(AggregateFunction.SUM, "v", "s").startAt(T0.plus(Duration.ofHours(2))).build());
        f.write(randomSamples(new Random(3), T0, Duration.ofHours(5), 20));
        clock.set(T0.plus(Duration.ofHours(6)));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);
        f.assertConverged("h1");

        assertThatThrownBy(() -> o.rewindWatermark(f.id("h1"), T0.plus(Duration.ofHours(1)), "alice"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_REWIND)).hasMessageContaining("startAt");
    }

    @Test
    void rewind_afterSourceChangedBelowWatermark_rangeAndDependantsReaggregated() {
        Fixture f = simple(ACME);
        f.rollup(sums("m1", Fixture.RAW, "PT1M")).rollup(sums("h1", "m1", "PT1H"))
                .rollup(sums("d1", "h1", "DAY@Europe/Vienna"));
        List<Sample> original = randomSamples(new Random(11), T0, Duration.ofHours(40), 300);
        f.write(original);
        clock.set(T0.plus(Duration.ofDays(3)));
        RollupOrchestrator o = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        tickUntilIdle(o);
        Instant watermarkBefore = f.watermark("d1");

        List<Sample> changed = new ArrayList<>();
        for (Sample s : original.subList(150, 300)) {
            changed.add(sample(s.rtId(), s.timestamp(), -1000));
        }
        changed.addAll(randomSamples(new Random(12), T0.plus(Duration.ofHours(30)), Duration.ofHours(5), 20));
        f.write(changed);
        Instant earliest = changed.stream().map(Sample::timestamp).min(Instant::compareTo).orElseThrow();
        new RollupAdmin(store, o, clock).rewind("m1", earliest, "bob");

        Bucket vienna = Bucket.parse("DAY@Europe/Vienna");
        assertThat(f.watermark("m1")).isEqualTo(Bucket.parse("PT1M").floor(earliest));
        assertThat(f.watermark("h1")).isEqualTo(Bucket.parse("PT1H").floor(earliest));
        assertThat(f.watermark("d1")).isEqualTo(vienna.floor(earliest));
        assertThat(audit(ACME, null, AuditKind.ROLLUP_REWOUND)).extracting(AuditEntry::subject, AuditEntry::actor)
                .containsExactly(tuple("d1", "bob"),
                        tuple("h1", "bob"),
                        tuple("m1", "bob"));
        assertThat(audit(ACME, "h1", AuditKind.ROLLUP_REWOUND).get(0).message()).contains("source rollup 'm1'");

        tickUntilIdle(o);

        assertThat(f.watermark("d1")).isEqualTo(watermarkBefore);
        List.of("m1", "h1", "d1").forEach(f::assertConverged);
    }

    // ---- fairness and empty stretches --------------------------------------------------------------------------

    @Test
    void tick_manyDueBuckets_atMostBudgetPerRollupAndOtherRollupsStillAdvance() {
        InterceptingStore counting = new InterceptingStore(store);
        Fixture f = simple(ACME).rollup(sums("big", Fixture.RAW, "PT1M")).rollup(sums("small", Fixture.RAW, "PT1H"));
        List<Sample> everyMinute = new ArrayList<>();
        for (int m = 0; m < 100; m++) {
            everyMinute.add(sample("a", T0.plus(Duration.ofMinutes(m)).plusSeconds(7), m));
        }
        f.write(everyMinute);
        clock.set(T0.plus(Duration.ofHours(2)));
        RollupOrchestrator o = orchestrator(counting, ACME, new OrchestratorConfig(4, 10));

        int first = o.tick();

        assertThat(f.watermark("big")).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        assertThat(f.watermark("small")).isEqualTo(T0.plus(Duration.ofHours(2)));
        assertThat(first).isEqualTo(12);
        assertThat(counting.runtime.aggregateCalls.get()).as("statements of 4, 4, 2 buckets and 1 of 2").isEqualTo(4);
        assertThat(audit(ACME, "big", AuditKind.ROLLUP_RUN)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("10 buckets").contains("3 statements"));
        int ticks = 1;
        while (o.tick() > 0) {
            ticks++;
        }
        assertThat(ticks).as("ten ticks of ten minutes").isEqualTo(10);
        f.assertConverged("big");
        f.assertConverged("small");
    }

    @Test
    void tick_dataAYearApart_watermarkJumpsOverTheGapInFewStatements() {
        InterceptingStore counting = new InterceptingStore(store);
        Fixture f = simple(ACME).rollup(sums("m1", Fixture.RAW, "PT1M")).rollup(sums("h1", "m1", "PT1H"));
        Instant later = T0.plus(Duration.ofDays(365));
        f.write(List.of(sample("a", T0.plusSeconds(30), 1), sample("a", later.plusSeconds(30), 2)));
        clock.set(later.plus(Duration.ofHours(1)));
        RollupOrchestrator o = orchestrator(counting, ACME, OrchestratorConfig.DEFAULT);

        tickUntilIdle(o);

        assertThat(f.watermark("m1")).isEqualTo(clock.instant());
        assertThat(f.watermark("h1")).isEqualTo(clock.instant());
        assertThat(counting.runtime.aggregateCalls.get()).as("one statement per sample per rollup").isEqualTo(4);
        assertThat(counting.runtime.firstSourceCalls.get()).as("start, then once per statement and at the end")
                .isEqualTo(6);
        f.assertConverged("m1");
        f.assertConverged("h1");
    }

    // ---- metrics -----------------------------------------------------------------------------------------------

    @Test
    void tick_committedBuckets_metricsTaggedWithTenantAndRollup() {
        Fixture f = simple(ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(List.of(sample("a", "2024-03-30T00:00:01Z", 1), sample("b", "2024-03-30T00:00:02Z", 2),
                sample("a", "2024-03-30T00:05:00Z", 3)));
        clock.set(T0.plus(Duration.ofMinutes(10)));

        int buckets = orchestrator(store, ACME, OrchestratorConfig.DEFAULT).tick();

        String[] tags = {"tenant", "acme", "rollup", "m1"};
        assertThat(registry.get("tidemark.rollup.lag.seconds").tags(tags).gauge().value()).isZero();
        clock.advance(Duration.ofSeconds(90));
        assertThat(registry.get("tidemark.rollup.lag.seconds").tags(tags).gauge().value()).isEqualTo(90.0);
        assertThat(registry.get("tidemark.rollup.buckets.committed").tags(tags).counter().count())
                .isEqualTo(buckets).isEqualTo(10);
        assertThat(registry.get("tidemark.rollup.rows.committed").tags(tags).counter().count()).isEqualTo(3.0);
        assertThat(registry.get("tidemark.rollup.statement").tags(tags).timer().count()).isEqualTo(1);
        assertThat(registry.get("tidemark.rollup.failures").tags(tags).counter().count()).isZero();
    }

    /**
     * Issue 10 item 4: rollups created back to back while two orchestrators tick without pause. A tick must never
     * see a definition without its aggregations, and whatever it cannot read must not count against another rollup:
     * the healthy rollup, allowed a single failure, stays ACTIVATED with no failure recorded.
     */
    @Test
    void tick_rollupsCreatedWhileTicking_otherRollupsNeverCharged() throws Exception {
        Fixture f = simple(ACME).rollup(RollupDefinition.builder("healthy").source(Fixture.RAW).bucket("PT1H")
                .aggregate(AggregateFunction.SUM, "v", "s").watermarkLag(Duration.ZERO).maxFailures(1).build());
        f.write(randomSamples(new Random(21), T0, Duration.ofHours(6), 200));
        clock.set(T0.plus(Duration.ofHours(7)));
        RollupOrchestrator a = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        RollupOrchestrator b = orchestrator(store, ACME, OrchestratorConfig.DEFAULT);
        tickUntilIdle(a);
        java.util.concurrent.atomic.AtomicBoolean creating = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> tickers = new ArrayList<>();
        for (RollupOrchestrator o : List.of(a, b)) {
            Thread t = new Thread(() -> {
                try {
                    while (creating.get()) {
                        o.tick();
                    }
                } catch (RuntimeException | AssertionError e) {
                    errors.add(e);
                }
            }, "ticker");
            t.start();
            tickers.add(t);
        }
        List<String> buckets = List.of("PT1M", "PT5M", "PT1H", "DAY@Europe/Vienna", "MONTH@Europe/Vienna");
        try {
            for (int i = 0; i < 30; i++) {
                RollupDefinition.Builder def = RollupDefinition.builder("created_" + i).source(Fixture.RAW)
                        .bucket(buckets.get(i % buckets.size())).watermarkLag(Duration.ZERO).maxFailures(1);
                for (int k = 0; k <= i % 4; k++) {
                    def.aggregate(AggregateFunction.SUM, "v", "s" + k);
                }
                store.archives().createRollupArchive(ACME, def.build());
                store.archives().activateArchive(ACME, "created_" + i);
            }
        } finally {
            creating.set(false);
            for (Thread t : tickers) {
                t.join(120_000);
            }
        }

        assertThat(errors).isEmpty();
        assertThat(audit(ACME, null, AuditKind.ROLLUP_FAILURE)).isEmpty();
        RollupState healthy = f.state("healthy");
        assertThat(healthy.status()).isEqualTo(RollupStatus.ACTIVATED);
        assertThat(healthy.consecutiveFailures()).isZero();
        assertThat(store.rollups().rollups(ACME)).allSatisfy(r -> assertThat(r.state().consecutiveFailures())
                .as(r.state().id().name()).isZero());
        assertThat(registry.get("tidemark.rollup.catalog.failures").tags("tenant", "acme").counter().count())
                .as("catalog reads are consistent: nothing failed to read").isZero();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    RollupOrchestrator orchestrator(Store s, TenantId tenant, OrchestratorConfig config) {
        return RollupOrchestrator.builder(s, tenant).clock(clock).config(config).meterRegistry(registry).build();
    }

    Fixture simple(TenantId tenant) {
        return TestData.simple(store, tenant);
    }

    List<AuditEntry> audit(TenantId tenant, String subject, AuditKind kind) {
        return TestData.audit(store, tenant, subject, kind);
    }
}
