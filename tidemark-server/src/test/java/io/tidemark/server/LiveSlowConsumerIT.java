package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.QueryListener;
import io.tidemark.client.QuerySchema;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.client.Tuple;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that stops reading, over the wire: its listener blocks, so its connection stops reading the socket, TCP
 * fills, and the server's socket passes its outbound bound. The server must then park that connection's delivery
 * (the engine merges its generations) with its queue bounded, keep serving another client generation by
 * generation, and, once the slow client reads again, bring it to the same result with a merged generation.
 */
class LiveSlowConsumerIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SENSORS = 5_000;
    private static final int BATCHES = 30;
    private static final long OUTBOUND_BOUND = 256 * 1024;
    private static final String QUERY = "SELECT rtId, temp, seq FROM latest.slow";
    @TempDir
    Path dir;

    /** Blocks the connection's dispatch thread in aggMarkBegin while {@code stalled} is closed. */
    static final class Stalling implements QueryListener {
        final LiveRecorder rec = new LiveRecorder(true);
        volatile CountDownLatch stalled;

        @Override
        public void aggMarkBegin(long generation) {
            CountDownLatch s = stalled;
            if (s != null) {
                try {
                    s.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            rec.aggMarkBegin(generation);
        }

        @Override
        public void snapshotBegin(String queryId, QuerySchema schema) {
            rec.snapshotBegin(queryId, schema);
        }

        @Override
        public void tupleAdded(String queryId, Tuple t) {
            rec.tupleAdded(queryId, t);
        }

        @Override
        public void snapshotEnd(String queryId) {
            rec.snapshotEnd(queryId);
        }

        @Override
        public void tupleUpdated(String queryId, Tuple t) {
            rec.tupleUpdated(queryId, t);
        }

        @Override
        public void tupleRemoved(String queryId, Tuple t) {
            rec.tupleRemoved(queryId, t);
        }

        @Override
        public void aggMarkEnd(long generation) {
            rec.aggMarkEnd(generation);
        }

        @Override
        public void exceptionRaised(String queryId, TidemarkClientException error) {
            rec.exceptionRaised(queryId, error);
        }
    }

    private static List<Row> batch(Instant base, int seq) {
        List<Row> rows = new ArrayList<>(SENSORS);
        for (int i = 0; i < SENSORS; i++) {
            rows.add(Row.of("s" + i, base.plusMillis(seq), Map.of("site", "x", "temp", seq + i / 1000.0,
                    "power", 1.0, "seq", (long) seq)));
        }
        return rows;
    }

    /** The query's result once batch {@code seq} is the latest: key [rtId] → [rtId, temp, seq]. */
    private static Map<List<Object>, List<Object>> expected(int seq) {
        Map<List<Object>, List<Object>> out = new LinkedHashMap<>();
        for (int i = 0; i < SENSORS; i++) {
            out.put(List.of("s" + i), List.of("s" + i, seq + i / 1000.0, (long) seq));
        }
        return out;
    }

    private static boolean holds(LiveRecorder r, int seq) {
        Map<List<Object>, List<Object>> m = r.marked("q");
        return m != null && m.equals(expected(seq));
    }

    @Test
    void clientStopsReading_serverParksItWithinTheBound_othersUnaffected_andItCatchesUpWithAMergedGeneration() {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .liveOutboundBytes(OUTBOUND_BOUND).liveMaxPendingRows(SENSORS))) {
            String token = f.token("plant", Role.ADMIN);
            TidemarkClient http = f.client(token);
            LiveQueriesIT.createPlantArchive(http, "slow");
            Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(5);
            http.publish("slow", batch(base, 0));
            Gauge outbound = f.server.meterRegistry().find("tidemark.live.outbound.bytes").gauge();
            // Short heartbeats: the stall below lasts many intervals, and a paused client must not reconnect.
            ConnectionConfig config = ConnectionConfig.builder(f.uri()).token(token)
                    .heartbeatInterval(Duration.ofMillis(300)).build();
            Stalling slow = new Stalling();
            LiveRecorder fast = new LiveRecorder(true);
            try (Connection cs = Connection.open(config); Connection cf = Connection.open(config)) {
                cs.registerQuery(QueryConfig.of("q", QUERY), slow);
                cf.registerQuery(QueryConfig.of("q", QUERY), fast);
                slow.rec.await(WAIT, "the slow client's snapshot", r -> holds(r, 0));
                fast.await(WAIT, "the fast client's snapshot", r -> holds(r, 0));

                CountDownLatch release = new CountDownLatch(1);
                slow.stalled = release;
                double maxOutbound = 0;
                for (int seq = 1; seq <= BATCHES; seq++) {
                    http.publish("slow", batch(base, seq));
                    int s = seq;
                    fast.await(WAIT, "the fast client at batch " + seq + " while the other one stalls",
                            r -> holds(r, s));
                    maxOutbound = Math.max(maxOutbound, outbound.value());
                }
                assertThat(maxOutbound).as("the stall reached the server: its socket passed the outbound bound")
                        .isGreaterThan(OUTBOUND_BOUND);
                // Past the bound, delivery parks: at most one more generation's messages (≈ 5,000 rows × 60 B)
                // are queued, not the ≈ 9 MB the batches above produced for this connection.
                assertThat(maxOutbound).as("bytes queued on the server").isLessThan(OUTBOUND_BOUND + 1_000_000);

                slow.stalled = null;
                release.countDown();
                slow.rec.await(WAIT, "the slow client caught up", r -> holds(r, BATCHES));

                // The batches' generations: after both snapshots, which may have come in different generations
                // (a client without changes in a generation gets no marks for it).
                long snapshots = Math.max(generations(fast).iterator().next(),
                        generations(slow.rec).iterator().next());
                Set<Long> fastGenerations = generations(fast);
                Set<Long> slowGenerations = generations(slow.rec);
                fastGenerations.removeIf(g -> g <= snapshots);
                slowGenerations.removeIf(g -> g <= snapshots);
                assertThat(fastGenerations).containsAll(slowGenerations);
                assertThat(slowGenerations.size()).as("merged generations").isLessThan(fastGenerations.size());
                assertThat(slow.rec.snapshots("q")).as("no reconnect while paused").isEqualTo(1);
                assertThat(slow.rec.violations()).isEmpty();
                assertThat(fast.violations()).isEmpty();
                assertThat(cs.isConnected()).isTrue();
            }
        }
    }

    private static Set<Long> generations(LiveRecorder r) {
        Set<Long> out = new TreeSet<>();
        r.generations().forEach(g -> out.add(g.generation()));
        return out;
    }
}
