package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

/**
 * Shared pieces of the fault-injection suite ({@code Fault*IT}): seeds, writers that record what the server
 * acknowledged, and the oracles every scenario checks after its fault.
 *
 * <p>The data model is one raw archive {@code raw(v DOUBLE)}, a rollup {@code raw_1m} (COUNT, SUM, MAX of v per
 * minute) and {@code raw_1h} on top of it, and the live query {@link #LIVE_QUERY}. Values are multiples of 0.25, so
 * every sum is exact in any order and results compare with {@code ==}.
 */
final class FaultHarness {
    static final String RAW = "raw";
    static final String LIVE_QUERY = "SELECT rtId, COUNT(*) AS n, SUM(v) AS s FROM recent.raw GROUP BY rtId";
    /** Late samples lie up to this far behind now; the live window must cover it. */
    static final Duration SPREAD = Duration.ofHours(2);
    static final Duration LIVE_WINDOW = Duration.ofHours(3);

    private FaultHarness() {}

    /**
     * The seeds a scenario runs with: the fixed ones and one random seed, printed so a failure can be replayed; with
     * {@code -Dfault.seed=N} only N.
     */
    static LongStream seeds(long... fixed) {
        String given = System.getProperty("fault.seed");
        if (given != null && !given.isBlank()) {
            return LongStream.of(Long.parseLong(given.trim()));
        }
        long random = new Random().nextLong();
        System.out.println("fault-injection random seed: " + random + " (replay with -Dfault.seed=" + random + ")");
        return LongStream.concat(Arrays.stream(fixed), LongStream.of(random));
    }

    /** Creates and activates the raw archive and both rollups (watermark lag 1 s, so most late samples are late). */
    static void createSchema(TidemarkClient admin) {
        admin.createArchive(RAW, Map.of("v", "DOUBLE"));
        admin.activateArchive(RAW);
        admin.createRollupArchive(RollupSpec.builder("raw_1m", RAW, "PT1M").aggregate("COUNT", null, "n")
                .aggregate("SUM", "v", "s").aggregate("MAX", "v", "mx").watermarkLag(Duration.ofSeconds(1)).build());
        admin.createRollupArchive(RollupSpec.builder("raw_1h", "raw_1m", "PT1H").aggregate("SUM", "n", "n")
                .aggregate("SUM", "s", "s").aggregate("MAX", "mx", "mx").watermarkLag(Duration.ofSeconds(1)).build());
        admin.activateArchive("raw_1m");
        admin.activateArchive("raw_1h");
    }

    /** {@code timestamp|rtId}, the key of a sample. */
    static String key(Instant ts, String rtId) {
        return ts + "|" + rtId;
    }

    /**
     * A writer posting batches of 100–250 samples of its own rtIds (so the order of writes to a key is its order):
     * 55 % of new samples late (up to {@link #SPREAD} back), 15 % re-sends of an earlier key with a new value. It
     * records every batch the server acknowledged and the one it was sending when it stopped.
     */
    static final class Writer implements Runnable {
        private final int id;
        private final Random random;
        private final List<TidemarkClient> clients;
        private int current;
        private final boolean retry;
        private final List<Instant> sentTimes = new ArrayList<>();
        private final List<String> sentIds = new ArrayList<>();
        private final List<List<Row>> acknowledged = new ArrayList<>();
        private volatile List<Row> inFlight;
        private volatile boolean stop;
        private volatile int failures;
        private volatile long paceMillis;
        private final Thread thread;

        /**
         * @param retry re-send a failed batch until it is acknowledged (a client riding out a store fault); otherwise
         *     stop at the first failure and leave the batch in flight (a client whose server died)
         */
        Writer(int id, long seed, TidemarkClient client, boolean retry) {
            this(id, seed, List.of(client), retry);
        }

        /**
         * A writer to several servers: it sends to {@code clients.get(0)} until a send fails, then to the next one
         * (round robin), re-sending the failed batch there if {@code retry}.
         */
        Writer(int id, long seed, List<TidemarkClient> clients, boolean retry) {
            this.id = id;
            this.random = new Random(seed * 31 + id);
            this.clients = List.copyOf(clients);
            this.retry = retry;
            this.thread = new Thread(this, "fault-writer-" + id);
            thread.setDaemon(true);
        }

        Writer start() {
            thread.start();
            return this;
        }

        /**
         * Waits {@code pace} after each acknowledged batch, so that a long scenario stays within what
         * {@link #stored} reads in one request on any machine; call before {@link #start()}.
         */
        Writer pace(Duration pace) {
            this.paceMillis = pace.toMillis();
            return this;
        }

        @Override
        public void run() {
            while (!stop) {
                List<Row> batch = nextBatch();
                inFlight = batch;
                if (!send(batch)) {
                    return;
                }
                synchronized (this) {
                    acknowledged.add(batch);
                }
                inFlight = null;
                if (paceMillis > 0) {
                    pause(paceMillis);
                }
            }
        }

