package io.tidemark.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import io.tidemark.testing.Seeds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cluster determinism (issue 15, docs/scale-out.md "Generations across nodes"): three engines in log-time mode with
 * different wall clocks — one a year ahead, one a year behind, one jumping at random on every read — are fed the same
 * log: batches ({@code onCommit}), cuts ({@code cut(tenant, g, asOf)}, numbers with large gaps, instants mostly
 * increasing and sometimes earlier than the last), and the same registrations and unregistrations of random queries
 * ({@link QueryGenerator}: rows and GROUP BY, with and without {@code now()} windows, over {@code recent.m} and
 * {@code latest.m}). At every cut all three return the same generation; at every {@code aggMarkEnd} every subscriber's
 * results, rebuilt from its callbacks, are identical across the engines and equal DuckDB's evaluation from scratch
 * over the batches applied before the cut at the tenant's log time.
 *
 * <p>In most cases a fourth engine joins mid-log as a node joining a tenant does: it loads the rows of the live window
 * at the current log time plus each rtId's latest row (what it would read from the store at the log position),
 * gets a subscriber with queries some of which the other nodes already serve, and follows the log from there. Its
 * first snapshot comes in the first cut it applies, numbered as on the other nodes, and equals their results and the
 * oracle's; from then on it stays equal.
 *
 * <p>Replay one case with {@code -Dtest.seed=<case seed> -Dlive.logtime.cases=1}.
 */
class LogTimeOracleIT {
    private static final TenantId TENANT = TenantId.of("cluster");
    private static final int CASES = Integer.getInteger("live.logtime.cases", 60);
    private static DuckOracle duck;

    @BeforeAll
    static void open() throws Exception {
        duck = new DuckOracle();
    }

    @AfterAll
    static void close() throws Exception {
        duck.close();
    }

    static LongStream seeds() {
        return Seeds.fixedAndRandom("LogTimeOracleIT", 1L, 1_000_000L);
    }

    @ParameterizedTest(name = "base seed {0}")
    @MethodSource("seeds")
    void sameLog_differentWallClocks_sameGenerationsAndResultsAsFromScratch(long base) throws Exception {
        Coverage total = new Coverage();
        for (int i = 0; i < CASES; i++) {
            new Case(base + i, total).run();
        }
        assertThat(total.checks).as("queries checked").isGreaterThan(CASES);
        if (CASES >= 60) {
            assertThat(total.windowed).as("checks of now() windows").isPositive();
            assertThat(total.latest).as("checks over latest.m").isPositive();
            assertThat(total.grouped).as("checks of GROUP BY").isPositive();
            assertThat(total.joinerChecks).as("checks on joined nodes").isPositive();
            assertThat(total.earlierCuts).as("cuts with an earlier asOf").isPositive();
        }
    }

    /** What the checks covered, so that a generator change cannot hollow the test out unnoticed. */
    static final class Coverage {
        int checks;
        int windowed;
        int latest;
        int grouped;
        int joinerChecks;
        int earlierCuts;

        void count(String sql) {
            checks++;
            windowed += sql.contains("now()") ? 1 : 0;
            latest += sql.contains("latest.m") ? 1 : 0;
            grouped += sql.contains("GROUP BY") ? 1 : 0;
        }
    }

    /** A wall clock that jumps up to a day either way around the start on every read. */
    static final class JitterClock extends Clock {
        private final Random rnd;

        JitterClock(long seed) {
            this.rnd = new Random(seed);
        }

        @Override
        public synchronized Instant instant() {
            return Samples.T0.plusMillis(rnd.nextLong() % 86_400_000L);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** One engine (a node) and its subscribers, one per {@link SubSpec} in the same order. */
    static final class Node {
        final String name;
        final LiveEngine engine;
        final List<RecordingListener> listeners = new ArrayList<>();
        final List<Subscription> subscriptions = new ArrayList<>();

        Node(String name, Clock wall) {
            this.name = name;
            this.engine = LiveEngine.builder().clock(wall).logTime(true).deliveryExecutor(Runnable::run).build();
        }

        int subscribe() {
            RecordingListener l = new RecordingListener();
            listeners.add(l);
            subscriptions.add(engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), l));
            return listeners.size() - 1;
        }
    }

    /** A subscriber opened alike on several nodes: its queries by id. */
    static final class SubSpec {
        /** Query id → SQL, for queries whose snapshot has arrived (checked at every cut). */
        final Map<String, String> live = new LinkedHashMap<>();
        final Map<String, String> pending = new LinkedHashMap<>();
        final Map<String, QueryType> types = new HashMap<>();
    }

