package io.tidemark.server.ingest.fast;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.SampleBatch;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The line-protocol reader against an independent encoder: random points with nasty tag keys and values, strings,
 * numbers in every form, every boolean spelling, timestamps in every precision (or none), rendered by the encoder
 * below (escaping as InfluxDB's line protocol reference states it, comments, blank lines, CRLF, extra blanks, a field
 * given twice), then read; every stored row must equal the point sent, field by field. Bodies of a megabyte and more
 * take the two-halves path. Nasty measurement and field names must come back unescaped in the errors.
 */
class LineProtocolOracleTest {
    private static final long NOW = 1_735_689_600_000_000L;
    private static final ArchiveDefinition CPU = ArchiveDefinition.raw("cpu", List.of(
            Column.of("usage", ColumnType.DOUBLE), Column.of("n", ColumnType.BIGINT),
            Column.of("ok", ColumnType.BOOLEAN), Column.of("note", ColumnType.VARCHAR)));
    private static final ArchiveDefinition MEM = ArchiveDefinition.raw("mem", List.of(
            Column.of("free", ColumnType.DOUBLE), Column.of("label", ColumnType.VARCHAR),
            Column.of("count", ColumnType.BIGINT)));
    private static final Map<String, ArchiveDefinition> ARCHIVES = Map.of("cpu", CPU, "mem", MEM);
    private static final BatchLimits LIMITS = new BatchLimits(10_000_000, 128, BatchLimits.DEFAULT.minTimestamp(),
            BatchLimits.DEFAULT.maxTimestamp(), 65_535);
    private static final long MIN_SECOND = LIMITS.minTimestamp().getEpochSecond();
    private static final long MAX_SECOND = LIMITS.maxTimestamp().getEpochSecond() - 1;
    /** Characters that need escaping somewhere, blanks, quotes, a comment sign, and non-ASCII (one a surrogate pair). */
    private static final String NASTY = " ,=\"\\#\t'é日\u00a0\u0301😀";
    private static final String[] TRUE = {"t", "T", "true", "True", "TRUE"};
    private static final String[] FALSE = {"f", "F", "false", "False", "FALSE"};

    // ---- the model -----------------------------------------------------------------------------------------

    /** A field as sent: its key, its value as the encoder writes it, and the value the column must then hold. */
    record Field(String key, String written, Object stored) {}

    /**
     * One point. {@code timestamp} is in {@code precision}'s unit, null for none; {@code micros} is what it means.
     */
    record Point(String measurement, List<String[]> tags, List<Field> fields, Long timestamp, long micros) {
        String rtId() {
            List<String[]> sorted = new ArrayList<>(tags);
            sorted.sort((a, b) -> byCodePoint(a[0], b[0]));
            StringBuilder sb = new StringBuilder();
            for (String[] kv : sorted) {
                sb.append(sb.length() == 0 ? "" : ",").append(kv[0]).append('=').append(kv[1]);
            }
            return sb.toString();
        }

        /** The point's fields by column, the last of a key given twice. */
        Map<String, Object> values() {
            Map<String, Object> m = new HashMap<>();
            for (Field f : fields) {
                m.put(f.key, f.stored);
            }
            return m;
        }
    }

    record Body(String text, LineProtocol.Precision precision, List<Point> points) {
        @Override
        public String toString() {
            return precision + " " + (text.length() > 2000 ? text.substring(0, 2000) + "…" : text);
        }
    }

    /** Orders tag keys by code point, as their UTF-8 bytes order. */
    private static int byCodePoint(String x, String y) {
        int[] a = x.codePoints().toArray();
        int[] b = y.codePoints().toArray();
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return Integer.compare(a.length, b.length);
    }

    // ---- the encoder (independent of the reader: escaping as the reference states it) ----------------------

