package io.tidemark.live;

import static io.tidemark.live.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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

/**
 * The two ways an engine keeps time: its own clock and numbering ({@code cut(tenant)}, single-node mode) and the
 * tenant's log time ({@code cut(tenant, generation, asOf)}, {@link LiveEngine.Builder#logTime}, cluster mode).
 */
class LogTimeEngineTest {
    private static final TenantId TENANT = TenantId.of("acme");
    /** Far from every instant the tests cut at: a log-time engine must never read it. */
    private MutableClock wall;
    private LiveEngine engine;
    private RecordingListener listener;
    private Subscription sub;

    @BeforeEach
    void setUp() {
        wall = new MutableClock(T0.plus(Duration.ofDays(30)));
        engine = LiveEngine.builder().clock(wall).logTime(true).deliveryExecutor(Runnable::run).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        listener = new RecordingListener();
        sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
    }

    private static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    private Map<List<Object>, List<Object>> result(RecordingListener l, String q) {
        assertThat(l.violations).isEmpty();
        return l.resultOf(q);
    }

    /** The first column of each row of a query's result: the rtIds of {@code SELECT rtId …}. */
    private java.util.Set<Object> rtIds(String q) {
        return result(listener, q).values().stream().map(v -> v.get(0)).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void cut_singleNodeMode_numbersOneTwoThreeAtTheInjectedClock() {
        MutableClock clock = new MutableClock(T0);
        LiveEngine single = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run).build();
        single.defineArchive(TENANT, Samples.M, Duration.ofSeconds(30));
        RecordingListener l = new RecordingListener();
        single.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), l)
                .register(QueryConfig.of("q", "SELECT COUNT(*) AS n FROM recent.m"));
        single.onCommit(TENANT, Samples.batch().add("r1", t(-20), 1.0, 1).add("r2", t(-5), 1.0, 2).build());

        long first = single.cut(TENANT);
        clock.advance(Duration.ofSeconds(12));
        long second = single.cut(TENANT);
        assertThat(single.cut(TENANT)).as("nothing changed").isEqualTo(LiveEngine.NO_GENERATION);
        single.onCommit(TENANT, Samples.batch().add("r3", t(11), 1.0, 3).build());
        long third = single.cut(TENANT);

        assertThat(List.of(first, second, third)).containsExactly(1L, 2L, 3L);
        assertThat(l.atMark.get(1L).get("q")).containsValue(List.of(2L));
        assertThat(l.atMark.get(2L).get("q")).as("r1 left the window at the clock's T0+12s").containsValue(List.of(1L));
        assertThat(l.atMark.get(3L).get("q")).containsValue(List.of(2L));
    }

    @Test
    void cut_logTime_deliversTheGivenNumberAndAppliesAsOfNotTheEngineClock() {
        sub.register(QueryConfig.of("q", "SELECT rtId FROM recent.m WHERE timestamp > now() - INTERVAL '10' SECOND"));
        engine.onCommit(TENANT, Samples.batch().add("r1", t(-30), 1.0, 1).add("r2", t(-5), 1.0, 2).build());

        long g = engine.cut(TENANT, 1_000_001, t(0));

        assertThat(g).isEqualTo(1_000_001);
        assertThat(engine.generation(TENANT)).isEqualTo(1_000_001);
        assertThat(listener.marks).containsExactly(1_000_001L);
        assertThat(rtIds("q")).containsOnly("r2");

        assertThat(engine.cut(TENANT, 1_000_050, t(6))).isEqualTo(1_000_050);
        assertThat(result(listener, "q")).as("r2 left the 10 s window at log time T0+6s").isEmpty();
    }

    @Test
    void onCommit_logTime_floorIsTheLastCutsAsOf() {
        engine.cut(TENANT, 5, t(100));
        sub.register(QueryConfig.of("r", "SELECT COUNT(*) AS n FROM recent.m"));
        sub.register(QueryConfig.of("l", "SELECT COUNT(*) AS n FROM latest.m"));
        // At log time T0+100s with a 1-minute window, T0+30s is out of recent (the wall clock, 30 days ahead, would
        // put every row out; a wall clock behind would keep it in).
        engine.onCommit(TENANT, Samples.batch().add("old", t(30), 1.0, 1).add("new", t(50), 1.0, 2).build());

        assertThat(engine.cut(TENANT, 9, t(100))).isEqualTo(9);

        assertThat(result(listener, "r")).containsValue(List.of(1L));
        assertThat(result(listener, "l")).containsValue(List.of(2L));
    }

    @Test
    void register_logTime_snapshotEvaluatedAtLogTimeBeforeAndAfterTheFirstCut() {
        engine.onCommit(TENANT, Samples.batch().add("r1", t(-40), 1.0, 1).add("r2", t(-2), 1.0, 2).build());
        // Before any cut the tenant's log time is the beginning of time: the window admits both rows, and the first
        // cut moves it to its asOf.
        assertThat(engine.snapshot(TENANT, "SELECT rtId FROM recent.m WHERE timestamp >= now() - INTERVAL '5' SECOND")
                .rows()).hasSize(2);
        sub.register(QueryConfig.of("q", "SELECT rtId FROM recent.m WHERE timestamp >= now() - INTERVAL '5' SECOND"));

        engine.cut(TENANT, 3, t(0));

        assertThat(rtIds("q")).containsOnly("r2");
        assertThat(engine.snapshot(TENANT, "SELECT rtId FROM recent.m WHERE timestamp >= now() - INTERVAL '5' SECOND")
                .rows()).hasSize(1);
        assertThat(engine.snapshot(TENANT, "SELECT rtId FROM recent.m").rows()).as("live window 1 min at T0").hasSize(2);
    }

    @Test
    void cut_logTime_rowsLoadedBeforeTheFirstCut_olderThanTheWindowExpireAtIt_latestKeepsThem() {
        sub.register(QueryConfig.of("r", "SELECT rtId FROM recent.m"));
        sub.register(QueryConfig.of("l", "SELECT rtId FROM latest.m"));
        engine.onCommit(TENANT, Samples.batch().add("gone", t(-61), 1.0, 1).add("kept", t(-60), 1.0, 2).build());

        engine.cut(TENANT, 77, t(0));

        assertThat(rtIds("r")).containsOnly("kept");
        assertThat(rtIds("l")).containsOnly("gone", "kept");
    }

    @Test
    void cut_logTime_nothingChanged_noGenerationButTheNumberAndTheClockAreTaken() {
        sub.register(QueryConfig.of("q", "SELECT COUNT(*) AS n FROM recent.m"));
        engine.onCommit(TENANT, Samples.batch().add("r1", t(-50), 1.0, 1).build());
        assertThat(engine.cut(TENANT, 10, t(0))).isEqualTo(10);

        assertThat(engine.cut(TENANT, 20, t(5))).isEqualTo(LiveEngine.NO_GENERATION);
        assertThat(engine.generation(TENANT)).isEqualTo(10);
        TidemarkException replay = catchThrowableOfType(() -> engine.cut(TENANT, 15, t(20)), TidemarkException.class);
        assertThat(replay.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(replay).hasMessageContaining("not above its last cut 20");

        assertThat(engine.cut(TENANT, 21, t(11))).as("r1 leaves the window").isEqualTo(21);
        assertThat(result(listener, "q")).containsValue(List.of(0L));
    }

    @Test
    void cut_logTime_sameOrLowerNumber_refusedAndChangesNothing() {
        sub.register(QueryConfig.of("q", "SELECT COUNT(*) AS n FROM recent.m"));
        engine.onCommit(TENANT, Samples.batch().add("r1", t(-50), 1.0, 1).build());
        engine.cut(TENANT, 10, t(0));

        for (long g : new long[] {10, 9}) {
            TidemarkException e = catchThrowableOfType(() -> engine.cut(TENANT, g, t(30)), TidemarkException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE);
        }

        assertThat(engine.generation(TENANT)).isEqualTo(10);
        assertThat(engine.snapshot(TENANT, "SELECT COUNT(*) AS n FROM recent.m").rows().get(0).values())
                .as("the refused cuts did not move the log time to T0+30s").containsExactly(1L);
    }

    @Test
    void cut_logTime_earlierAsOf_keepsTheLogTime() {
        sub.register(QueryConfig.of("q", "SELECT rtId FROM recent.m WHERE timestamp > now() - INTERVAL '10' SECOND"));
        engine.onCommit(TENANT, Samples.batch().add("r1", t(-5), 1.0, 1).build());
        engine.cut(TENANT, 1, t(10));
        assertThat(result(listener, "q")).isEmpty();

        engine.onCommit(TENANT, Samples.batch().add("r2", t(2), 1.0, 2).build());
        assertThat(engine.cut(TENANT, 2, t(0))).isEqualTo(2);

        assertThat(rtIds("q")).as("the window stays at T0+10s: r1 out, r2 in").containsOnly("r2");
    }

    @Test
    void cut_modeMismatch_refused() {
        LiveEngine single = LiveEngine.builder().clock(wall).build();
        single.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));

        assertThat(catchThrowableOfType(() -> single.cut(TENANT, 1, T0), TidemarkException.class).code())
                .isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(catchThrowableOfType(() -> engine.cut(TENANT), TidemarkException.class).code())
                .isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(catchThrowableOfType(engine::cutAll, TidemarkException.class).code())
                .isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(catchThrowableOfType(() -> engine.cut(TENANT, 0, T0), TidemarkException.class).code())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void cut_logTime_unknownTenant_noGeneration() {
        assertThat(engine.cut(TenantId.of("nobody"), 4, T0)).isEqualTo(LiveEngine.NO_GENERATION);
        assertThat(engine.generation(TenantId.of("nobody"))).isEqualTo(LiveEngine.NO_GENERATION);
    }

    @Test
    void register_onSecondEngineAfterCuts_snapshotEqualsFirstEnginesResultAtThatGeneration() {
        MutableClock behind = new MutableClock(T0.minus(Duration.ofDays(30)));
        LiveEngine other = LiveEngine.builder().clock(behind).logTime(true).deliveryExecutor(Runnable::run).build();
        other.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        String sql = "SELECT s, COUNT(*) AS n, SUM(b) AS total FROM recent.m"
                + " WHERE timestamp >= now() - INTERVAL '30' SECOND GROUP BY s";
        sub.register(QueryConfig.of("q", sql));
        long g = 100;
        for (int i = 0; i < 6; i++) {
            var batch = Samples.batch().add("r" + i, t(10 * i - 15), 1.0, (long) i, i % 2 == 0 ? "even" : "odd", null)
                    .add("r" + i, t(10 * i - 3), 2.0, 10L + i, "x", null).build();
            engine.onCommit(TENANT, batch);
            other.onCommit(TENANT, batch);
            g += 37;
            engine.cut(TENANT, g, t(10 * i));
            other.cut(TENANT, g, t(10 * i));
        }
        RecordingListener late = new RecordingListener();
        other.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), late).register(QueryConfig.of("late", sql));
        behind.advance(Duration.ofDays(1));
        g += 37;

        assertThat(other.cut(TENANT, g, t(55))).isEqualTo(g);
        engine.cut(TENANT, g, t(55));

        assertThat(late.marks).containsExactly(g);
        assertThat(late.violations).isEmpty();
        Map<List<Object>, List<Object>> first = result(listener, "q");
        assertThat(first).as("groups at log time T0+55s").containsOnlyKeys(List.of("even"), List.of("odd"), List.of("x"));
        assertThat(late.resultOf("late")).isEqualTo(first);
    }
}