        private boolean send(List<Row> batch) {
            while (true) {
                try {
                    clients.get(current).publish(RAW, batch);
                    return true;
                } catch (RuntimeException e) {
                    failures++;
                    current = (current + 1) % clients.size();
                    if (!retry || stop) {
                        return false;
                    }
                    pause(50);
                }
            }
        }

        private List<Row> nextBatch() {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<String, Row> rows = new LinkedHashMap<>();
            int n = 100 + random.nextInt(151);
            while (rows.size() < n) {
                Instant ts;
                String rtId;
                int p = random.nextInt(100);
                if (p < 15 && !sentTimes.isEmpty()) {
                    int i = random.nextInt(sentTimes.size());
                    ts = sentTimes.get(i);
                    rtId = sentIds.get(i);
                } else {
                    ts = p < 15 + 47 ? now.minusMillis(random.nextLong(SPREAD.toMillis())) : now.minusMillis(
                            random.nextInt(2000));
                    rtId = "w" + id + "-" + random.nextInt(10);
                    sentTimes.add(ts);
                    sentIds.add(rtId);
                }
                double v = (random.nextInt(801) - 400) * 0.25;
                rows.put(key(ts, rtId), Row.of(rtId, ts, Map.of("v", v)));
            }
            return new ArrayList<>(rows.values());
        }

        /** Asks the writer to stop after its current batch. */
        void stop() {
            stop = true;
        }

        /** Stops and waits for the thread (bounded: a publish has the client's request timeout). */
        void join() {
            stop = true;
            try {
                thread.join(Duration.ofMinutes(2).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(thread.isAlive()).as("writer %d still running", id).isFalse();
        }

        synchronized List<List<Row>> acknowledged() {
            return List.copyOf(acknowledged);
        }

        /** The batch sent when the writer stopped without an acknowledgement, or null. */
        List<Row> inFlight() {
            return inFlight;
        }

        int failures() {
            return failures;
        }
    }

    /** Waits until every writer has at least {@code batches} acknowledged batches (bounded). */
    static void awaitAcknowledged(List<Writer> writers, int batches, Duration max) {
        await("writers reached " + batches + " acknowledged batches").atMost(max).pollInterval(Duration.ofMillis(20))
                .until(() -> writers.stream().allMatch(w -> w.acknowledged().size() >= batches));
    }

    /**
     * The ledger check: every acknowledged sample is stored with its last acknowledged value; a batch in flight when
     * its writer stopped is either stored completely or not at all; nothing else is stored.
     *
     * @param stored {@code timestamp|rtId} → v, everything the store holds
     */
    static void assertAcknowledgedStored(Map<String, Double> stored, List<Writer> writers) {
        Map<String, Double> expected = new HashMap<>();
        for (Writer w : writers) {
            w.acknowledged().forEach(b -> b.forEach(r -> expected.put(key(r.timestamp(), r.rtId()), v(r))));
        }
        for (Writer w : writers) {
            List<Row> b = w.inFlight();
            if (b == null) {
                continue;
            }
            boolean all = b.stream().allMatch(r -> v(r).equals(stored.get(key(r.timestamp(), r.rtId()))));
            boolean none = b.stream().allMatch(r -> java.util.Objects.equals(expected.get(key(r.timestamp(),
                    r.rtId())), stored.get(key(r.timestamp(), r.rtId()))));
            assertThat(all || none).as("writer %d's unacknowledged batch of %d samples is stored completely or not "
                    + "at all", w.id, b.size()).isTrue();
            if (all) {
                b.forEach(r -> expected.put(key(r.timestamp(), r.rtId()), v(r)));
            }
        }
        List<String> lost = new ArrayList<>();
        expected.forEach((k, v) -> {
            if (!v.equals(stored.get(k))) {
                lost.add(k + " expected " + v + " stored " + stored.get(k));
            }
        });
        assertThat(lost).as("acknowledged samples missing or wrong (of %d)", expected.size()).isEmpty();
        // A set difference, not AssertJ's isSubsetOf: that one scans the expected keys once per stored key, and with
        // tens of thousands of samples took a minute per test.
        List<String> unsent = stored.keySet().stream().filter(k -> !expected.containsKey(k)).sorted().toList();
        assertThat(unsent).as("stored samples nobody sent (of %d stored)", stored.size()).isEmpty();
    }

    private static Double v(Row r) {
        return ((Number) r.values().get("v")).doubleValue();
    }

    /** Everything the raw archive holds, read through the server. */
    static Map<String, Double> stored(TidemarkClient client) {
        return stored(storedRows(client));
    }

    /** Every row the raw archive holds, read through the server in one request. */
    static List<Row> storedRows(TidemarkClient client) {
        Instant now = Instant.now();
        List<Row> rows = client.streamData(RAW, List.of(), now.minus(SPREAD).minusSeconds(600), now.plusSeconds(600),
                100_000);
        assertThat(rows).as("fewer rows than one streamData page").hasSizeLessThan(100_000);
        return rows;
    }

    /** {@code rows} as {@code timestamp|rtId} → v (a key stored twice would appear once: compare the sizes). */
    static Map<String, Double> stored(List<Row> rows) {
        Map<String, Double> out = new HashMap<>();
        rows.forEach(r -> out.put(key(r.timestamp(), r.rtId()), v(r)));
        return out;
    }

    /** {@link #LIVE_QUERY} evaluated from scratch over the stored samples: [rtId] → [rtId, n, s]. */
    static Map<List<Object>, List<Object>> liveOracle(Map<String, Double> stored) {
        Map<String, double[]> groups = new TreeMap<>();
        stored.forEach((k, v) -> {
            double[] g = groups.computeIfAbsent(k.substring(k.indexOf('|') + 1), id -> new double[2]);
            g[0]++;
            g[1] += v;
        });
        Map<List<Object>, List<Object>> out = new HashMap<>();
        groups.forEach((id, g) -> out.put(List.of(id), List.of(id, (long) g[0], g[1])));
        return out;
    }

    /**
     * Drives the rollups until they have settled: no stale range on either and {@code raw_1m}'s watermark at or past
     * {@code caughtUp}, twice in a row. Returns the watermarks.
     */
    static Map<String, Instant> settle(TidemarkClient admin, Instant caughtUp, Duration max) {
        AtomicInteger settled = new AtomicInteger();
        Map<String, RollupView> views = new java.util.concurrent.ConcurrentHashMap<>();
        await("rollups settled (no stale range, raw_1m at " + caughtUp + " or later, twice in a row)").atMost(max)
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100)).until(() -> {
                    processQuietly(admin, "raw_1m");
                    processQuietly(admin, "raw_1h");
                    views.clear();
                    admin.rollupsFor(RAW).forEach(r -> views.put(r.name(), r));
                    boolean done = views.values().stream().allMatch(r -> r.staleRanges().isEmpty())
                            && views.get("raw_1m").watermark() != null
                            && !views.get("raw_1m").watermark().isBefore(caughtUp)
                            && views.get("raw_1h").watermark() != null;
                    return settled.updateAndGet(n -> done ? n + 1 : 0) == 2;
                });
        Map<String, Instant> out = new HashMap<>();
        views.forEach((n, r) -> out.put(n, r.watermark()));
        return out;
    }

