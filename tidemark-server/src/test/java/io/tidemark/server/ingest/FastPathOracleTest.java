package io.tidemark.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.ingest.fast.FastCsv;
import io.tidemark.server.ingest.fast.FastNdjson;
import io.tidemark.server.ingest.fast.Halves;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast paths ({@link FastNdjson}, {@link FastCsv}) against the Jackson path as oracle: random bodies built from
 * well-formed and tricky pieces must give the same batch (rows, values, lines) or the same errors either way, and
 * enough of them must take the fast path for the comparison to mean something.
 */
class FastPathOracleTest {
    private static final ArchiveDefinition A = ArchiveDefinition.raw("a", List.of(Column.of("d", ColumnType.DOUBLE),
            Column.of("l", ColumnType.BIGINT), Column.of("b", ColumnType.BOOLEAN), Column.of("s", ColumnType.VARCHAR)));
    private static final int MAX_ROWS = 8;

    private static final String[] JSON_TIMESTAMPS = {"1735689600000", "1735689600123", "-1", "0", "-0", "01",
        "999999999999999", "9223372036854775", "-9223372036854776", "123456789012345678", "1234567890123456789",
        "12345678901234567890123", "1.5", "1e3", "\"2025-01-01T00:00:00Z\"", "\"2025-01-01T00:00:00.1Z\"",
        "\"2025-01-01T00:00:00.123456Z\"", "\"2025-01-01T00:00:00.1234567Z\"", "\"2025-01-01T00:00:00.123456789Z\"",
        "\"2025-01-01T00:00:00.123456000Z\"", "\"2025-01-01T00:00:00+01:00\"", "\"2025-01-01T00:00:00.5-03:30\"",
        "\"2025-02-29T00:00:00Z\"", "\"2024-02-29T23:59:59.999999Z\"", "\"2025-01-01T24:00:00Z\"",
        "\" 2025-01-01T00:00:00Z\"", "\"2025-01-01t00:00:00z\"", "\"0001-01-01T00:00:00Z\"", "\"x\"", "\"\"", "null",
        "true", "{}", "[1]", "\"1735689600000\"", "\"2025-01-01T00:00:00\\u005a\""};
    private static final String[] JSON_VALUES = {"1.5", "-0.0", "0", "-0", "7", "-7", "1e400", "-1e400", "1e-400",
        "20.123456789012345", "0.1", "0.30000000000000004", "9007199254740993", "9007199254740993.0",
        "123456789012345678", "1234567890123456789", "123456789012345678901234567890", "1E5", "1e+5", "2.5e-3",
        "1.7976931348623157e308", "4.9e-324", "2.2250738585072014E-308", "123.456e-20", "1e22", "1e23", "3e-22",
        "01.5", ".5", "1.", "-", "1e", "+1", "NaN", "\"1.5\"", "\"x\"", "\"\"", "\"caf\u00e9\"", "\"a\\\"b\"", "null",
        "true", "false", "tru", "[1]", "{\"x\":1}", "1.5x"};
    private static final String[] RT_IDS = {"\"sensor-1\"", "\"sensor-2\"", "\"\"", "\"a b\"", "\"r\\u0031\"",
        "\"\u00fcber\"", "1", "null", "\"x,y\""};
    private static final String[] FIELD_NAMES = {"d", "l", "b", "s", "unknown", "rt\\u0049d"};
    private static final String[] JSON_SPACE = {"", "", "", " ", "\t", "\n"};
    private static final String[] JSON_SEPARATORS = {"\n", "\n", "\n", "", " ", "\r\n", "\n\n", "\t\n"};

    @Test
    void ndjson_randomBodies_fastPathAgreesWithJackson() throws IOException {
        Random rnd = new Random(42);
        int fast = 0;
        for (int i = 0; i < 20_000; i++) {
            String body = ndjson(rnd);
            if (FastPaths.ndjson(A, in(body), MAX_ROWS) != null) {
                fast++;
            }
            assertThat(outcome(body, true, false)).as(body).isEqualTo(outcome(body, false, false));
        }
        assertThat(fast).as("bodies the fast path read").isGreaterThan(2_000);
    }