    private static final class Case {
        final long seed;
        final Random rnd;
        final Coverage coverage;
        final MutableClock ahead = new MutableClock(Samples.T0.plus(Duration.ofDays(365)));
        final List<Node> nodes;
        final List<SubSpec> subs = new ArrayList<>();
        final long windowSeconds;
        final QueryGenerator gen;
        /** The model: every row applied, by (timestamp, rtId), replaced as the engine replaces. */
        final TreeMap<RowKey, Object[]> all = new TreeMap<>();
        /** The writers' clock, which the cuts' instants come from and the samples' timestamps follow. */
        Instant writerClock;
        /** The tenant's log time in the model: the greatest asOf cut so far; null before the first cut. */
        Long logMicros;
        long lastCut;
        /** Cuts still to come from a writer whose clock is behind. */
        int slowCuts;
        int nextQuery;
        /** The node that joined mid-log, its one subscriber; null until it joins. */
        Node joiner;
        SubSpec joinerSub;

        Case(long seed, Coverage coverage) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.coverage = coverage;
            this.nodes = List.of(new Node("ahead", ahead),
                    new Node("behind", Clock.fixed(Samples.T0.minus(Duration.ofDays(365)), ZoneOffset.UTC)),
                    new Node("jitter", new JitterClock(seed)));
            this.windowSeconds = 10 + rnd.nextInt(50);
            this.gen = new QueryGenerator(rnd);
            this.writerClock = Samples.T0.plusSeconds(rnd.nextInt(100));
        }

        void run() throws Exception {
            for (Node n : nodes) {
                n.engine.defineArchive(TENANT, Samples.M, Duration.ofSeconds(windowSeconds));
            }
            int nSubs = 1 + rnd.nextInt(2);
            for (int i = 0; i < nSubs; i++) {
                SubSpec s = openSub();
                for (int q = 0; q < 1 + rnd.nextInt(4); q++) {
                    register(s);
                }
            }
            int steps = 8 + rnd.nextInt(14);
            int joinAt = rnd.nextInt(5) > 0 ? rnd.nextInt(steps - 1) : -1;
            for (int step = 0; step < steps; step++) {
                int k = rnd.nextInt(10);
                if (k < 5) {
                    ingest();
                } else if (k < 7) {
                    writerClock = writerClock.plusMillis(rnd.nextInt(4) == 0 ? 500 : 1000L * (1 + rnd.nextInt(12)));
                } else if (k == 7) {
                    register(subs.get(rnd.nextInt(subs.size())));
                } else if (k == 8) {
                    unregister(subs.get(rnd.nextInt(subs.size())));
                } else if (subs.size() < 4) {
                    register(openSub());
                }
                if (step == joinAt) {
                    join();
                }
                if (rnd.nextInt(3) == 0 || step == steps - 1 || step == joinAt) {
                    cutAndCheck();
                }
                ahead.advance(Duration.ofMillis(rnd.nextInt(5000)));
            }
        }

        SubSpec openSub() {
            SubSpec s = new SubSpec();
            subs.add(s);
            for (Node n : nodes) {
                n.subscribe();
            }
            return s;
        }

        void register(SubSpec s) {
            String id = "q" + nextQuery++;
            String sql = gen.next();
            QueryType type = rnd.nextInt(8) == 0 ? QueryType.SNAPSHOT : QueryType.SNAPSHOT_AND_CONTINUOUS;
            int i = subs.indexOf(s);
            for (Node n : nodes) {
                try {
                    n.subscriptions.get(i).register(new QueryConfig(id, sql, type));
                } catch (RuntimeException e) {
                    throw new AssertionError(where() + "node " + n.name + " rejected a generated query: " + sql, e);
                }
            }
            s.pending.put(id, sql);
            s.types.put(id, type);
        }

        void unregister(SubSpec s) {
            if (s.live.isEmpty()) {
                return;
            }
            String id = List.copyOf(s.live.keySet()).get(rnd.nextInt(s.live.size()));
            int i = subs.indexOf(s);
            for (Node n : nodes) {
                n.subscriptions.get(i).unregister(id);
            }
            s.live.remove(id);
        }

        void ingest() {
            Samples b = Samples.batch();
            int n = 1 + rnd.nextInt(6);
            long now = Micros.toMicros(writerClock);
            for (int i = 0; i < n; i++) {
                String rtId;
                Instant t;
                if (!all.isEmpty() && rnd.nextInt(4) == 0) {
                    RowKey existing = List.copyOf(all.keySet()).get(rnd.nextInt(all.size()));
                    rtId = existing.rtId();
                    t = Micros.fromMicros(existing.micros());
                } else {
                    rtId = "r" + rnd.nextInt(5);
                    t = Micros.fromMicros(now - 1_000_000L * rnd.nextInt((int) windowSeconds + 15)
                            + (rnd.nextInt(5) == 0 ? 2_000_000 : 0));
                }
                Double a = rnd.nextInt(10) == 0 ? null : (rnd.nextInt(41) - 20) / 2.0;
                Long bv = rnd.nextInt(10) == 0 ? null : (long) (rnd.nextInt(26) - 5);
                String s = rnd.nextInt(10) == 0 ? null : List.of("ab", "ac", "b", "bc", "x").get(rnd.nextInt(5));
                Boolean f = rnd.nextInt(10) == 0 ? null : rnd.nextBoolean();
                b.add(rtId, t, a, bv, s, f);
            }
            SampleBatch batch = b.build();
            for (Node node : followers()) {
                node.engine.onCommit(TENANT, batch);
            }
            for (int r = 0; r < batch.size(); r++) {
                Object[] row = {batch.rtId(r), batch.micros(r), batch.value(r, 0), batch.value(r, 1), batch.value(r, 2),
                    batch.value(r, 3)};
                all.put(RowKey.of(row), row);
            }
        }

