package io.tidemark.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.LiveEngine;
import io.tidemark.live.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The group commit of {@link CommitFeed} with a real live engine and a store write that records each transaction it
 * is given: batches queued while one transaction runs go together into the next, in arrival order; the live tables
 * end as the store (a key in two batches keeps the later one); a batch refused on its own fails alone; a failure of
 * the store fails its whole group; a writer still queued when its lock bound passes is refused unwritten.
 */
class CommitFeedTest {
    private static final TenantId T = TenantId.of("plant");
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final ArchiveDefinition P = ArchiveDefinition.raw("p", List.of(Column.of("v", ColumnType.DOUBLE)));
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final LiveEngine engine = LiveEngine.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    private final CommitFeed feed = new CommitFeed(engine, new SimpleMeterRegistry(), 1_000);
    /** What the "store" committed: each transaction's batches, by their first rtId. */
    private final List<List<String>> transactions = new CopyOnWriteArrayList<>();
    private final Map<String, Double> stored = new ConcurrentHashMap<>();
    private final List<Thread> writers = new ArrayList<>();

    {
        engine.defineArchive(T, P, Duration.ofHours(1));
    }

    @AfterEach
    void joinWriters() throws InterruptedException {
        for (Thread t : writers) {
            t.join(WAIT.toMillis());
        }
    }