    @Test
    void csv_randomBodies_fastPathAgreesWithJackson() throws IOException {
        Random rnd = new Random(7);
        int fast = 0;
        for (int i = 0; i < 20_000; i++) {
            String body = csv(rnd);
            if (FastPaths.csv(A, in(body), MAX_ROWS) != null) {
                fast++;
            }
            assertThat(outcome(body, true, true)).as(body).isEqualTo(outcome(body, false, true));
            assertThat(samples(body, true)).as(body).isEqualTo(samples(body, false));
        }
        assertThat(fast).as("bodies the fast path read").isGreaterThan(2_000);
    }

    @Test
    void ndjson_benchShapedBody_takesTheFastPath() {
        String body = "{\"rtId\":\"sensor-1\",\"timestamp\":1735689600000,\"d\":20.123456789012345,\"l\":3}\n"
                + "{\"timestamp\":\"2025-01-01T00:00:00.5Z\",\"rtId\":\"sensor-2\",\"s\":\"x\",\"b\":false,\"d\":null}\n";
        assertThat(FastPaths.ndjson(A, in(body), MAX_ROWS)).isNotNull();
    }

    @Test
    void csv_benchShapedBody_takesTheFastPath() {
        String body = "rtId,timestamp,d,l,b,s\nsensor-1,1735689600000,20.123456789012345,3,TRUE,x y\n"
                + "sensor-2,2025-01-01T00:00:00.5Z,,,,";
        assertThat(FastPaths.csv(A, in(body), MAX_ROWS)).isNotNull();
    }

    /**
     * Bodies past {@link Halves#MIN_BYTES}, read in two halves: the same as Jackson whether the split falls between
     * objects or inside one that spans lines, and at the row limit.
     */
    @Test
    void largeBodies_readInHalves_agreeWithJackson() throws IOException {
        for (int variant = 0; variant < 4; variant++) {
            StringBuilder nd = new StringBuilder("\n");
            StringBuilder csv = new StringBuilder("rtId,timestamp,s,d,l\n");
            int rows = 0;
            for (; nd.length() < Halves.MIN_BYTES * 2 + 1000; rows++) {
                String rt = "sensor-" + (rows % 977);
                long ms = 1735689600000L + rows / 977 * 1000;
                String d = (rows % 7) + "." + (rows * 7919 % 100000);
                boolean spans = variant >= 2 && rows % 50 == 0;
                nd.append("{\"rtId\":\"").append(rt).append("\",").append(spans ? "\n  " : "")
                        .append("\"timestamp\":").append(ms).append(",\"d\":").append(d).append(",\"l\":")
                        .append(rows).append(",\"s\":\"v").append(rows % 3).append("\"}\n");
                csv.append(rt).append(',').append(ms).append(",v").append(rows % 3).append(',').append(d)
                        .append(',').append(rows).append('\n');
            }
            if (variant % 2 == 1) {
                // a repeated key, and no line feed at the end
                nd.append("{\"rtId\":\"sensor-0\",\"timestamp\":1735689600000,\"d\":1.25}");
                csv.append("sensor-0,1735689600000,x,1.25,7");
                rows++;
            }
            for (int maxRows : new int[] {rows + 5, rows, rows - 1}) {
                String expected = outcome(nd.toString(), false, false, maxRows);
                assertThat(outcome(nd.toString(), true, false, maxRows)).isEqualTo(expected);
                String expectedCsv = outcome(csv.toString(), false, true, maxRows);
                assertThat(outcome(csv.toString(), true, true, maxRows)).isEqualTo(expectedCsv);
                if (maxRows >= rows) {
                    assertThat(expected).startsWith(variant < 2 ? "[2, 3, 4" : "[2, 4, 5");
                    assertThat(expectedCsv).startsWith("[2, 3, 4");
                }
            }
            assertThat(FastPaths.csv(A, in(csv.toString()), rows))
                    .as("CSV read by the fast path").isNotNull();
            if (variant < 2) {
                assertThat(FastPaths.ndjson(A, in(nd.toString()), rows))
                        .as("NDJSON read by the fast path").isNotNull();
            }
        }
    }

    /** What reading and building {@code body} gives, as text: the batch and lines, or the errors. */
    private static String outcome(String body, boolean fast, boolean csv) throws IOException {
        return outcome(body, fast, csv, MAX_ROWS);
    }