    /** Escapes {@code specials} and backslashes; a backslash before a plain character may stay bare (it is itself). */
    private static String escape(String s, String specials, Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                boolean nextPlain = i + 1 < s.length() && specials.indexOf(s.charAt(i + 1)) < 0
                        && s.charAt(i + 1) != '\\';
                sb.append(nextPlain && r.nextBoolean() ? "\\" : "\\\\");
            } else if (specials.indexOf(c) >= 0) {
                sb.append('\\').append(c);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Blanks: a separator (between the tags and the fields, the fields and the timestamp) starts with a space, the
     * only separator of the reference (a tab right after a tag value belongs to the value); before a line and after
     * its last element spaces and tabs are skipped.
     */
    private static String blanks(Random r, boolean separator) {
        String[] forms = {" ", " ", " ", "  ", " \t", "\t "};
        String s = forms[r.nextInt(forms.length)];
        return separator ? (s.charAt(0) == ' ' ? s : " " + s) : r.nextInt(4) == 0 ? s : "";
    }

    static String encode(List<Point> points, Random r) {
        StringBuilder sb = new StringBuilder();
        String eol = r.nextBoolean() ? "\n" : "\r\n";
        for (Point p : points) {
            if (r.nextInt(8) == 0) {
                sb.append(blanks(r, false)).append("# ").append(NASTY).append(" comment").append(eol);
            }
            if (r.nextInt(8) == 0) {
                sb.append(blanks(r, false)).append(eol);
            }
            sb.append(blanks(r, false)).append(escape(p.measurement, ", ", r));
            for (String[] kv : p.tags) {
                sb.append(',').append(escape(kv[0], ",= ", r)).append('=').append(escape(kv[1], ",= ", r));
            }
            sb.append(blanks(r, true));
            for (int i = 0; i < p.fields.size(); i++) {
                Field f = p.fields.get(i);
                sb.append(i == 0 ? "" : ",").append(escape(f.key, ",= ", r)).append('=').append(f.written);
            }
            if (p.timestamp != null) {
                sb.append(blanks(r, true)).append(p.timestamp);
            }
            sb.append(r.nextInt(6) == 0 ? blanks(r, true) : ""); // after a string, a number or a timestamp
            sb.append(eol);
            if (r.nextInt(4) == 0) {
                eol = r.nextBoolean() ? "\n" : "\r\n";
            }
        }
        if (r.nextBoolean() && sb.length() > 0) {
            sb.setLength(sb.length() - (sb.charAt(sb.length() - 2) == '\r' ? 2 : 1)); // no newline after the last
        }
        return sb.toString();
    }

    private static String string(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    // ---- the generators --------------------------------------------------------------------------------------

    /** Text of {@code min} to {@code max} characters (a surrogate pair counted as one) from {@link #NASTY} and plain ones. */
    private static Arbitrary<String> nasty(int min, int max) {
        List<String> units = new ArrayList<>();
        NASTY.codePoints().forEach(c -> units.add(Character.toString(c)));
        "abcxyz019ABC".chars().forEach(c -> units.add(Character.toString(c)));
        return Arbitraries.of(units).list().ofMinSize(min).ofMaxSize(max).map(l -> String.join("", l));
    }

    /** A tag key or value: never starting with a blank or '#' would matter only for a measurement; any here. */
    private static Arbitrary<List<String[]>> tags() {
        Arbitrary<String> key = nasty(1, 5);
        Arbitrary<String> value = nasty(1, 8);
        return Combinators.combine(key, value).as((k, v) -> new String[] {k, v}).list().ofMinSize(1).ofMaxSize(3)
                .uniqueElements(kv -> kv[0]);
    }

    private static Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(Arbitraries.doubles(), Arbitraries.doubles().between(-1e6, 1e6),
                Arbitraries.of(0.0, -0.0, 0.1, 1.0, -1.5, 1e22, 1e23, 5e-324, Double.MIN_NORMAL, Double.MAX_VALUE,
                        -Double.MAX_VALUE, 9007199254740993.0, 0.30000000000000004, 123456.789e-20));
    }

    /** A float as one of the forms a client may send it. */
    private static Arbitrary<Field> floatField(String key) {
        return Combinators.combine(doubles(), Arbitraries.integers().between(0, 3)).as((v, form) -> {
            String text = switch (form) {
                case 0 -> Double.toString(v);
                case 1 -> Double.toString(v).replace('E', 'e');
                case 2 -> new BigDecimal(Double.toString(v)).toPlainString();
                default -> v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v.doubleValue())
                        : Double.toString(v);
            };
            return new Field(key, text, Double.parseDouble(text)); // "0" and "0.0" for -0.0 are +0.0

        });
    }