        /** Every node that applies the log: the three from the start, and the joiner once it joined. */
        List<Node> followers() {
            if (joiner == null) {
                return nodes;
            }
            List<Node> out = new ArrayList<>(nodes);
            out.add(joiner);
            return out;
        }

        /**
         * A fourth node joins: it loads what the store holds at the log position — the live window's rows at the
         * current log time and each rtId's latest row — registers queries (some the others serve, some new) and
         * follows the log from here.
         */
        void join() {
            Node n = new Node("joiner", Clock.systemUTC());
            n.engine.defineArchive(TENANT, Samples.M, Duration.ofSeconds(windowSeconds));
            Map<RowKey, Object[]> load = new LinkedHashMap<>();
            long floor = logMicros == null ? Long.MIN_VALUE : logMicros - windowSeconds * 1_000_000L;
            all.tailMap(RowKey.floor(floor), true).forEach(load::put);
            latestRows().forEach(row -> load.put(RowKey.of(row), row));
            if (!load.isEmpty()) {
                Samples b = Samples.batch();
                for (Object[] row : load.values()) {
                    b.add((String) row[0], Micros.fromMicros((Long) row[1]), (Double) row[2], (Long) row[3],
                            (String) row[4], (Boolean) row[5]);
                }
                n.engine.onCommit(TENANT, b.build());
            }
            n.subscribe();
            SubSpec s = new SubSpec();
            for (SubSpec other : subs) {
                other.live.forEach((id, sql) -> {
                    if (rnd.nextBoolean()) {
                        s.pending.put("j" + id, sql);
                    }
                });
            }
            for (int q = 0; q < 1 + rnd.nextInt(2); q++) {
                s.pending.put("j" + nextQuery++, gen.next());
            }
            s.pending.forEach((id, sql) -> {
                n.subscriptions.get(0).register(QueryConfig.of(id, sql));
                s.types.put(id, QueryType.SNAPSHOT_AND_CONTINUOUS);
            });
            joiner = n;
            joinerSub = s;
        }

        List<Object[]> latestRows() {
            Map<String, Object[]> latest = new HashMap<>();
            for (Object[] row : all.values()) {
                latest.put((String) row[0], row);
            }
            return new ArrayList<>(latest.values());
        }

        void cutAndCheck() throws Exception {
            long g = lastCut + 1 + (rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(5000));
            lastCut = g;
            Instant asOf = writerClock;
            boolean joinerStarts = joiner != null && !joinerSub.pending.isEmpty();
            if (slowCuts == 0 && rnd.nextInt(6) == 0) {
                slowCuts = 1 + rnd.nextInt(3);
            }
            if (logMicros != null && !joinerStarts && slowCuts > 0) {
                // A run of cuts appended by a writer whose clock is behind the last one's (a zombie writer): the log
                // time stays, for the rows applied between them too. Not as a joiner's first cut: a node that starts
                // at a cut takes that cut's instant as the tenant's log time, so the log must not go back there
                // (docs/scale-out.md, "The clock").
                asOf = Micros.fromMicros(logMicros - 1_000_000L * rnd.nextInt(6));
                slowCuts--;
                coverage.earlierCuts++;
            }
            logMicros = logMicros == null ? Micros.toMicros(asOf) : Math.max(logMicros, Micros.toMicros(asOf));
            long[] cut = new long[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                cut[i] = nodes.get(i).engine.cut(TENANT, g, asOf);
            }
            long joinerCut = joiner == null ? LiveEngine.NO_GENERATION : joiner.engine.cut(TENANT, g, asOf);
            for (int i = 1; i < nodes.size(); i++) {
                assertThat(cut[i]).as("%sgeneration cut on node %s vs %s", where(), nodes.get(i).name,
                        nodes.get(0).name).isEqualTo(cut[0]);
            }
            assertThat(cut[0]).as(where() + "a cut returns its own number or none").isIn(g, LiveEngine.NO_GENERATION);
            assertThat(joinerCut).as(where() + "joiner's cut").isIn(g, LiveEngine.NO_GENERATION);

            Instant now = Micros.fromMicros(logMicros);
            List<Object[]> recent = new ArrayList<>(
                    all.tailMap(RowKey.floor(logMicros - windowSeconds * 1_000_000L), true).values());
            duck.load(recent, latestRows());
            for (int i = 0; i < subs.size(); i++) {
                checkSub(subs.get(i), i, nodes, cut[0], g, now);
            }
            if (joiner != null) {
                checkJoiner(joinerCut, g, now);
            }
        }