    private static String outcome(String body, boolean fast, boolean csv, int maxRows) throws IOException {
        SampleBatch.Builder b = SampleBatch.builder(A, Operations.batchLimits(maxRows));
        int[] lines;
        try {
            if (fast) {
                lines = (csv ? new CsvReader().read(b, in(body), maxRows)
                        : new NdjsonReader().read(b, in(body), maxRows)).lines();
            } else if (csv) {
                lines = new CsvReader().readWithJackson(A, new Rows.ToBatch(b), in(body), maxRows);
            } else {
                lines = new NdjsonReader().readWithJackson(A.name(), new Rows.ToBatch(b), in(body), maxRows);
                lines = java.util.Arrays.copyOf(lines, b.rows());
            }
            return describe(b.build(), lines);
        } catch (MalformedBodyException e) {
            return "malformed " + e.getMessage() + " " + e.errors();
        } catch (BatchRejectedException e) {
            return "rejected " + e.errors();
        } catch (TidemarkException e) {
            return e.code() + " " + e.getMessage();
        }
    }

    private static String samples(String body, boolean fast) throws IOException {
        try {
            if (fast) {
                ParsedBody p = new CsvReader().read(A, in(body), MAX_ROWS);
                return p.samples() + " " + java.util.Arrays.toString(p.lines());
            }
            Rows.ToSamples rows = new Rows.ToSamples();
            int[] lines = new CsvReader().readWithJackson(A, rows, in(body), MAX_ROWS);
            return rows.done() + " " + java.util.Arrays.toString(lines);
        } catch (MalformedBodyException e) {
            return "malformed " + e.getMessage() + " " + e.errors();
        } catch (TidemarkException e) {
            return e.code() + " " + e.getMessage();
        }
    }

    private static String describe(SampleBatch batch, int[] lines) {
        StringBuilder sb = new StringBuilder(java.util.Arrays.toString(lines));
        for (int r = 0; r < batch.size(); r++) {
            sb.append('\n').append(batch.rtId(r)).append(' ').append(batch.micros(r));
            for (int c = 0; c < A.columns().size(); c++) {
                Object v = batch.value(r, c);
                sb.append(' ').append(v == null ? "null" : v.getClass().getSimpleName() + ":" + v);
            }
        }
        return sb.toString();
    }

    private static String ndjson(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int rows = rnd.nextInt(MAX_ROWS + 3);
        for (int r = 0; r < rows; r++) {
            if (rnd.nextInt(40) == 0) {
                sb.append(pick(rnd, new String[] {"[]", "1", "\"x\"", "null", "{", "}"}));
            } else {
                sb.append(object(rnd));
            }
            sb.append(pick(rnd, JSON_SEPARATORS));
        }
        return sb.toString();
    }

    private static String object(Random rnd) {
        boolean clean = rnd.nextInt(3) > 0;
        List<String> fields = new ArrayList<>();
        if (!clean || rnd.nextInt(20) > 0) {
            fields.add("\"rtId\":" + (clean ? "\"sensor-" + rnd.nextInt(3) + "\"" : pick(rnd, RT_IDS)));
        }
        if (!clean || rnd.nextInt(20) > 0) {
            fields.add("\"timestamp\":" + (clean ? String.valueOf(1735689600000L + rnd.nextInt(3))
                    : pick(rnd, JSON_TIMESTAMPS)));
        }
        int values = rnd.nextInt(4);
        for (int v = 0; v < values; v++) {
            String name = clean ? pick(rnd, new String[] {"d", "l", "b", "s"}) : pick(rnd, FIELD_NAMES);
            String value = switch (name) {
                case "d" -> clean ? pick(rnd, new String[] {"1.5", "20.123456789012345", "-3", "null", "0.1"})
                        : pick(rnd, JSON_VALUES);
                case "l" -> clean ? pick(rnd, new String[] {"3", "-4", "null"}) : pick(rnd, JSON_VALUES);
                case "b" -> clean ? pick(rnd, new String[] {"true", "false"}) : pick(rnd, JSON_VALUES);
                case "s" -> clean ? pick(rnd, new String[] {"\"x\"", "\"\"", "null"}) : pick(rnd, JSON_VALUES);
                default -> pick(rnd, JSON_VALUES);
            };
            fields.add("\"" + name + "\":" + value);
        }
        java.util.Collections.shuffle(fields, rnd);
        StringBuilder sb = new StringBuilder("{");
        for (int f = 0; f < fields.size(); f++) {
            sb.append(f > 0 ? "," : "").append(clean ? "" : pick(rnd, JSON_SPACE)).append(fields.get(f));
        }
        if (!clean && rnd.nextInt(20) == 0) {
            sb.append(",");
        }
        return sb.append(clean ? "" : pick(rnd, JSON_SPACE)).append('}').toString();
    }