    private static Arbitrary<Field> field(String key, ColumnType type) {
        return switch (type) {
            case DOUBLE -> Arbitraries.oneOf(floatField(key), Arbitraries.longs().between(-(1L << 53), 1L << 53)
                    .map(v -> new Field(key, v + "i", (double) v)));
            case BIGINT -> Arbitraries.oneOf(
                    Arbitraries.longs().map(v -> new Field(key, v + "i", v)),
                    Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L).map(v -> new Field(key, v + "i", v)),
                    Arbitraries.longs().between(0, Long.MAX_VALUE).map(v -> new Field(key, v + "u", v)));
            case BOOLEAN -> Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 4))
                    .as((v, s) -> new Field(key, (v ? TRUE : FALSE)[s], v));
            case VARCHAR -> Arbitraries.frequencyOf(Tuple.of(6, nasty(0, 12)),
                    Tuple.of(3, nasty(0, 12).map(x -> x + "\n" + x + "\r\n")),
                    Tuple.of(1, nasty(100, 600).map(x -> x.replace('#', '\n'))))
                    .map(s -> new Field(key, string(s), s));
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    /** The fields of a point: a non-empty subset of the columns, in random order, one maybe given twice first. */
    private static Arbitrary<List<Field>> fields(ArchiveDefinition def) {
        List<Arbitrary<Field>> each = new ArrayList<>();
        for (Column c : def.columns()) {
            each.add(field(c.name(), c.type()));
        }
        Arbitrary<List<Field>> all = Combinators.combine(each).as(ArrayList::new);
        Arbitrary<Long> seed = Arbitraries.longs();
        return Combinators.combine(all, seed, field(def.columns().get(0).name(), def.columns().get(0).type()))
                .as((fs, s, again) -> {
                    Random r = new Random(s);
                    List<Field> chosen = new ArrayList<>(fs);
                    Collections.shuffle(chosen, r);
                    chosen = new ArrayList<>(chosen.subList(0, 1 + r.nextInt(chosen.size())));
                    if (r.nextInt(5) == 0) {
                        chosen.add(0, again); // given twice when the first column is also chosen later: last wins
                    }
                    return chosen;
                });
    }

    /** A timestamp in {@code p}'s unit within the accepted range, with the micros it stands for; null for none. */
    private static Arbitrary<long[]> timestamp(LineProtocol.Precision p) {
        Arbitrary<Long> seconds = Arbitraries.longs().between(MIN_SECOND, MAX_SECOND);
        Arbitrary<Long> nanos = Arbitraries.longs().between(0, 999_999_999);
        Arbitrary<long[]> some = Combinators.combine(seconds, nanos).as((s, n) -> switch (p) {
            case NANOSECONDS -> new long[] {s * 1_000_000_000L + n, Math.floorDiv(s * 1_000_000_000L + n, 1000L)};
            case MICROSECONDS -> new long[] {s * 1_000_000L + n / 1000, s * 1_000_000L + n / 1000};
            case MILLISECONDS -> new long[] {s * 1000L + n / 1_000_000, (s * 1000L + n / 1_000_000) * 1000};
            case SECONDS -> new long[] {s, s * 1_000_000L};
            case MINUTES -> new long[] {Math.floorDiv(s, 60), Math.floorDiv(s, 60) * 60_000_000L};
            case HOURS -> new long[] {Math.floorDiv(s, 3600), Math.floorDiv(s, 3600) * 3_600_000_000L};
        });
        return Arbitraries.frequencyOf(Tuple.of(6, some), Tuple.of(1, Arbitraries.just(null)));
    }

    private static Arbitrary<Point> point(LineProtocol.Precision p) {
        Arbitrary<String> measurement = Arbitraries.of("cpu", "mem");
        return measurement.flatMap(m -> Combinators.combine(tags(), fields(ARCHIVES.get(m)), timestamp(p))
                .as((tags, fields, ts) -> new Point(m, tags, fields, ts == null ? null : ts[0],
                        ts == null ? NOW : ts[1])));
    }

    @Provide
    Arbitrary<Body> bodies() {
        return Arbitraries.of(LineProtocol.Precision.class).flatMap(p -> Combinators.combine(
                point(p).list().ofMinSize(1).ofMaxSize(30), Arbitraries.longs())
                .as((points, seed) -> new Body(encode(points, new Random(seed)), p, points)));
    }

    /** Bodies past {@link Halves#MIN_BYTES}: a few points repeated with a distinguishing tag, many strings. */
    @Provide
    Arbitrary<Body> largeBodies() {
        return Arbitraries.of(LineProtocol.Precision.class).flatMap(p -> Combinators.combine(
                point(p).list().ofMinSize(5).ofMaxSize(20), Arbitraries.longs())
                .as((points, seed) -> {
                    List<Point> many = new ArrayList<>();
                    StringBuilder text = new StringBuilder();
                    Random r = new Random(seed);
                    for (int k = 0; text.length() < Halves.MIN_BYTES * 5 / 4; k++) {
                        List<Point> round = new ArrayList<>();
                        for (Point q : points) {
                            List<String[]> tags = new ArrayList<>(q.tags);
                            tags.add(r.nextInt(tags.size() + 1), new String[] {"copy", Integer.toString(k)});
                            round.add(new Point(q.measurement, tags, q.fields, q.timestamp, q.micros));
                        }
                        many.addAll(round);
                        String part = encode(round, r);
                        text.append(part).append(part.endsWith("\n") ? "" : "\n");
                    }
                    return new Body(text.toString(), p, many);
                }));
    }

    // ---- the properties ----------------------------------------------------------------------------------

    @Property(tries = 300)
    void read_encodedPoints_storedRowsEqualThePointsSent(@ForAll("bodies") Body body) {
        check(body);
    }

    @Property(tries = 6)
    void read_largeBodyInTwoHalves_storedRowsEqualThePointsSent(@ForAll("largeBodies") Body body) {
        assertThat(body.text.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(Halves.MIN_BYTES);
        check(body);
    }

    private static void check(Body body) {
        byte[] bytes = body.text.getBytes(StandardCharsets.UTF_8);
        LineProtocol.Parsed parsed = LineProtocol.read(bytes, bytes.length,
                m -> LineProtocol.Resolution.archive(ARCHIVES.get(m), null), body.precision, NOW, LIMITS);
        assertThat(parsed.errors()).as("errors %s", show(parsed.errors().toString())).isEmpty();
        assertThat(parsed.points()).isEqualTo(body.points.size());

        Map<String, Map<List<Object>, Map<String, Object>>> expected = new LinkedHashMap<>();
        for (Point p : body.points) {
            expected.computeIfAbsent(p.measurement, k -> new HashMap<>())
                    .put(List.of(p.rtId(), p.micros), p.values()); // a repeated key keeps its last point
        }
        Map<String, Map<List<Object>, Map<String, Object>>> actual = new LinkedHashMap<>();
        for (LineProtocol.Measurement m : parsed.measurements()) {
            assertThat(m.create()).isFalse();
            SampleBatch b = m.batch();
            assertThat(b.archive()).isEqualTo(ARCHIVES.get(m.name()));
            Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
            for (int r = 0; r < b.size(); r++) {
                Map<String, Object> values = new HashMap<>();
                for (int c = 0; c < b.archive().columns().size(); c++) {
                    if (b.value(r, c) != null) {
                        values.put(b.archive().columns().get(c).name(), b.value(r, c));
                    }
                }
                assertThat(rows.put(List.of(b.rtId(r), b.micros(r)), values)).as("a key twice").isNull();
            }
            actual.put(m.name(), rows);
        }
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String m : expected.keySet()) {
            Map<List<Object>, Map<String, Object>> want = expected.get(m);
            Map<List<Object>, Map<String, Object>> got = actual.get(m);
            assertThat(new TreeMap<>(keys(got))).as(m + ": the keys").isEqualTo(new TreeMap<>(keys(want)));
            for (Map.Entry<List<Object>, Map<String, Object>> e : want.entrySet()) {
                Map<String, Object> row = got.get(e.getKey());
                for (Map.Entry<String, Object> f : e.getValue().entrySet()) {
                    assertThat(row.get(f.getKey())).as("%s %s field %s", m, e.getKey(), f.getKey())
                            .isEqualTo(f.getValue());
                }
                assertThat(row.keySet()).as("%s %s: the columns given", m, e.getKey())
                        .isEqualTo(e.getValue().keySet());
            }
        }
    }

    /** The keys as sortable text, for a readable difference. */
    private static Map<String, Boolean> keys(Map<List<Object>, Map<String, Object>> rows) {
        Map<String, Boolean> out = new HashMap<>();
        rows.keySet().forEach(k -> out.put(show(k.get(0) + " @" + k.get(1)), true));
        return out;
    }

    /** A nasty measurement reaches the archive lookup, and its error, unescaped; so does a nasty field key. */
    @Property(tries = 500)
    void read_nastyMeasurementAndFieldNames_unescapedInTheErrors(@ForAll("measurements") String measurement,
            @ForAll("fieldKeys") String key, @ForAll long seed) {
        Random r = new Random(seed);
        Map<String, Boolean> asked = new ConcurrentHashMap<>();
        String text = escape(measurement, ", ", r) + ",h=a v=1 1\ncpu,h=a usage=1," + escape(key, ",= ", r)
                + "=2i 1\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        LineProtocol.Parsed p = LineProtocol.read(bytes, bytes.length, m -> {
            asked.put(m, true);
            return m.equals("cpu") ? LineProtocol.Resolution.archive(CPU, null)
                    : LineProtocol.Resolution.refused("no archive");
        }, LineProtocol.Precision.NANOSECONDS, NOW, LIMITS);
        assertThat(asked.keySet()).as(show(text)).containsExactlyInAnyOrder(measurement, "cpu");
        assertThat(p.errors()).as(show(text) + " " + show(p.errors().toString())).hasSize(2);
        LineProtocol.Error m = p.errors().get(0);
        LineProtocol.Error f = p.errors().get(1);
        assertThat(show(m.line() + "|" + m.measurement() + "|" + m.field() + "|" + m.reason()))
                .isEqualTo(show("1|" + measurement + "|null|no archive"));
        assertThat(show(f.line() + "|" + f.field())).isEqualTo(show("2|" + key));
        assertThat(show(f.reason())).startsWith(show("archive 'cpu' has no column '" + key + "'"));
    }

    /** {@code s} with every character outside printable ASCII as \\uXXXX, for a readable failure. */
    private static String show(String s) {
        StringBuilder sb = new StringBuilder();
        s.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : String.format("\\u%04x", c)));
        return sb.toString();
    }

    @Provide
    Arbitrary<String> measurements() {
        // not "cpu"; no line break; no leading tab or '#' (a line's leading blanks are skipped, '#' is a comment)
        return nasty(1, 10).filter(s -> !s.equals("cpu") && s.charAt(0) != '\t' && s.charAt(0) != '#');
    }

    @Provide
    Arbitrary<String> fieldKeys() {
        return nasty(1, 10).filter(s -> !CPU.columns().stream().map(Column::name).toList().contains(s));
    }
}
