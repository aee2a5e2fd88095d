package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tidemark.core.Micros;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.live.DuckOracle;
import io.tidemark.live.LiveEngine;
import io.tidemark.live.QueryConfig;
import io.tidemark.live.RecordingListener;
import io.tidemark.live.Samples;
import io.tidemark.live.Subscription;
import java.nio.charset.StandardCharsets;
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
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The log of one partition as a writer makes it, and the oracle over it, for {@link LogFollowerIT}: BATCH records of
 * a few tenants (some refused by the "store", some unreadable), CUTs appended as the writer would (upTo at or behind
 * the end so that some records wait for a later cut, the rejected offsets since the previous cut, instants never
 * decreasing), and for every cut each tenant's expected tables ({@code recent.m} at the cut's log time,
 * {@code latest.m}) over the accepted batches below its {@code upTo}. Nodes — a log-time engine with its own wall
 * clock, one subscriber per tenant with the same queries, a {@link LogFollower} — follow the partition; at the end
 * {@link #check} compares every node's results at every {@code aggMarkEnd(g)} with the oracle at cut {@code g} and
 * with the other nodes.
 */
final class FollowScenario implements AutoCloseable {
    static final long VERSION = 7;
    static final Duration WINDOW = Duration.ofSeconds(30);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    final LogSettings settings;
    final int partition;
    final List<TenantId> tenants;
    final TenantId elsewhere;
    final Random rnd;
    final List<String> queries = new ArrayList<>();
    final List<Node> nodes = new ArrayList<>();
    private final LogProducer producer;
    private final KafkaProducer<byte[], byte[]> raw;
    /** Records of the partition by offset: the tenant's batch (null for an unreadable one) and whether refused. */
    private final TreeMap<Long, Appended> log = new TreeMap<>();
    private final Map<Long, Expected> cuts = new LinkedHashMap<>();
    private final Map<TenantId, Map<List<Object>, Object[]>> applied = new HashMap<>();
    private long end;
    private long upTo;
    private long appliedThrough;
    private Instant writerClock = Samples.T0.plusSeconds(100);
    private Instant logTime;
    private long lastCut = -1;
    int unreadable;

    record Appended(TenantId tenant, List<SampleBatch> batches, boolean rejected) {}

    /** Each tenant's tables at one cut, and the log time there. */
    record Expected(Instant logTime, Map<TenantId, List<Object[]>> recent, Map<TenantId, List<Object[]>> latest) {}

    FollowScenario(String bootstrap, String topic, long seed) {
        this.settings = LogSettings.builder(bootstrap).topic(topic).partitions(2).nodeId("writer")
                .produceTimeout(Duration.ofSeconds(10)).build();
        LogTopic.ensure(settings, Duration.ofSeconds(20));
        this.rnd = new Random(seed);
        this.partition = 0;
        List<TenantId> same = new ArrayList<>();
        TenantId other = null;
        for (int i = 0; same.size() < 3 || other == null; i++) {
            TenantId t = TenantId.of("t" + i);
            if (LogPartitions.of(t, 2) == partition) {
                if (same.size() < 3) {
                    same.add(t);
                }
            } else if (other == null) {
                other = t;
            }
        }
        this.tenants = List.copyOf(same);
        this.elsewhere = other;
        this.producer = LogProducer.open(settings);
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        this.raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        io.tidemark.live.QueryGenerator gen = new io.tidemark.live.QueryGenerator(rnd);
        for (int i = 0; i < 8; i++) {
            queries.add(gen.next());
        }
        queries.add("SELECT rtId, count(*) AS n, sum(a) AS s FROM recent.m GROUP BY rtId");
        queries.add("SELECT rtId, timestamp, a FROM recent.m WHERE timestamp > now() - INTERVAL '10 seconds'");
        for (TenantId t : tenants) {
            applied.put(t, new HashMap<>());
        }
    }

    // ---- the writer's side ------------------------------------------------------------------------------------

    /** Some random steps: batches, unreadable records, clock moves, cuts (with some records left above upTo). */
    void steps(int n) {
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(20);
            if (k < 10) {
                batch(tenants.get(rnd.nextInt(tenants.size())));
            } else if (k == 10) {
                unreadable();
            } else if (k == 11) {
                producer.append(elsewhere, new LogRecord.Batch("n2", writerClock, List.of(BatchPart.of(VERSION,
                        randomBatch()))));
            } else if (k < 15) {
                writerClock = writerClock.plusMillis(rnd.nextInt(4) == 0 ? 500 : 1000L * (1 + rnd.nextInt(8)));
            } else {
                cut(rnd.nextInt(3) == 0 ? upTo + rnd.nextInt((int) (end - upTo) + 1) : end);
            }
        }
    }

    void batch(TenantId tenant) {
        List<BatchPart> parts = new ArrayList<>();
        parts.add(BatchPart.of(VERSION, randomBatch()));
        if (rnd.nextInt(5) == 0) {
            parts.add(BatchPart.of(VERSION, randomBatch()));
        }
        LogRecord.Batch b = new LogRecord.Batch("n1", writerClock, parts);
        long offset = producer.append(tenant, b);
        record(offset, tenant, parts, rnd.nextInt(8) == 0);
    }

    private void record(long offset, TenantId tenant, List<BatchPart> parts, boolean rejected) {
        assertThat(offset).as("records of one partition, in order").isGreaterThanOrEqualTo(end);
        log.put(offset, new Appended(tenant, parts.stream().map(p -> p.rows(Samples.M)).toList(), rejected));
        end = offset + 1;
    }

    /** A record the codec refuses (an unknown encoding version or a value that does not decode); the writer rejects it. */
    void unreadable() {
        TenantId t = tenants.get(rnd.nextInt(tenants.size()));
        boolean version = rnd.nextBoolean();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(settings.topic(), partition,
                t.value().getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3, (byte) 0xFF},
                List.of(new RecordHeader(LogCodec.TYPE_HEADER, "BATCH".getBytes(StandardCharsets.US_ASCII)),
                        new RecordHeader(LogCodec.VERSION_HEADER, (version ? "9" : "1").getBytes(
                                StandardCharsets.US_ASCII))));
        long offset;
        try {
            offset = raw.send(r).get(20, TimeUnit.SECONDS).offset();
        } catch (Exception e) {
            throw new AssertionError("appending an unreadable record", e);
        }
        assertThat(offset).isGreaterThanOrEqualTo(end);
        log.put(offset, new Appended(t, List.of(), true));
        end = offset + 1;
        unreadable++;
    }

    /** A CUT with {@code upTo} (at most the end): the rejected offsets since the last cut, the writer's clock. */
    long cut(long to) {
        long newUpTo = Math.max(upTo, Math.min(to, end));
        List<Long> rejected = log.subMap(upTo, true, newUpTo, false).entrySet().stream()
                .filter(e -> e.getValue().rejected()).map(Map.Entry::getKey).toList();
        Instant at = logTime == null || writerClock.isAfter(logTime) ? writerClock : logTime;
        long offset = producer.appendCut(partition, new LogRecord.Cut(at, newUpTo, rejected, 42L));
        assertThat(offset).isGreaterThanOrEqualTo(end);
        end = offset + 1;
        upTo = newUpTo;
        logTime = at;
        applyThrough(upTo);
        cuts.put(offset, expected());
        upTos.put(offset, upTo);
        logTimes.put(offset, logTime);
        lastCut = offset;
        return offset;
    }

    /** The oracle's store: the accepted batches below {@code to}, in log order. */
    private void applyThrough(long to) {
        for (Map.Entry<Long, Appended> e : log.subMap(appliedThrough, true, to, false).entrySet()) {
            Appended a = e.getValue();
            if (a.rejected()) {
                continue;
            }
            for (SampleBatch b : a.batches()) {
                apply(applied.get(a.tenant()), b);
            }
        }
        appliedThrough = Math.max(appliedThrough, to);
    }

    private static void apply(Map<List<Object>, Object[]> rows, SampleBatch b) {
        for (int r = 0; r < b.size(); r++) {
            Object[] row = {b.rtId(r), b.micros(r), b.value(r, 0), b.value(r, 1), b.value(r, 2), b.value(r, 3)};
            rows.put(List.of(row[1], row[0]), row);
        }
    }

    private Expected expected() {
        Map<TenantId, List<Object[]>> recent = new HashMap<>();
        Map<TenantId, List<Object[]>> latest = new HashMap<>();
        long floor = Micros.toMicros(logTime) - WINDOW.toNanos() / 1000;
        for (TenantId t : tenants) {
            recent.put(t, applied.get(t).values().stream().filter(r -> (Long) r[1] >= floor).toList());
            latest.put(t, latestOf(applied.get(t).values()));
        }
        return new Expected(logTime, recent, latest);
    }

    private static List<Object[]> latestOf(Iterable<Object[]> rows) {
        Map<String, Object[]> latest = new HashMap<>();
        for (Object[] r : rows) {
            latest.merge((String) r[0], r, (a, b) -> (Long) a[1] >= (Long) b[1] ? a : b);
        }
        return new ArrayList<>(latest.values());
    }

    private SampleBatch randomBatch() {
        Samples b = Samples.batch();
        int n = 1 + rnd.nextInt(6);
        long now = Micros.toMicros(writerClock);
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            String rtId = "r" + rnd.nextInt(5);
            long t = now - 1_000_000L * rnd.nextInt((int) WINDOW.toSeconds() + 15)
                    + (rnd.nextInt(5) == 0 ? 2_000_000 : 0);
            if (!keys.add(rtId + "/" + t)) {
                continue;
            }
            Double a = rnd.nextInt(10) == 0 ? null : (rnd.nextInt(41) - 20) / 2.0;
            Long bv = rnd.nextInt(10) == 0 ? null : (long) (rnd.nextInt(26) - 5);
            String s = rnd.nextInt(10) == 0 ? null : List.of("ab", "ac", "b", "bc", "x").get(rnd.nextInt(5));
            Boolean f = rnd.nextInt(10) == 0 ? null : rnd.nextBoolean();
            b.add(rtId, Micros.fromMicros(t), a, bv, s, f);
        }
        return b.build();
    }

    /** The position a node joining now reads from the store: everything appended so far is committed (or refused). */
    long storePosition() {
        return end;
    }

    /** The offset of the last CUT appended; -1 for none. */
    long lastCut() {
        return lastCut;
    }

    /** The writer's committed position as of the last cut: the upTo of the last CUT. */
    long lastUpTo() {
        return upTo;
    }

    // ---- the nodes -------------------------------------------------------------------------------------------

    /** A node: a log-time engine on its own wall clock, a subscriber per tenant with every query, a follower. */
    final class Node implements AutoCloseable {
        final String name;
        final LiveEngine engine;
        final Map<TenantId, RecordingListener> listeners = new LinkedHashMap<>();
        final Map<TenantId, Subscription> subscriptions = new HashMap<>();
        /** Per tenant: the position it joined at (0 for from the start). */
        final Map<TenantId, Long> joinedAt = new HashMap<>();
        final Map<TenantId, java.util.concurrent.CompletableFuture<Long>> first = new HashMap<>();
        LogFollower follower;

        Node(String name, Clock wall) {
            this(name, wall, LogFollower.DEFAULT_MAX_BUFFER_BYTES);
        }

        /** A node whose follower drops its buffer past {@code maxBufferBytes} and reads it again. */
        Node(String name, Clock wall, long maxBufferBytes) {
            this.name = name;
            this.engine = LiveEngine.builder().clock(wall).logTime(true).deliveryExecutor(Runnable::run).build();
            this.follower = LogFollower.builder(settings, partition, engine,
                    (t, archive, v) -> "m".equals(archive) && v == VERSION ? Samples.M : null)
                    .pollTimeout(Duration.ofMillis(100)).maxBufferBytes(maxBufferBytes).build();
            nodes.add(this);
        }

        /** Defines the archive, loads what the store holds at {@code position}, subscribes, then follows. */
        void join(TenantId t, long position) {
            engine.defineArchive(t, Samples.M, WINDOW);
            load(t, position);
            RecordingListener l = new RecordingListener();
            Subscription s = engine.subscribe(t, Set.of(io.tidemark.live.Capabilities.AGG_MARK_END), l);
            for (int q = 0; q < queries.size(); q++) {
                s.register(QueryConfig.of("q" + q, queries.get(q)));
            }
            listeners.put(t, l);
            subscriptions.put(t, s);
            joinedAt.put(t, position);
            first.put(t, follower.follow(t, position));
        }

        /**
         * What a node reads from the store at {@code position}: of the accepted batches below it, the rows of the
         * live window at the log time of the cuts below the position, and each rtId's latest row.
         */
        private void load(TenantId t, long position) {
            if (position == 0) {
                return;
            }
            Map<List<Object>, Object[]> rows = new HashMap<>();
            for (Map.Entry<Long, Appended> e : log.headMap(position, false).entrySet()) {
                Appended a = e.getValue();
                if (!a.rejected() && t.equals(a.tenant())) {
                    a.batches().forEach(b -> apply(rows, b));
                }
            }
            Instant at = logTimeBefore(position);
            long floor = at == null ? Long.MIN_VALUE : Micros.toMicros(at) - WINDOW.toNanos() / 1000;
            Map<List<Object>, Object[]> load = new LinkedHashMap<>();
            rows.forEach((k, r) -> {
                if ((Long) r[1] >= floor) {
                    load.put(k, r);
                }
            });
            latestOf(rows.values()).forEach(r -> load.put(List.of(r[1], r[0]), r));
            if (load.isEmpty()) {
                return;
            }
            Samples b = Samples.batch();
            load.values().forEach(r -> b.add((String) r[0], Micros.fromMicros((Long) r[1]), (Double) r[2],
                    (Long) r[3], (String) r[4], (Boolean) r[5]));
            engine.onCommit(t, b.build());
        }

        void start() {
            follower.start();
        }

        /** Waits (bounded) until the follower applied the last cut appended. */
        void awaitCut(long cut) {
            long deadline = System.nanoTime() + CATCH_UP.toNanos();
            while (follower.status().lastCut() < cut) {
                if (System.nanoTime() > deadline) {
                    fail("node %s did not apply the cut at %d within %s: %s", name, cut, CATCH_UP, follower.status());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }

        @Override
        public void close() {
            follower.close();
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

    // ---- the checks ------------------------------------------------------------------------------------------

    /**
     * Waits until every node applied the last cut, then: each node's results at each of its marks equal the oracle at
     * that cut; nodes that followed a tenant from the same position have the same marks with identical results; a
     * node that joined a tenant later has its first mark at its first cut and then the others' marks.
     *
     * @return the number of (node, tenant, mark, query) results checked against the oracle
     */
    int check(DuckOracle duck) throws Exception {
        long last = lastCut;
        for (Node n : nodes) {
            if (n.follower.status().state() == FollowerStatus.State.FOLLOWING) {
                n.awaitCut(last);
            }
        }
        int checked = 0;
        for (TenantId t : tenants) {
            List<Node> reference = nodes.stream().filter(n -> Long.valueOf(0).equals(n.joinedAt.get(t))
                    && n.follower.status().state() == FollowerStatus.State.FOLLOWING).toList();
            assertThat(reference).as("nodes following tenant %s from the start", t).hasSizeGreaterThanOrEqualTo(2);
            Node ref = reference.get(0);
            List<Long> refMarks = marks(ref, t);
            assertThat(refMarks).as("generations of tenant %s on %s", t, ref.name).isNotEmpty();
            for (Node n : reference) {
                assertThat(marks(n, t)).as("generations of tenant %s on %s vs %s", t, n.name, ref.name)
                        .isEqualTo(refMarks);
                assertThat(atMarks(n, t)).as("results of tenant %s on %s vs %s", t, n.name, ref.name)
                        .isEqualTo(atMarks(ref, t));
            }
            for (Node n : nodes) {
                if (!n.listeners.containsKey(t)) {
                    continue;
                }
                RecordingListener l = n.listeners.get(t);
                synchronized (l) {
                    assertThat(l.violations).as("%s tenant %s: protocol", n.name, t).isEmpty();
                    assertThat(l.errors).as("%s tenant %s: errors", n.name, t).isEmpty();
                }
                if (!reference.contains(n) && n.joinedAt.get(t) > 0) {
                    checkJoined(n, t, refMarks);
                }
                checked += checkOracle(n, t, duck);
            }
        }
        return checked;
    }

    private void checkJoined(Node n, TenantId t, List<Long> refMarks) throws Exception {
        long first = n.first.get(t).get(1, TimeUnit.SECONDS);
        long joinedAt = n.joinedAt.get(t);
        long expectedFirst = cuts.keySet().stream().filter(c -> cuts.get(c) != null && upToOf(c) >= joinedAt)
                .findFirst().orElseThrow() + 1;
        assertThat(first).as("%s tenant %s joined at %d: first cut", n.name, t, joinedAt).isEqualTo(expectedFirst);
        List<Long> marks = marks(n, t);
        assertThat(marks).as("%s tenant %s: the first snapshot comes in the first cut", n.name, t).startsWith(first);
        assertThat(marks.subList(1, marks.size())).as("%s tenant %s: then the other nodes' generations", n.name, t)
                .isEqualTo(refMarks.stream().filter(g -> g > first).toList());
    }

    private final Map<Long, Long> upTos = new HashMap<>();
    private final TreeMap<Long, Instant> logTimes = new TreeMap<>();

    /** The log time as of the cuts below {@code position}; null before the first cut. */
    private Instant logTimeBefore(long position) {
        Map.Entry<Long, Instant> e = logTimes.lowerEntry(position);
        return e == null ? null : e.getValue();
    }

    private long upToOf(long cutOffset) {
        return upTos.get(cutOffset);
    }

    private int checkOracle(Node n, TenantId t, DuckOracle duck) throws Exception {
        Map<Long, Map<String, Map<List<Object>, List<Object>>>> at = atMarks(n, t);
        int checked = 0;
        for (Map.Entry<Long, Map<String, Map<List<Object>, List<Object>>>> m : at.entrySet()) {
            Expected e = cuts.get(m.getKey() - 1);
            assertThat(e).as("%s tenant %s: generation %d is a cut's offset + 1", n.name, t, m.getKey()).isNotNull();
            duck.load(e.recent().get(t), e.latest().get(t));
            for (int q = 0; q < queries.size(); q++) {
                String sql = queries.get(q);
                List<List<Object>> expected = duck.query(sql, e.logTime());
                List<List<Object>> actual = DuckOracle.normalizeAll(m.getValue().getOrDefault("q" + q, Map.of())
                        .values());
                if (!DuckOracle.sameRows(expected, actual)) {
                    fail("%s tenant %s at aggMarkEnd(%d), log time %s, query %s%n  expected (DuckDB): %s%n"
                            + "  actual: %s", n.name, t, m.getKey(), e.logTime(), sql, expected, actual);
                }
                checked++;
            }
        }
        return checked;
    }

    private static List<Long> marks(Node n, TenantId t) {
        RecordingListener l = n.listeners.get(t);
        synchronized (l) {
            return List.copyOf(l.marks);
        }
    }

    private static Map<Long, Map<String, Map<List<Object>, List<Object>>>> atMarks(Node n, TenantId t) {
        RecordingListener l = n.listeners.get(t);
        synchronized (l) {
            return new LinkedHashMap<>(l.atMark);
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.close();
        }
        producer.close();
        raw.close(Duration.ofSeconds(5));
    }
}
