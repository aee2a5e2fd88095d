package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.Row;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.Store;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ingest through HTTP (NDJSON from the client, CSV as text), roll up through GraphQL, read back through GraphQL,
 * and compare with a GROUP BY computed here from what was sent. Each engine binds it with a thin subclass.
 */
abstract class AbstractRollupOracleIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final long SPAN_MICROS = 3L * 3600 * 1_000_000;
    private ServerFixture f;
    private TidemarkClient admin;

    protected abstract Store newStore();

    @BeforeEach
    void start() {
        f = new ServerFixture(newStore());
        admin = f.client(f.token("plant", Role.ADMIN));
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void ingestThenRollup_rowsReadThroughGraphQl_equalGroupByOracle() {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("temp", "DOUBLE");
        cols.put("n", "BIGINT");
        admin.createArchive("raw", cols);
        admin.activateArchive("raw");
        TidemarkClient writer = f.client(f.token("plant", Role.WRITER));
        Map<String, Row> sent = new HashMap<>();
        Random rnd = new Random(42);
        for (int batch = 0; batch < 6; batch++) {
            List<Row> rows = randomRows(rnd, 400);
            if (batch % 2 == 0) {
                writer.publish("raw", rows);
            } else {
                writer.publishBody("raw", TidemarkClient.BodyFormat.CSV, csv(rows));
            }
            rows.forEach(r -> sent.put(r.timestamp() + "|" + r.rtId(), r));
        }
        admin.createRollupArchive(RollupSpec.builder("raw_1m", "raw", "PT1M").aggregate("COUNT", null, "cnt")
                .aggregate("SUM", "temp", "s").aggregate("MIN", "temp", "mn").aggregate("MAX", "temp", "mx")
                .aggregate("AVG", "temp", "avg").aggregate("FIRST", "temp", "fst").aggregate("LAST", "temp", "lst")
                .aggregate("SUM", "n", "ns").build());
        admin.createRollupArchive(RollupSpec.builder("raw_1h", "raw_1m", "PT1H").aggregate("SUM", "cnt", "cnt")
                .aggregate("SUM", "s", "s").aggregate("MIN", "mn", "mn").aggregate("MAX", "mx", "mx")
                .aggregate("AVG", "avg", "avg").aggregate("FIRST", "fst", "fst").aggregate("LAST", "lst", "lst")
                .aggregate("SUM", "ns", "ns").build());
        admin.activateArchive("raw_1m");
        admin.activateRollup("raw_1h");
        assertThat(admin.processRollup("raw_1m")).isPositive();
        assertThat(admin.processRollup("raw_1h")).isPositive();

        List<RollupView> rollups = admin.rollupsFor("raw");
        assertThat(rollups).extracting(RollupView::name).containsExactly("raw_1m", "raw_1h");
        assertThat(rollups).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo("ACTIVATED");
            assertThat(r.watermark()).isAfterOrEqualTo(T0.plusSeconds(3 * 3600));
            assertThat(r.lagSeconds()).isPositive();
        });
        TidemarkClient reader = f.client(f.token("plant", Role.READER));
        for (long width : new long[] {60, 3600}) {
            String name = width == 60 ? "raw_1m" : "raw_1h";
            List<Row> got = reader.streamData(name, List.of(), T0, T0.plusSeconds(4 * 3600), 100_000);
            Map<String, Map<String, Object>> expected = oracle(sent.values(), width);
            assertThat(got).hasSize(expected.size());
            for (Row r : got) {
                Map<String, Object> e = expected.get(r.timestamp() + "|" + r.rtId());
                assertThat(e).as("%s %s %s", name, r.timestamp(), r.rtId()).isNotNull();
                assertRowEquals(name + " " + r.timestamp() + " " + r.rtId(), r.values(), e);
            }
        }
    }

    private static List<Row> randomRows(Random rnd, int n) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Few distinct keys per batch boundary, so later batches re-send (and replace) earlier samples.
            long micros = (rnd.nextInt(2000) * (SPAN_MICROS / 2000)) + (rnd.nextBoolean() ? rnd.nextInt(1000) : 0);
            Map<String, Object> v = new HashMap<>();
            v.put("temp", rnd.nextInt(10) == 0 ? null : Math.round(rnd.nextGaussian() * 1e6) / 1e4);
            v.put("n", (long) rnd.nextInt(100));
            out.add(new Row("m" + rnd.nextInt(5), T0.plusNanos(micros * 1000), v));
        }
        return out;
    }

    private static byte[] csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("rtId,timestamp,temp,n\n");
        for (Row r : rows) {
            Object t = r.values().get("temp");
            sb.append(r.rtId()).append(',').append(r.timestamp()).append(',').append(t == null ? "" : t).append(',')
                    .append(r.values().get("n")).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The GROUP BY (bucket, rtId) of the last sample sent per key; AVG as sum / count of non-null values. */
    private static Map<String, Map<String, Object>> oracle(Iterable<Row> rows, long widthSeconds) {
        Map<String, List<Row>> groups = new TreeMap<>();
        for (Row r : rows) {
            long bucket = Math.floorDiv(r.timestamp().getEpochSecond(), widthSeconds) * widthSeconds;
            groups.computeIfAbsent(Instant.ofEpochSecond(bucket) + "|" + r.rtId(), k -> new ArrayList<>()).add(r);
        }
        Map<String, Map<String, Object>> out = new HashMap<>();
        groups.forEach((k, g) -> {
            g.sort(java.util.Comparator.comparing(Row::timestamp));
            List<Double> temps = g.stream().map(r -> (Double) r.values().get("temp"))
                    .filter(java.util.Objects::nonNull).toList();
            List<Row> withTemp = g.stream().filter(r -> r.values().get("temp") != null).toList();
            Map<String, Object> m = new HashMap<>();
            m.put("cnt", (long) g.size());
            m.put("s", temps.isEmpty() ? null : temps.stream().mapToDouble(Double::doubleValue).sum());
            m.put("mn", temps.stream().min(Double::compare).orElse(null));
            m.put("mx", temps.stream().max(Double::compare).orElse(null));
            m.put("avg", temps.isEmpty() ? null : temps.stream().mapToDouble(Double::doubleValue).sum() / temps.size());
            m.put("fst", withTemp.isEmpty() ? null : withTemp.get(0).values().get("temp"));
            m.put("lst", withTemp.isEmpty() ? null : withTemp.get(withTemp.size() - 1).values().get("temp"));
            m.put("ns", g.stream().mapToLong(r -> (Long) r.values().get("n")).sum());
            out.put(k, m);
        });
        return out;
    }

    private static void assertRowEquals(String what, Map<String, Object> got, Map<String, Object> expected) {
        assertThat(got.keySet()).as(what).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((col, e) -> {
            Object g = got.get(col);
            if (e == null || g == null) {
                assertThat(g).as(what + " " + col).isEqualTo(e);
            } else if (e instanceof Double d) {
                assertThat(((Number) g).doubleValue()).as(what + " " + col)
                        .isCloseTo(d, org.assertj.core.data.Offset.offset(Math.max(1e-9, Math.abs(d) * 1e-9)));
            } else {
                assertThat(((Number) g).longValue()).as(what + " " + col).isEqualTo(((Number) e).longValue());
            }
        });
    }
}