    @Test
    void write_batchesQueuedWhileATransactionRuns_goTogetherIntoTheNextInArrivalOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ToIntFunction<List<SampleBatch>> store = blockingFirst(release, b -> false);
        Map<String, Object> outcomes = new ConcurrentHashMap<>();
        Thread first = writer("a", batch("a", 0, 1.0), store, outcomes);
        awaitBlocked(first, () -> transactions.size() == 1);
        // b and d write the same key: the later (d) must win in the store and in the live table.
        for (String name : List.of("b", "c", "d", "e")) {
            double v = name.equals("d") ? 40.0 : 10.0;
            Thread t = writer(name, batch(name.equals("d") ? "b" : name, 1, v), store, outcomes);
            awaitBlocked(t, () -> true);
        }
        release.countDown();
        joinWriters();
        assertThat(transactions).containsExactly(List.of("a"), List.of("b", "c", "b", "e"));
        assertThat(outcomes).containsOnlyKeys("a", "b", "c", "d", "e").allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(live()).isEqualTo(new TreeMap<>(stored)).containsEntry("b@1", 40.0);
    }

    @Test
    void write_oneBatchRefusedOnItsOwn_failsAloneAndItsNeighboursAreWritten() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ToIntFunction<List<SampleBatch>> store = blockingFirst(release,
                group -> group.stream().anyMatch(b -> b.rtId(0).equals("bad")));
        Map<String, Object> outcomes = new ConcurrentHashMap<>();
        Thread first = writer("a", batch("a", 0, 1.0), store, outcomes);
        awaitBlocked(first, () -> transactions.size() == 1);
        for (String name : List.of("b", "bad", "c")) {
            awaitBlocked(writer(name, batch(name, 1, 2.0), store, outcomes), () -> true);
        }
        release.countDown();
        joinWriters();
        assertThat(outcomes).containsEntry("b", 1).containsEntry("c", 1);
        assertThat(outcomes.get("bad")).isInstanceOfSatisfying(TidemarkException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_BATCH));
        assertThat(transactions).containsExactly(List.of("a"), List.of("b"), List.of("c"));
        assertThat(live()).isEqualTo(new TreeMap<>(stored)).doesNotContainKey("bad@1");
    }

    @Test
    void write_storeUnavailableForAGroup_everyBatchOfItGetsTheErrorAndNoneIsLive() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ToIntFunction<List<SampleBatch>> blocking = blockingFirst(release, b -> false);
        ToIntFunction<List<SampleBatch>> store = group -> {
            if (!transactions.isEmpty() && group.size() > 1) {
                throw new TidemarkException(ErrorCode.STORE_UNAVAILABLE, "the store went away");
            }
            return blocking.applyAsInt(group);
        };
        Map<String, Object> outcomes = new ConcurrentHashMap<>();
        Thread first = writer("a", batch("a", 0, 1.0), store, outcomes);
        awaitBlocked(first, () -> transactions.size() == 1);
        for (String name : List.of("b", "c")) {
            awaitBlocked(writer(name, batch(name, 1, 2.0), store, outcomes), () -> true);
        }
        release.countDown();
        joinWriters();
        assertThat(outcomes).containsEntry("a", 1);
        for (String name : List.of("b", "c")) {
            assertThat(outcomes.get(name)).isInstanceOfSatisfying(TidemarkException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
        }
        assertThat(live()).containsOnlyKeys("a@0");
    }

    @Test
    void write_stillQueuedWhenTheLockBoundPasses_refusedUnwritten() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ToIntFunction<List<SampleBatch>> store = blockingFirst(release, b -> false);
        Map<String, Object> outcomes = new ConcurrentHashMap<>();
        Thread first = writer("a", batch("a", 0, 1.0), store, outcomes);
        awaitBlocked(first, () -> transactions.size() == 1);
        assertThatThrownBy(() -> feed.write(T, List.of(batch("late", 1, 2.0)), Duration.ofMillis(50), store))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("ingest lock was not free");
                });
        release.countDown();
        joinWriters();
        assertThat(transactions).containsExactly(List.of("a"));
        assertThat(live()).containsOnlyKeys("a@0");
    }

    @Test
    void write_batchesOfTwoArchives_oneTransactionUnderBothLocks() {
        ArchiveDefinition q = ArchiveDefinition.raw("q", P.columns());
        engine.defineArchive(T, q, Duration.ofHours(1));
        SampleBatch onQ = SampleBatch.validate(q, List.of(new Sample("x", NOW, Map.of("v", 5.0))), BatchLimits.DEFAULT);
        int n = feed.write(T, List.of(batch("a", 0, 1.0), onQ), WAIT, recording());
        assertThat(n).isEqualTo(2);
        assertThat(transactions).containsExactly(List.of("a", "x"));
        assertThat(engine.snapshot(T, "SELECT rtId, v FROM recent.q").rows()).hasSize(1);
    }

    private ToIntFunction<List<SampleBatch>> recording() {
        return group -> {
            transactions.add(group.stream().map(b -> b.rtId(0)).toList());
            group.forEach(b -> stored.put(b.rtId(0) + "@" + (b.micros(0) - NOW.toEpochMilli() * 1000) / 1_000_000,
                    (Double) b.value(0, 0)));
            return group.stream().mapToInt(SampleBatch::size).sum();
        };
    }

    /**
     * Records every transaction; the first one waits for {@code release}; a group matching {@code refuse} is refused
     * with INVALID_BATCH when it holds more than one batch, and so is the refused batch alone (nothing recorded).
     */
    private ToIntFunction<List<SampleBatch>> blockingFirst(CountDownLatch release, Predicate<List<SampleBatch>> refuse) {
        ToIntFunction<List<SampleBatch>> record = recording();
        return group -> {
            if (refuse.test(group)) {
                throw new TidemarkException(ErrorCode.INVALID_BATCH, "refused: a sample below the retention horizon");
            }
            boolean first = transactions.isEmpty();
            int n = record.applyAsInt(group);
            if (first) {
                try {
                    assertThat(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return n;
        };
    }

    private Thread writer(String name, SampleBatch batch, ToIntFunction<List<SampleBatch>> store,
            Map<String, Object> outcomes) {
        Thread t = new Thread(() -> {
            try {
                outcomes.put(name, feed.write(T, List.of(batch), WAIT, store));
            } catch (RuntimeException e) {
                outcomes.put(name, e);
            }
        }, "writer-" + name);
        writers.add(t);
        t.start();
        return t;
    }

    /** Waits (bounded) until the thread is parked, so it has queued its batch, and the condition holds. */
    private static void awaitBlocked(Thread t, java.util.function.BooleanSupplier also) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!((t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
                && also.getAsBoolean())) {
            assertThat(System.nanoTime()).as("%s never blocked", t.getName()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static SampleBatch batch(String rtId, int second, double v) {
        return SampleBatch.validate(P, List.of(new Sample(rtId, NOW.plusSeconds(second), Map.of("v", v))),
                BatchLimits.DEFAULT);
    }

    /** The live table {@code recent.p} as rtId@second → v. */
    private Map<String, Double> live() {
        Map<String, Double> out = new TreeMap<>();
        for (Tuple t : engine.snapshot(T, "SELECT rtId, timestamp, v FROM recent.p").rows()) {
            Object ts = t.values().get(1);
            long second = ts instanceof Instant i ? i.getEpochSecond() - NOW.getEpochSecond() : -1;
            out.put(t.values().get(0) + "@" + second, ((Number) t.values().get(2)).doubleValue());
        }
        return out;
    }
}