    private static final String[] CSV_TIMESTAMPS = {"1735689600000", "-1", "0", "-0", "0001735689600000",
        "999999999999999", "9223372036854775", "-9223372036854776", "123456789012345678", "1234567890123456789",
        "9999999999999999999", "-", "1.5", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00.1Z",
        "2025-01-01T00:00:00.123456Z", "2025-01-01T00:00:00.1234567Z", "2025-01-01T00:00:00.123456000Z",
        "2025-01-01T00:00:00+01:00", "2025-02-29T00:00:00Z", "2025-01-01T24:00:00Z", " 2025-01-01T00:00:00Z",
        " 1735689600000", "1735689600000 ", "x", "", "\"1735689600000\""};
    private static final String[] CSV_VALUES = {"1.5", "-0.0", "0", "-0", "7", "-7", "007", "1e400", "1e-400",
        "20.123456789012345", "0.1", "9007199254740993", "123456789012345678", "1234567890123456789",
        "123456789012345678901234567890", "1E5", "1e+5", "2.5e-3", "1.7976931348623157e308", "4.9e-324",
        "123.456e-20", "1e22", "1e23", ".5", "1.", "+1", "-", "NaN", "Infinity", "-Infinity", "0x1p3", "1d", "1f",
        " 1.5", "1.5 ", "\t1.5", "", "x", "true", "FALSE", "True", "yes", "a b", "caf\u00e9", "\"q\"", "\"a,b\"",
        "\"\"", "#x"};
    private static final String[] CSV_HEADERS = {"rtId", "timestamp", "d", "l", "b", "s"};

    private static String csv(Random rnd) {
        boolean clean = rnd.nextInt(3) > 0;
        List<String> header = new ArrayList<>(List.of(CSV_HEADERS));
        java.util.Collections.shuffle(header, rnd);
        int keep = 2 + rnd.nextInt(5);
        header = new ArrayList<>(header.subList(0, keep));
        if (!header.contains("rtId") && (clean || rnd.nextInt(5) > 0)) {
            header.add("rtId");
        }
        if (!header.contains("timestamp") && (clean || rnd.nextInt(5) > 0)) {
            header.add("timestamp");
        }
        if (!clean && rnd.nextInt(10) == 0) {
            header.add(pick(rnd, new String[] {"unknown", " d ", "d", "", "\"s\""}));
        }
        String nl = !clean && rnd.nextInt(10) == 0 ? "\r\n" : "\n";
        StringBuilder sb = new StringBuilder(String.join(",", header)).append(nl);
        int rows = rnd.nextInt(MAX_ROWS + 3);
        for (int r = 0; r < rows; r++) {
            List<String> fields = new ArrayList<>();
            for (String h : header) {
                fields.add(csvField(rnd, h.trim(), clean));
            }
            if (!clean && rnd.nextInt(15) == 0) {
                fields.add("extra");
            }
            if (!clean && rnd.nextInt(15) == 0) {
                fields.remove(0);
            }
            sb.append(String.join(",", fields));
            if (r < rows - 1 || rnd.nextBoolean()) {
                sb.append(nl);
            }
            if (!clean && rnd.nextInt(15) == 0) {
                sb.append(nl);
            }
        }
        return sb.toString();
    }

    private static String csvField(Random rnd, String column, boolean clean) {
        return switch (column) {
            case "rtId" -> clean ? pick(rnd, new String[] {"sensor-1", "sensor-2", "a b", ""})
                    : pick(rnd, new String[] {"sensor-1", "", " x", "\u00fcber", "\"q\"", "#c"});
            case "timestamp" -> clean ? pick(rnd, new String[] {"1735689600000", "1735689600001",
                "2025-01-01T00:00:00.25Z"}) : pick(rnd, CSV_TIMESTAMPS);
            case "d" -> clean ? pick(rnd, new String[] {"1.5", "20.123456789012345", "-3", "", "1e3"})
                    : pick(rnd, CSV_VALUES);
            case "l" -> clean ? pick(rnd, new String[] {"3", "-4", ""}) : pick(rnd, CSV_VALUES);
            case "b" -> clean ? pick(rnd, new String[] {"true", "FALSE", ""}) : pick(rnd, CSV_VALUES);
            default -> clean ? pick(rnd, new String[] {"x", "a b", ""}) : pick(rnd, CSV_VALUES);
        };
    }

    private static String pick(Random rnd, String[] from) {
        return from[rnd.nextInt(from.length)];
    }

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
