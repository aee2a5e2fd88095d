package io.tidemark.rollup;

import static io.tidemark.rollup.TestData.tickUntilIdle;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.testing.MutableClock;
import io.tidemark.testing.Seeds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10 item 1: late ingest racing a ticking orchestrator, with and without store faults, checked bucket by bucket
 * against the {@link Oracle} once the system settled. The shape of the reported runs, scaled down to stay bounded:
 * rollups PT1M and PT5S of raw, PT1H of the minutes and DAY in Vienna of the hours; writers posting batches of which
 * 55 % are late (spread over the six hours before "now" rather than three days, so a tick of the 5-second rollup stays
 * short and many ticks race the writers) and 15 % re-send a key with a new value; the orchestrator ticks back to
 * back while the clock moves forward. Each writer has its own rtIds, so the oracle's "last write wins" holds
 * whatever order the writers commit in.
 *
 * <p>Seeds: three fixed ones and a random one, printed (and in the test name) so a failure can be replayed by adding
 * it to {@link #seeds()}, or with {@code -Dtest.seed=N}. Each engine binds it with a thin subclass that says how to
 * break the store.
 */
abstract class AbstractLateRaceIT {
    static final TenantId TENANT = TenantId.of("race");
    /** The late span crosses midnight in Vienna (22:00Z), so the daily rollup has two days to recompute. */
    private static final Instant START = Instant.parse("2024-04-01T01:00:00Z");
    private static final Duration LATE_SPAN = Duration.ofHours(6);
    private static final int WRITERS = 3;
    /**
     * A writer starts batch {@code b} once the orchestrator ticked {@code b / BATCHES_PER_TICK} times during the race
     * (or after {@code PACE_MILLIS}), so writes and ticks interleave on every engine, whichever is slower.
     */
    private static final int BATCHES_PER_TICK = 2;
    private static final long PACE_MILLIS = 5_000;
    private static final long JOIN_MILLIS = 120_000;
    private static final int WRITE_ATTEMPTS = 500;

    protected MutableClock clock;
    /** Why writes failed (distinct messages), printed with the seed. */
    private final java.util.Set<String> failureMessages = java.util.concurrent.ConcurrentHashMap.newKeySet();
    protected Store store;

    /** A store on a new, empty database, whose clock is {@link #clock}. */
    protected abstract Store newStore();

    /**
     * Breaks the store once, at whatever point its users are: cuts connections, or arms a fault in {@code hooked}
     * (the orchestrator's view of the store). Called repeatedly from one thread while the race runs.
     */
    protected abstract void fault(Random rnd, InterceptingStore hooked) throws Exception;

    /**
     * The store the system settles on once the faults stopped: the same one, or (where faults leave broken pooled
     * connections behind) a new one on the same database, as a restarted server would open it.
     */
    protected Store afterFaults() {
        return store;
    }

    /**
     * Batches per writer: 20 by default, which keeps a DuckDB run (one writer at a time, late re-sends compared over
     * their span) within about a minute on a loaded machine; an engine whose writes run concurrently races more.
     */
    protected int batchesPerWriter() {
        return 20;
    }

    /** Ends whatever {@link #fault} left armed; the system then settles without faults. */
    protected void clearFaults(InterceptingStore hooked) {
        hooked.runtime.recomputeFaults.clear();
        hooked.runtime.casFaults.clear();
        hooked.runtime.failingAggregates.clear();
    }

    static LongStream seeds() {
        return Seeds.fixedAndRandom("AbstractLateRaceIT", 1L, 2L, 3L);
    }

    @BeforeEach
    void openStore() {
        clock = new MutableClock(START);
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void lateIngestRacingTicks_afterSettling_everyBucketEqualsGroupBy(long seed) throws Exception {
        race(seed, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void storeFaultsAtRandomPoints_afterSettling_everyBucketEqualsGroupBy(long seed) throws Exception {
        race(seed, true);
    }

    private void race(long seed, boolean faults) throws Exception {
        Fixture f = TestData.simple(store, TENANT);
        f.context = "seed " + seed + (faults ? " with faults" : "") + ": ";
        List<RollupDefinition> rollups = List.of(rollup("m1", Fixture.RAW, "PT1M"), rollup("s5", Fixture.RAW, "PT5S"),
                rollup("h1", "m1", "PT1H"), rollup("d1", "h1", "DAY@Europe/Vienna"));
        rollups.forEach(f::rollup);
        Random setup = new Random(seed);
        f.write(TestData.randomSamples(setup, START.minus(LATE_SPAN), LATE_SPAN, 300));
        tickUntilIdle(orchestrator(store));

        InterceptingStore hooked = new InterceptingStore(store);
        RollupOrchestrator o = orchestrator(faults ? hooked : store);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicInteger ticks = new AtomicInteger();
        AtomicInteger writeFailures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        Random tickRnd = new Random(seed * 31 + 1);
        threads.add(thread("ticker", errors, () -> {
            while (writing.get()) {
                clock.advance(Duration.ofMillis(tickRnd.nextInt(1500)));
                tickSurvivingFaults(o, faults);
                ticks.incrementAndGet();
            }
        }));
        if (faults) {
            Random faultRnd = new Random(seed * 31 + 2);
            threads.add(thread("faults", errors, () -> {
                while (writing.get()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(30 + faultRnd.nextInt(200)));
                    fault(faultRnd, hooked);
                }
            }));
        }
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            Random rnd = new Random(seed * 31 + 10 + w);
            String prefix = "w" + w + "r";
            writers.add(thread("writer-" + w, errors, () -> writeBatches(f, rnd, prefix, ticks, writeFailures)));
        }
        threads.addAll(writers);
        for (Thread t : writers) {
            t.join(JOIN_MILLIS);
        }
        writing.set(false);
        for (Thread t : threads) {
            t.join(JOIN_MILLIS);
            if (t.isAlive()) {
                errors.add(new AssertionError(t.getName() + " still running after " + JOIN_MILLIS + " ms"));
            }
        }
        clearFaults(hooked);
        Store settled = faults ? afterFaults() : store;
        Fixture check = new Fixture(settled, TENANT, f.oracle);
        check.context = f.context;

        clock.advance(Duration.ofDays(2)); // every bucket of every level due, the daily one included
        tickUntilIdle(orchestrator(settled));

        assertThat(errors).as(f.context + "errors in the race").isEmpty();
        assertThat(ticks.get()).as(f.context + "ticks during the race").isPositive();
        for (RollupDefinition def : rollups) {
            assertThat(settled.rollups().staleRanges(f.id(def.name()))).as(f.context + def.name() + ": stale ranges")
                    .isEmpty();
            check.assertConverged(def.name());
        }
        System.out.printf("%s%d ticks, %d failed writes retried%n", f.context, ticks.get(), writeFailures.get());
        failureMessages.stream().limit(20).forEach(m -> System.out.println("  write failed: " + m));
    }

    /** A fault may fail the tick's listing, or the failure bookkeeping itself; a host keeps ticking either way. */
    private static void tickSurvivingFaults(RollupOrchestrator o, boolean faults) {
        try {
            o.tick();
        } catch (TidemarkException e) {
            if (!faults) {
                throw e;
            }
        }
    }

    /**
     * Batches of 20–60 samples, paced by the ticks: 55 % late, anywhere in the late span before now; 15 % re-sends of this writer's
     * stored keys with new values; the rest on time (the last two seconds). A failed write is retried as a client
     * would after a 503, and enters the oracle only once it succeeded.
     */
    private void writeBatches(Fixture f, Random rnd, String prefix, AtomicInteger ticks, AtomicInteger failures) {
        List<Sample> mine = new ArrayList<>();
        for (int b = 0; b < batchesPerWriter(); b++) {
            long paceUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PACE_MILLIS);
            while (ticks.get() < b / BATCHES_PER_TICK && System.nanoTime() < paceUntil) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            Instant now = clock.instant();
            Map<Oracle.Key, Sample> batch = new LinkedHashMap<>();
            int n = 20 + rnd.nextInt(41);
            for (int i = 0; i < n; i++) {
                double kind = rnd.nextDouble();
                Sample s;
                if (kind < 0.15 && !mine.isEmpty()) {
                    Sample like = mine.get(rnd.nextInt(mine.size()));
                    s = TestData.sample(like.rtId(), like.timestamp(), value(rnd));
                } else {
                    long back = kind < 0.70 ? rnd.nextLong(LATE_SPAN.toNanos() / 1000) : rnd.nextLong(2_000_000);
                    s = TestData.sample(prefix + rnd.nextInt(3), now.minusNanos(back * 1000), value(rnd));
                }
                batch.put(new Oracle.Key(s.timestamp(), s.rtId()), s);
            }
            List<Sample> samples = List.copyOf(batch.values());
            writeRetrying(f, samples, failures);
            synchronized (f.oracle) {
                f.oracle.write(samples);
            }
            mine.addAll(samples);
        }
    }

    private void writeRetrying(Fixture f, List<Sample> samples, AtomicInteger failures) {
        for (int attempt = 1; ; attempt++) {
            try {
                store.archives().write(f.tenant, Fixture.RAW, samples);
                return;
            } catch (TidemarkException e) {
                failures.incrementAndGet();
                failureMessages.add(e.getMessage().length() > 300 ? e.getMessage().substring(0, 300) : e.getMessage());
                if (attempt == WRITE_ATTEMPTS) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        }
    }

    private static double value(Random rnd) {
        return Math.round(rnd.nextDouble() * 1e5) / 100.0;
    }

    /** {@link TestData#sums} with room for as many failures as the faults cause: a fault must not FAIL a rollup. */
    private static RollupDefinition rollup(String name, String source, String bucket) {
        RollupDefinition d = TestData.sums(name, source, bucket);
        return RollupDefinition.builder(name).source(source).bucket(d.bucket()).aggregations(d.aggregations())
                .watermarkLag(d.watermarkLag()).maxFailures(1_000_000).build();
    }

    private RollupOrchestrator orchestrator(Store s) {
        return RollupOrchestrator.builder(s, TENANT).clock(clock).config(new OrchestratorConfig(200, 1_000))
                .meterRegistry(new SimpleMeterRegistry()).build();
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread thread(String name, List<Throwable> errors, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception | AssertionError e) {
                errors.add(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