    /** A manual round may lose a race against the orchestrator's own; that is not what the suite tests. */
    private static void processQuietly(TidemarkClient admin, String rollup) {
        try {
            admin.processRollup(rollup);
        } catch (RuntimeException e) {
            // the next round or the orchestrator's retries it; settle() is bounded
        }
    }

    /**
     * The engine as oracle: every row of {@code raw_1m} and {@code raw_1h} below its watermark equals the direct
     * {@code GROUP BY date_trunc(…)} of the raw rows, and every such group has its row.
     */
    static void assertRollupsEqualGroupBy(Connection c, String tenant, Map<String, Instant> watermarks)
            throws SQLException {
        for (String[] r : new String[][] {{"raw_1m", "minute"}, {"raw_1h", "hour"}}) {
            Instant watermark = watermarks.get(r[0]);
            Map<String, List<Object>> expected = rows(c, "SELECT date_trunc('" + r[1] + "', \"timestamp\") AS b, "
                    + "\"rtId\", count(*), sum(v), max(v) FROM " + q(tenant) + ".\"raw\" GROUP BY 1, 2",
                    watermark, r[1]);
            Map<String, List<Object>> actual = rows(c, "SELECT \"timestamp\", \"rtId\", n, s, mx FROM " + q(tenant)
                    + "." + q(r[0]), watermark, r[1]);
            List<String> wrong = new ArrayList<>();
            expected.forEach((k, e) -> {
                if (!e.equals(actual.get(k))) {
                    wrong.add(k + ": GROUP BY " + e + ", rollup " + actual.get(k));
                }
            });
            actual.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(k -> wrong.add(k
                    + ": rollup row without raw rows " + actual.get(k)));
            assertThat(wrong).as("%s buckets below its watermark %s that differ from the GROUP BY (of %d)", r[0],
                    watermark, expected.size()).isEmpty();
            assertThat(expected).as("%s has buckets to compare", r[0]).isNotEmpty();
        }
    }

    /** Rows whose bucket ends at or before the watermark: "bucket|rtId" → [count, sum, max]. */
    private static Map<String, List<Object>> rows(Connection c, String sql, Instant watermark, String unit)
            throws SQLException {
        Map<String, List<Object>> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Instant bucket = rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC);
                Instant end = bucket.plus(1, unit.equals("hour") ? ChronoUnit.HOURS : ChronoUnit.MINUTES);
                if (end.isAfter(watermark)) {
                    continue;
                }
                out.put(bucket + "|" + rs.getString(2), List.of(rs.getLong(3), rs.getDouble(4), rs.getDouble(5)));
            }
        }
        return out;
    }

    private static String q(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
