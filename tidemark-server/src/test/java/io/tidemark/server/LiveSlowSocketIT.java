package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow consumers over a real socket (issue 10, item 3): three clients behind a proxy that stops reading from the
 * server (small socket buffers), a small outbound bound, steady ingest. The server must keep what it holds per slow
 * connection within the outbound bound plus one generation (its own tracked bytes), merge the generations it could
 * not send, and — once the proxy reads again — bring each slow client to the oracle with a merged generation, while
 * a direct client gets every generation. Heap retained per slow connection (after GC, against a baseline) is
 * printed, not asserted.
 */
class LiveSlowSocketIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int SENSORS = 5_000;
    private static final int BATCHES = 30;
    private static final int SLOW = 3;
    private static final long OUTBOUND_BOUND = 64 * 1024;
    private static final int SOCKET_BUFFER = 8 * 1024;
    private static final String QUERY = "SELECT rtId, temp, seq FROM latest.slowsock";
    @TempDir
    Path dir;

    private static List<Row> batch(Instant base, int seq) {
        List<Row> rows = new ArrayList<>(SENSORS);
        for (int i = 0; i < SENSORS; i++) {
            rows.add(Row.of("s" + i, base.plusMillis(seq), Map.of("site", "x", "temp", seq + i / 1000.0,
                    "power", 1.0, "seq", (long) seq)));
        }
        return rows;
    }

    /** The oracle once batch {@code seq} is the newest: every sensor with that batch's values. */
    private static Map<List<Object>, List<Object>> expected(int seq) {
        Map<List<Object>, List<Object>> out = new LinkedHashMap<>();
        for (int i = 0; i < SENSORS; i++) {
            out.put(List.of("s" + i), List.of("s" + i, seq + i / 1000.0, (long) seq));
        }
        return out;
    }

    private static boolean holds(LiveRecorder r, int seq) {
        return expected(seq).equals(r.marked("q"));
    }

    /**
     * The direct client: only the current result and the generations seen (no history, so it does not grow the heap
     * the test measures).
     */
    private static final class Current implements io.tidemark.client.QueryListener {
        private final Map<List<Object>, List<Object>> rows = new java.util.HashMap<>();
        private final Set<Long> generations = new TreeSet<>();
        private int markedSeq = -1;

        @Override
        public synchronized void snapshotBegin(String queryId, io.tidemark.client.QuerySchema schema) {
            rows.clear();
        }

        @Override
        public synchronized void tupleAdded(String queryId, io.tidemark.client.Tuple t) {
            rows.put(t.key(), t.values());
        }

        @Override
        public synchronized void tupleUpdated(String queryId, io.tidemark.client.Tuple t) {
            rows.put(t.key(), t.values());
        }

        @Override
        public synchronized void tupleRemoved(String queryId, io.tidemark.client.Tuple t) {
            rows.remove(t.key());
        }

        @Override
        public synchronized void aggMarkEnd(long generation) {
            generations.add(generation);
            Object seq = rows.isEmpty() ? null : rows.values().iterator().next().get(2);
            markedSeq = seq instanceof Long l && expected(l.intValue()).equals(rows) ? l.intValue() : -1;
            notifyAll();
        }

        synchronized void await(int seq) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (markedSeq != seq) {
                long left = deadline - System.nanoTime();
                assertThat(left).as("the direct client at batch " + seq + " within " + WAIT).isPositive();
                wait(Math.max(1, left / 1_000_000));
            }
        }

        synchronized Set<Long> generations() {
            return new TreeSet<>(generations);
        }
    }

    /** Heap in use after full collections (the server runs in this JVM). */
    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void proxyStopsReading_serverHoldsABoundedAmountPerConnection_mergesAndCatchesUpToTheOracle() throws Exception {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .liveOutboundBytes(OUTBOUND_BOUND).liveMaxPendingRows(SENSORS).liveWindow(Duration.ofMinutes(1)));
                StallingProxy proxy = new StallingProxy(f.server.port(), SOCKET_BUFFER)) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient http = f.client(token);
            LiveQueriesIT.createPlantArchive(http, "slowsock");
            // An hour old: the samples only update latest (recent, outside its window, holds nothing), so the live
            // tables stay the same size from batch to batch and the heap figures below are the connections'.
            Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
            http.publish("slowsock", batch(base, 0));
            Gauge outbound = f.server.meterRegistry().find("tidemark.live.outbound.bytes").gauge();
            Gauge pending = f.server.meterRegistry().find("tidemark.live.pending.rows").gauge();
            // Long heartbeats: the stall must not look like a dead server to the slow clients.
            ConnectionConfig direct = ConnectionConfig.builder(f.uri()).token(token)
                    .heartbeatInterval(Duration.ofSeconds(30)).build();
            ConnectionConfig viaProxy = ConnectionConfig.builder(URI.create("http://127.0.0.1:" + proxy.port()))
                    .token(token).heartbeatInterval(Duration.ofSeconds(30)).build();
            Current fast = new Current();
            List<LiveRecorder> slow = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            try {
                Connection cf = Connection.open(direct);
                connections.add(cf);
                cf.registerQuery(QueryConfig.of("q", QUERY), fast);
                for (int i = 0; i < SLOW; i++) {
                    LiveRecorder r = new LiveRecorder(true);
                    Connection c = Connection.open(viaProxy);
                    connections.add(c);
                    c.registerQuery(QueryConfig.of("q", QUERY), r);
                    slow.add(r);
                }
                fast.await(0);
                for (LiveRecorder r : slow) {
                    r.await(WAIT, "a proxied client's snapshot", x -> holds(x, 0));
                }
                long baseline = heapAfterGc();

                proxy.stall();
                double maxOutbound = 0;
                double maxPending = 0;
                for (int seq = 1; seq <= BATCHES; seq++) {
                    http.publish("slowsock", batch(base, seq));
                    fast.await(seq);
                    maxOutbound = Math.max(maxOutbound, outbound.value());
                    maxPending = Math.max(maxPending, pending.value());
                }
                long stalledHeap = heapAfterGc();
                maxOutbound = Math.max(maxOutbound, outbound.value());
                // One generation's text: 5,000 rows of about 80 bytes.
                long generationBytes = 5_000L * 100;
                System.out.printf("slow consumers: %d connections stalled for %d batches of %d rows; outbound bound "
                        + "%d B; server-tracked queued bytes max %.0f (%.0f per connection), pending rows max %.0f; "
                        + "heap after GC %d -> %d B, %d B retained per stalled connection%n", SLOW, BATCHES, SENSORS,
                        OUTBOUND_BOUND, maxOutbound, maxOutbound / SLOW, maxPending, baseline, stalledHeap,
                        (stalledHeap - baseline) / SLOW);
                assertThat(maxOutbound).as("the stall reached the server: its sockets passed the outbound bound")
                        .isGreaterThan(OUTBOUND_BOUND);
                assertThat(maxOutbound / SLOW).as("bytes queued per stalled connection")
                        .isLessThanOrEqualTo(OUTBOUND_BOUND + generationBytes);
                // The engine's queue (max-pending-rows, or one generation if that is larger) plus the merged
                // generation (at most the result), each with one entry per query.
                assertThat(maxPending / SLOW).as("rows the engine holds per stalled connection")
                        .isLessThanOrEqualTo(2.0 * (SENSORS + 1));

                proxy.resume();
                for (LiveRecorder r : slow) {
                    r.await(WAIT, "a proxied client caught up", x -> holds(x, BATCHES));
                }
                // Catching up, too, the server hands a connection one generation at a time: the queue and the
                // merged generation it held do not land in its outbound buffer at once.
                double peak = f.server.meterRegistry().find("tidemark.live.outbound.peak.bytes").gauge().value();
                System.out.printf("slow consumers: peak bytes queued on one connection, stall and catch-up: %.0f%n",
                        peak);
                assertThat(peak).as("the most bytes one connection had queued").isLessThanOrEqualTo(
                        OUTBOUND_BOUND + generationBytes);
                Set<Long> fastGenerations = fast.generations();
                for (LiveRecorder r : slow) {
                    Set<Long> g = generations(r);
                    assertThat(g.size()).as("merged generations: fewer than the direct client's")
                            .isLessThan(fastGenerations.size());
                    // Every mark the slow client saw equals the oracle for some batch (the merged ones included).
                    r.generations().forEach(m -> assertThat(m.results().get("q")).isIn(
                            java.util.stream.IntStream.rangeClosed(0, BATCHES).mapToObj(LiveSlowSocketIT::expected)
                                    .toList()));
                    assertThat(r.snapshots("q")).as("no reconnect").isEqualTo(1);
                    assertThat(r.violations()).isEmpty();
                }
            } finally {
                connections.forEach(Connection::close);
            }
        }
    }

    private static Set<Long> generations(LiveRecorder r) {
        Set<Long> out = new TreeSet<>();
        r.generations().forEach(g -> out.add(g.generation()));
        return out;
    }
}