        /** One subscriber alike on {@code on}: marks, then each query against DuckDB and against the first node. */
        void checkSub(SubSpec s, int index, List<Node> on, long cut, long g, Instant now) throws Exception {
            for (Node n : on) {
                RecordingListener l = n.listeners.get(index);
                assertThat(l.violations).as("%snode %s: protocol", where(), n.name).isEmpty();
                if (cut != LiveEngine.NO_GENERATION && !s.pending.isEmpty()) {
                    assertThat(l.lastMark()).as("%snode %s: last mark", where(), n.name).isEqualTo(g);
                }
                assertThat(l.atMark.get(g)).as("%snode %s: results at aggMarkEnd(%d)", where(), n.name, g)
                        .isEqualTo(on.get(0).listeners.get(index).atMark.get(g));
            }
            if (cut == LiveEngine.NO_GENERATION) {
                assertThat(s.pending).as(where() + "a registration always cuts").isEmpty();
            }
            s.pending.forEach((id, sql) -> {
                if (s.types.get(id) == QueryType.SNAPSHOT_AND_CONTINUOUS) {
                    s.live.put(id, sql);
                }
            });
            Map<String, String> checked = new LinkedHashMap<>(s.pending);
            checked.putAll(s.live);
            s.pending.clear();
            for (Map.Entry<String, String> e : checked.entrySet()) {
                List<List<Object>> expected = duck.query(e.getValue(), now);
                coverage.count(e.getValue());
                for (Node n : on) {
                    check(n, n.listeners.get(index), e.getKey(), e.getValue(), expected, g, now);
                }
            }
        }

        void checkJoiner(long joinerCut, long g, Instant now) throws Exception {
            RecordingListener l = joiner.listeners.get(0);
            boolean first = !joinerSub.pending.isEmpty();
            if (first) {
                assertThat(joinerCut).as(where() + "the joiner's first cut delivers its first generation").isEqualTo(g);
                assertThat(l.marks).as(where() + "the joiner's first snapshot, in the cut's generation").containsExactly(g);
            }
            assertThat(l.violations).as(where() + "joiner: protocol").isEmpty();
            joinerSub.live.putAll(joinerSub.pending);
            joinerSub.pending.clear();
            for (Map.Entry<String, String> e : joinerSub.live.entrySet()) {
                List<List<Object>> expected = duck.query(e.getValue(), now);
                coverage.count(e.getValue());
                coverage.joinerChecks++;
                check(joiner, l, e.getKey(), e.getValue(), expected, g, now);
                sameAsFirstNode(l, e.getKey(), e.getValue(), g, now);
            }
        }

        /** The joiner's result of a query equals the first node's for the same SQL, if one of its subscribers has it. */
        void sameAsFirstNode(RecordingListener joined, String id, String sql, long g, Instant now) {
            for (int i = 0; i < subs.size(); i++) {
                for (Map.Entry<String, String> e : subs.get(i).live.entrySet()) {
                    if (!e.getValue().equals(sql)) {
                        continue;
                    }
                    List<List<Object>> first = DuckOracle.normalizeAll(nodes.get(0).listeners.get(i).resultOf(e.getKey()).values());
                    List<List<Object>> actual = DuckOracle.normalizeAll(joined.resultOf(id).values());
                    if (!DuckOracle.sameRows(first, actual)) {
                        fail("%sjoiner vs node %s at cut %d, log time %s, query %s%n  first node: %s%n  joiner:     %s",
                                where(), nodes.get(0).name, g, now, sql, first, actual);
                    }
                }
            }
        }

        void check(Node n, RecordingListener l, String id, String sql, List<List<Object>> expected, long g, Instant now) {
            List<List<Object>> actual = DuckOracle.normalizeAll(l.resultOf(id).values());
            if (!DuckOracle.sameRows(expected, actual)) {
                fail("%snode %s, cut %d, log time %s, query %s: %s%n  expected (DuckDB): %s%n  actual (rebuilt): %s",
                        where(), n.name, g, now, id, sql, expected, actual);
            }
            assertThat(l.errors).as("%snode %s: errors", where(), n.name).isEmpty();
        }

        String where() {
            return "case seed " + seed + " (rerun: -Dtest.seed=" + seed + " -Dlive.logtime.cases=1): ";
        }
    }
}
