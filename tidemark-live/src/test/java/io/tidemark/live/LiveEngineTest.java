package io.tidemark.live;

import static io.tidemark.live.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LiveEngineTest {
    private static final TenantId TENANT = TenantId.of("acme");
    private MutableClock clock;
    private LiveEngine engine;
    private RecordingListener listener;
    private Subscription sub;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        engine = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        listener = new RecordingListener();
        sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
    }

    private void ingest(Samples s) {
        engine.onCommit(TENANT, s.build());
    }

    private static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    private Map<List<Object>, List<Object>> result(String q) {
        assertThat(listener.violations).isEmpty();
        return listener.resultOf(q);
    }

    @Test
    void cut_nothingChanged_cutsNoGeneration() {
        assertThat(engine.cut(TENANT)).isEqualTo(LiveEngine.NO_GENERATION);
        assertThat(engine.generation(TENANT)).isEqualTo(LiveEngine.NO_GENERATION);
    }

    @Test
    void register_betweenCuts_snapshotArrivesFramedInNextGeneration() {
        ingest(Samples.batch().add("r1", t(-5), 1.0, 10).add("r2", t(-4), 2.0, 20));
        sub.register(QueryConfig.of("q", "SELECT rtId, b FROM latest.m"));
        assertThat(listener.events).isEmpty();

        long g = engine.cut(TENANT);

        assertThat(g).isEqualTo(1);
        List<String> events = listener.drainEvents();
        assertThat(events).hasSize(6).startsWith("begin 1", "snapshotBegin q").endsWith("snapshotEnd q", "end 1");
        assertThat(events.subList(2, 4)).containsExactlyInAnyOrder("added q Tuple[key=[r1], values=[r1, 10]]",
                "added q Tuple[key=[r2], values=[r2, 20]]");
    }

    @Test
    void subscriberWithoutAggMarkEnd_getsSameRowsWithoutMarks() {
        RecordingListener plain = new RecordingListener();
        Subscription s = engine.subscribe(TENANT, Set.of(), plain);
        s.register(QueryConfig.of("q", "SELECT COUNT(*) AS n FROM recent.m"));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 10));
        engine.cut(TENANT);
        assertThat(plain.events).containsExactly("snapshotBegin q", "added q Tuple[key=[], values=[1]]", "snapshotEnd q");
    }

    /** A series remembers its last key's slot; a slot of a dropped dictionary must not be taken for one of its successor's. */
    @Test
    void groupByDroppedAndAnotherRegistered_seriesRememberingOldSlotsStillGroupCorrectly() {
        Samples batch = Samples.batch();
        for (int i = 0; i < 40; i++) {
            batch.add("r" + i, t(-5), 1.0, (long) i, i % 2 == 0 ? "even" : "odd", null);
        }
        ingest(batch);
        sub.register(QueryConfig.of("q1", "SELECT rtId, COUNT(*) AS n FROM recent.m GROUP BY rtId"));
        engine.cut(TENANT);
        assertThat(result("q1")).hasSize(40);
        sub.unregister("q1");
        engine.cut(TENANT);

        sub.register(QueryConfig.of("q2", "SELECT s, COUNT(*) AS n FROM recent.m GROUP BY s"));
        engine.cut(TENANT);

        assertThat(result("q2")).containsOnly(Map.entry(List.of("even"), List.of("even", 20L)),
                Map.entry(List.of("odd"), List.of("odd", 20L)));
    }

    @Test
    void replacedSample_updatesItsGroupOnce() {
        sub.register(QueryConfig.of("q", "SELECT s, COUNT(*) AS n, SUM(b) AS total FROM recent.m GROUP BY s"));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 10L, "x", null).add("r2", t(-5), 1.0, 5L, "x", null));
        engine.cut(TENANT);
        listener.drainEvents();

        ingest(Samples.batch().add("r1", t(-5), 1.0, 1L, "x", null));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 2L, "x", null));
        engine.cut(TENANT);

        assertThat(listener.drainEvents()).containsExactly("begin 2", "updated q Tuple[key=[x], values=[x, 2, 7]]", "end 2");
    }

    @Test
    void minMax_currentExtremeLeaves_nextExtremeTakesOver() {
        sub.register(QueryConfig.of("q", "SELECT MIN(b) AS lo, MAX(b) AS hi FROM recent.m"));
        ingest(Samples.batch().add("r1", t(-50), 1.0, 1).add("r2", t(-10), 1.0, 5).add("r3", t(-5), 1.0, 9));
        engine.cut(TENANT);
        assertThat(result("q")).containsValue(List.of(1L, 9L));

        clock.advance(Duration.ofSeconds(15));
        ingest(Samples.batch().add("r3", t(-5), 1.0, 3));
        engine.cut(TENANT);

        assertThat(result("q")).containsExactly(Map.entry(List.of(), List.of(3L, 5L)));
    }

    @Test
    void having_valueCrosses_rowEntersAndLeaves() {
        sub.register(QueryConfig.of("q", "SELECT rtId, SUM(b) AS total FROM recent.m GROUP BY rtId HAVING SUM(b) > 10"));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 5));
        engine.cut(TENANT);
        assertThat(result("q")).isEmpty();

        ingest(Samples.batch().add("r1", t(-4), 1.0, 6));
        engine.cut(TENANT);
        assertThat(result("q")).containsExactly(Map.entry(List.of("r1"), List.of("r1", 11L)));

        ingest(Samples.batch().add("r1", t(-4), 1.0, 0));
        engine.cut(TENANT);
        assertThat(result("q")).isEmpty();
        assertThat(listener.events).contains("removed q Tuple[key=[r1], values=[r1, 11]]");
    }

    @Test
    void topN_valuesCross_membershipFollows() {
        sub.register(QueryConfig.of("q", "SELECT rtId, MAX(b) AS m FROM recent.m GROUP BY rtId ORDER BY m DESC, rtId LIMIT 2"));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 5).add("r2", t(-5), 1.0, 6).add("r3", t(-5), 1.0, 7));
        engine.cut(TENANT);
        assertThat(result("q").keySet()).containsExactlyInAnyOrder(List.of("r2"), List.of("r3"));

        ingest(Samples.batch().add("r1", t(-4), 1.0, 100));
        engine.cut(TENANT);
        assertThat(result("q").keySet()).containsExactlyInAnyOrder(List.of("r1"), List.of("r3"));
    }

    @Test
    void timeWindow_clockAdvances_rowsRetractedWithoutIngest() {
        sub.register(QueryConfig.of("q", "SELECT COUNT(*) AS n FROM recent.m WHERE timestamp > now() - INTERVAL '10' SECOND"));
        ingest(Samples.batch().add("r1", t(-8), 1.0, 1).add("r2", t(-2), 1.0, 1));
        engine.cut(TENANT);
        assertThat(result("q")).containsValue(List.of(2L));

        clock.advance(Duration.ofSeconds(3));
        long g = engine.cut(TENANT);

        assertThat(g).isEqualTo(2);
        assertThat(result("q")).containsValue(List.of(1L));
    }

    @Test
    void liveWindow_rowsAgeOut_ofRecentButNotOfLatest() {
        sub.register(QueryConfig.of("recent", "SELECT rtId FROM recent.m"));
        sub.register(QueryConfig.of("latest", "SELECT rtId FROM latest.m"));
        ingest(Samples.batch().add("r1", t(-30), 1.0, 1));
        engine.cut(TENANT);
        clock.advance(Duration.ofSeconds(31));
        engine.cut(TENANT);
        assertThat(result("recent")).isEmpty();
        assertThat(result("latest")).hasSize(1);
        assertThat(engine.memoryUsed(TENANT)).isPositive();
    }

    @Test
    void latest_olderLateSample_doesNotReplaceNewerRow() {
        sub.register(QueryConfig.of("q", "SELECT rtId, b FROM latest.m"));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 2));
        ingest(Samples.batch().add("r1", t(-9), 1.0, 1));
        engine.cut(TENANT);
        assertThat(result("q")).containsExactly(Map.entry(List.of("r1"), List.of("r1", 2L)));
    }

    @Test
    void conflation_addedThenRemovedInOneGeneration_sendsNothing() {
        sub.register(QueryConfig.of("q", "SELECT rtId, b FROM recent.m WHERE b > 5"));
        engine.cut(TENANT);
        listener.drainEvents();
        ingest(Samples.batch().add("r1", t(-5), 1.0, 9));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 1));
        assertThat(engine.cut(TENANT)).isEqualTo(2);
        assertThat(listener.drainEvents()).isEmpty();
    }

    @Test
    void queryTypes_snapshotEndsAndContinuousOnlyStartsEmpty() {
        ingest(Samples.batch().add("r1", t(-5), 1.0, 9));
        sub.register(new QueryConfig("snap", "SELECT rtId FROM recent.m", QueryType.SNAPSHOT));
        sub.register(new QueryConfig("cont", "SELECT rtId FROM recent.m", QueryType.CONTINUOUS_ONLY));
        engine.cut(TENANT);
        assertThat(result("snap")).hasSize(1);
        assertThat(result("cont")).isEmpty();

        ingest(Samples.batch().add("r2", t(-5), 1.0, 9));
        engine.cut(TENANT);
        assertThat(result("snap")).hasSize(1);
        assertThat(result("cont")).containsOnlyKeys(List.of(t(-5), "r2"));
    }

    @Test
    void sharedQueries_sameSqlOnTwoSubscribers_bothSeeChanges() {
        RecordingListener other = new RecordingListener();
        engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), other)
                .register(QueryConfig.of("x", "SELECT COUNT(*) AS n FROM recent.m"));
        sub.register(QueryConfig.of("q", "SELECT COUNT(*) AS n FROM recent.m"));
        ingest(Samples.batch().add("r1", t(-5), 1.0, 9));
        engine.cut(TENANT);
        ingest(Samples.batch().add("r2", t(-5), 1.0, 9));
        engine.cut(TENANT);
        assertThat(result("q")).containsValue(List.of(2L));
        assertThat(other.resultOf("x")).containsValue(List.of(2L));
        assertThat(other.marks).containsExactly(1L, 2L);
    }

    @Test
    void dropArchive_raisesFinalExceptionOnItsQueries() {
        sub.register(QueryConfig.of("q", "SELECT rtId FROM recent.m"));
        engine.cut(TENANT);
        engine.dropArchive(TENANT, "m");
        engine.cut(TENANT);
        assertThat(listener.errors.get("q").code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(listener.errors.get("q")).hasMessageContaining("archive 'm' was dropped");
    }

    @Test
    void validate_plannableQuery_returnsTheSchemaOfItsSnapshotWithoutRegisteringOrCutting() {
        String sql = "SELECT rtId, SUM(b) AS total FROM recent.m GROUP BY rtId";

        QuerySchema schema = engine.validate(TENANT, sql);

        assertThat(engine.cut(TENANT)).as("validating changes nothing").isEqualTo(LiveEngine.NO_GENERATION);
        assertThat(listener.events).isEmpty();
        sub.register(QueryConfig.of("q", sql));
        engine.cut(TENANT);
        assertThat(schema).isEqualTo(listener.schemas.get("q"));
        assertThat(schema.keyColumns()).containsExactly("rtId");
    }

    @Test
    void validate_badQuery_throwsWhatRegisterThrows() {
        for (String sql : List.of("SELECT rtId FROM recent.nowhere", "SELECT nope FROM recent.m",
                "SELECT rtId FROM recent.m WHERE")) {
            Throwable validated = catchThrowable(() -> engine.validate(TENANT, sql));
            Throwable registered = catchThrowable(
                    () -> sub.register(QueryConfig.of("q", sql)));

            assertThat(validated).as(sql).isInstanceOf(TidemarkException.class);
            assertThat(((TidemarkException) validated).code()).as(sql)
                    .isEqualTo(((TidemarkException) registered).code());
            assertThat(validated).as(sql).hasMessage(registered.getMessage());
        }
    }

    @Test
    void validate_tenantWithoutArchives_notFoundUntilTheArchiveIsDefined() {
        TenantId other = TenantId.of("globex");

        assertThatThrownBy(() -> engine.validate(other, "SELECT rtId FROM recent.m"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.NOT_FOUND));
        engine.defineArchive(other, Samples.M, Duration.ofMinutes(1));
        assertThat(engine.validate(other, "SELECT rtId FROM recent.m").columns()).hasSize(1);
    }

    @Test
    void snapshot_rowsIngestedBeforeAnyCut_answersTheWholeResultAndRegistersNothing() {
        ingest(Samples.batch().add("r1", t(-5), 1.0, 10).add("r2", t(-4), 2.0, 20).add("r1", t(-3), 3.0, 30));
        String grouped = "SELECT rtId, SUM(b) AS total FROM recent.m GROUP BY rtId";
        sub.register(QueryConfig.of("q", grouped));
        engine.cut(TENANT);
        ingest(Samples.batch().add("r2", t(-2), 4.0, 40));

        LiveSnapshot latest = engine.snapshot(TENANT, "SELECT rtId, b FROM latest.m");
        LiveSnapshot sums = engine.snapshot(TENANT, grouped);
        LiveSnapshot top = engine.snapshot(TENANT, "SELECT rtId, b FROM recent.m ORDER BY b DESC LIMIT 2");

        assertThat(latest.rows()).extracting(Tuple::values).containsExactlyInAnyOrder(List.of("r1", 30L),
                List.of("r2", 40L));
        assertThat(sums.schema()).isEqualTo(engine.validate(TENANT, grouped));
        assertThat(sums.rows()).extracting(Tuple::values).containsExactlyInAnyOrder(List.of("r1", 40L),
                List.of("r2", 60L));
        assertThat(top.schema().ordered()).isTrue();
        assertThat(top.rows()).extracting(Tuple::values).containsExactly(List.of("r2", 40L), List.of("r1", 30L));
        listener.drainEvents();
        engine.cut(TENANT);
        assertThat(result("q")).as("the registered query still sees every change")
                .containsEntry(List.of("r2"), List.of("r2", 60L));
        assertThat(engine.snapshot(TENANT, grouped).rows()).hasSize(2);
    }

    @Test
    void snapshot_badQuery_throwsWhatValidateThrows() {
        for (String sql : List.of("SELECT rtId FROM recent.nowhere", "SELECT nope FROM recent.m")) {
            Throwable validated = catchThrowable(() -> engine.validate(TENANT, sql));
            Throwable snapshot = catchThrowable(() -> engine.snapshot(TENANT, sql));

            assertThat(snapshot).as(sql).isInstanceOf(TidemarkException.class).hasMessage(validated.getMessage());
        }
    }

    /** Memory used after {@code steps} batches on an engine without a real budget, to size a budget. */
    private long usedAfter(List<Samples> steps) {
        LiveEngine probe = LiveEngine.builder().clock(clock).build();
        probe.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        steps.forEach(b -> probe.onCommit(TENANT, b.build()));
        return probe.memoryUsed(TENANT);
    }

    private static Samples rows(int from, int to, int second, long b) {
        Samples s = Samples.batch();
        for (int i = from; i < to; i++) {
            s.add("r" + i, t(second), 1.0, b);
        }
        return s;
    }

    @Test
    void onCommit_pastMemoryBudget_recentQueriesTurnStale_latestTakesTheBatch_okAgainOnceTheMissingRowsLeaveTheWindow() {
        Samples first = rows(0, 20, -50, 1);
        Samples second = rows(0, 20, -4, 2);
        long one = usedAfter(List.of(first));
        long two = usedAfter(List.of(first, second));
        // The second batch fits latest (same rtIds, rows of the same size) but not recent.
        LiveEngine small = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run)
                .memoryBudgetBytes(one + (two - one) / 2).build();
        small.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        RecordingListener l = new RecordingListener();
        Subscription s = small.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), l);
        s.register(QueryConfig.of("count", "SELECT COUNT(*) AS n FROM recent.m"));
        s.register(QueryConfig.of("latest", "SELECT rtId, b FROM latest.m"));
        assertThat(small.onCommit(TENANT, first.build())).isTrue();
        small.cut(TENANT);
        assertThat(l.resultOf("count")).isEqualTo(Map.of(List.of(), List.of(20L)));
        assertThat(l.statuses).isEmpty();

        assertThat(small.onCommit(TENANT, second.build())).as("applied in full").isFalse();
        small.cut(TENANT);
        assertThat(l.statuses.get("count").state()).isEqualTo(QueryStatus.State.STALE);
        assertThat(l.statuses.get("count").code()).isEqualTo(QueryStatus.MEMORY_BUDGET_EXCEEDED);
        assertThat(l.statuses.get("count").message()).contains("recent.m misses committed samples",
                "live.memory-budget", "until they leave the live window");
        assertThat(small.staleQueries()).isEqualTo(1);
        // latest took the batch: its query is right and was never stale.
        assertThat(l.statuses).doesNotContainKey("latest");
        assertThat(l.resultOf("latest")).hasSize(20).allSatisfy((k, v) -> assertThat(v.get(1)).isEqualTo(2L));
        // A late query on the stale table learns it right after its snapshot.
        s.register(QueryConfig.of("late", "SELECT rtId FROM recent.m"));
        small.cut(TENANT);
        assertThat(l.statuses.get("late").state()).isEqualTo(QueryStatus.State.STALE);
        assertThat(l.events).containsSubsequence("snapshotEnd late", "status late STALE");

        // The missing rows (t-4) leave the window at t+56: then recent holds exactly the window again.
        clock.set(t(57));
        assertThat(small.cut(TENANT)).isNotEqualTo(LiveEngine.NO_GENERATION);
        assertThat(l.statuses.get("count")).isEqualTo(QueryStatus.OK);
        assertThat(l.statuses.get("late")).isEqualTo(QueryStatus.OK);
        assertThat(l.resultOf("count")).isEqualTo(Map.of(List.of(), List.of(0L)));
        assertThat(small.staleQueries()).isZero();
        assertThat(l.violations).isEmpty();
    }

    @Test
    void onCommit_pastMemoryBudgetForLatestToo_latestQueriesStaleUntilNewerSamplesOfThoseRtIdsArrive() {
        Samples first = rows(0, 20, -50, 1);
        long one = usedAfter(List.of(first));
        LiveEngine small = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run)
                .memoryBudgetBytes(one + 100).build();
        small.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        RecordingListener l = new RecordingListener();
        Subscription s = small.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), l);
        s.register(QueryConfig.of("latest", "SELECT rtId, b FROM latest.m"));
        small.onCommit(TENANT, first.build());
        small.cut(TENANT);
        // Five new rtIds fit nowhere.
        assertThat(small.onCommit(TENANT, rows(20, 25, -40, 5).build())).isFalse();
        small.cut(TENANT);
        assertThat(l.statuses.get("latest").state()).isEqualTo(QueryStatus.State.STALE);
        assertThat(l.statuses.get("latest").message()).contains("latest.m", "5 rtIds");
        assertThat(l.resultOf("latest")).hasSize(20);

        // The first rows leave recent (after t+10), which frees room; newer samples of the five rtIds (older than
        // the window, so for latest only) then fit.
        clock.set(t(25));
        small.cut(TENANT);
        assertThat(l.statuses.get("latest").state()).isEqualTo(QueryStatus.State.STALE);
        assertThat(small.onCommit(TENANT, rows(20, 25, -38, 6).build())).isTrue();
        small.cut(TENANT);
        assertThat(l.statuses.get("latest")).isEqualTo(QueryStatus.OK);
        assertThat(l.resultOf("latest")).hasSize(25).containsEntry(List.of("r22"), List.of("r22", 6L));
        assertThat(l.violations).isEmpty();
    }

    @Test
    void delivery_oneGenerationPerTask_soAnExecutorWithBackPressureCanStopBetweenGenerations() {
        java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
        LiveEngine e = LiveEngine.builder().clock(clock).maxPendingRows(1).build();
        e.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        RecordingListener l = new RecordingListener();
        Subscription s = e.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), l, tasks::add);
        s.register(QueryConfig.of("q", "SELECT rtId, b FROM latest.m"));
        e.onCommit(TENANT, Samples.batch().add("r1", t(-5), 1.0, 1).build());
        long g1 = e.cut(TENANT);
        e.onCommit(TENANT, Samples.batch().add("r1", t(-4), 1.0, 2).build());
        e.cut(TENANT);
        e.onCommit(TENANT, Samples.batch().add("r1", t(-3), 1.0, 3).build());
        long g3 = e.cut(TENANT);
        assertThat(tasks).hasSize(1);

        tasks.poll().run();
        assertThat(l.marks).as("one task, one generation").containsExactly(g1);
        assertThat(tasks).as("the rest handed back to the executor").hasSize(1);
        tasks.poll().run();
        assertThat(l.marks).as("then the merged generation").containsExactly(g1, g3);
        assertThat(tasks).isEmpty();
        assertThat(l.resultOf("q")).isEqualTo(Map.of(List.of("r1"), List.of("r1", 3L)));
        assertThat(l.violations).isEmpty();
    }

    @Test
    void register_duplicateId_isRejected() {
        sub.register(QueryConfig.of("q", "SELECT rtId FROM recent.m"));
        assertThatThrownBy(() -> sub.register(QueryConfig.of("q", "SELECT rtId FROM latest.m")))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    }

    @Test
    void unregister_pendingOutputDiscarded() {
        sub.register(QueryConfig.of("q", "SELECT rtId FROM recent.m"));
        sub.unregister("q");
        ingest(Samples.batch().add("r1", t(-5), 1.0, 9));
        engine.cut(TENANT);
        assertThat(listener.events).isEmpty();
    }
}
