package io.tidemark.server.ingest.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The line-protocol reader on hand-written bodies: the escaping examples of InfluxDB's line protocol reference, every
 * value type into every column type, timestamps in each precision, and the exact error of each kind of malformed
 * line, with its line number (CRLF, comments, a trailing newline or none).
 */
class LineProtocolTest {
    private static final long NOW = 1_735_689_600_000_000L;
    private static final ArchiveDefinition CPU = ArchiveDefinition.raw("cpu", List.of(
            Column.of("usage", ColumnType.DOUBLE), Column.of("n", ColumnType.BIGINT),
            Column.of("ok", ColumnType.BOOLEAN), Column.of("note", ColumnType.VARCHAR)));
    private static final ArchiveDefinition MEM = ArchiveDefinition.raw("mem", List.of(
            Column.of("free", ColumnType.DOUBLE)));

    /** Archives cpu and mem exist; "disabled" is refused; anything else may be created when {@code create}. */
    private static LineProtocol.Archives archives(boolean create, String rtIdTag) {
        return m -> switch (m) {
            case "cpu" -> LineProtocol.Resolution.archive(CPU, rtIdTag);
            case "mem" -> LineProtocol.Resolution.archive(MEM, rtIdTag);
            case "disabled" -> LineProtocol.Resolution.refused("archive 'disabled' is DISABLED");
            default -> create ? LineProtocol.Resolution.create(rtIdTag)
                    : LineProtocol.Resolution.refused("no archive '" + m + "'");
        };
    }

    private static LineProtocol.Parsed read(String body) {
        return read(body, LineProtocol.Precision.NANOSECONDS, archives(false, null));
    }

    private static LineProtocol.Parsed read(String body, LineProtocol.Precision p, LineProtocol.Archives a) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return LineProtocol.read(b, b.length, a, p, NOW, BatchLimits.DEFAULT);
    }

    private static SampleBatch only(LineProtocol.Parsed p) {
        assertThat(p.errors()).isEmpty();
        assertThat(p.measurements()).hasSize(1);
        return p.measurements().get(0).batch();
    }

    private static List<String> errors(LineProtocol.Parsed p) {
        List<String> out = new ArrayList<>();
        for (LineProtocol.Error e : p.errors()) {
            out.add(e.line() + "|" + e.measurement() + "|" + e.field() + "|" + e.reason());
        }
        return out;
    }

    private static Map<String, Object> row(SampleBatch b, int r) {
        Map<String, Object> m = new HashMap<>();
        for (int c = 0; c < b.archive().columns().size(); c++) {
            if (b.value(r, c) != null) {
                m.put(b.archive().columns().get(c).name(), b.value(r, c));
            }
        }
        return m;
    }

    @Test
    void read_everyTypeIntoItsColumn_typedValues() {
        SampleBatch b = only(read("cpu,host=a usage=0.5,n=-42i,ok=t,note=\"hi\" 1735689600000000001\n"));
        assertThat(b.rtId(0)).isEqualTo("host=a");
        assertThat(b.micros(0)).isEqualTo(NOW);
        assertThat(row(b, 0)).containsExactlyInAnyOrderEntriesOf(Map.of("usage", 0.5, "n", -42L, "ok", true,
                "note", "hi"));
    }

    @Test
    void read_numberForms_asInfluxDbReadsThem() {
        String body = """
                cpu,h=1 usage=1 1
                cpu,h=2 usage=-1.5e3 1
                cpu,h=3 usage=.5 1
                cpu,h=4 usage=5. 1
                cpu,h=5 usage=7i,n=7u 1
                cpu,h=6 usage=9007199254740992i,n=-9223372036854775808i 1
                cpu,h=7 usage=1E2,n=9223372036854775807u 1
                """;
        SampleBatch b = only(read(body));
        assertThat(b.value(0, 0)).isEqualTo(1.0);
        assertThat(b.value(1, 0)).isEqualTo(-1500.0);
        assertThat(b.value(2, 0)).isEqualTo(0.5);
        assertThat(b.value(3, 0)).isEqualTo(5.0);
        assertThat(row(b, 4)).isEqualTo(Map.of("usage", 7.0, "n", 7L));
        assertThat(row(b, 5)).isEqualTo(Map.of("usage", 9007199254740992.0, "n", Long.MIN_VALUE));
        assertThat(row(b, 6)).isEqualTo(Map.of("usage", 100.0, "n", Long.MAX_VALUE));
    }

    @Test
    void read_booleanSpellings_allTaken() {
        String[] forms = {"t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE"};
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < forms.length; i++) {
            body.append("cpu,h=").append(i).append(" ok=").append(forms[i]).append(" 1\n");
        }
        SampleBatch b = only(read(body.toString()));
        for (int i = 0; i < forms.length; i++) {
            assertThat(b.value(i, 2)).as(forms[i]).isEqualTo(i < 5);
        }
    }

    @Test
    void read_escapingExamplesOfTheReference_unescaped() {
        // measurement: comma and space; tag keys, values and field keys: comma, equals and space; strings: quote and
        // backslash. Two backslashes are one; a backslash before anything else is itself.
        String body = "cpu,my\\ tag=a\\,b\\=c\\ d,x=my\\Value,y=my\\\\Value,z=my\\\\\\Value "
                + "note=\"say \\\"hi\\\" \\\\ \\n done\" 1\n";
        SampleBatch b = only(read(body));
        assertThat(b.rtId(0)).isEqualTo("my tag=a,b=c d,x=my\\Value,y=my\\Value,z=my\\\\Value");
        assertThat(b.value(0, 3)).isEqualTo("say \"hi\" \\ \\n done");
        LineProtocol.Parsed m = read("my\\,weather\\ station,t=1 v=1 1\n", LineProtocol.Precision.NANOSECONDS,
                x -> LineProtocol.Resolution.archive(MEM, null));
        assertThat(m.errors()).extracting(LineProtocol.Error::measurement).containsOnly("my,weather station");
    }

    @Test
    void read_tagSet_sortedByKeyIntoTheRtId() {
        SampleBatch b = only(read("cpu,zone=z,host=h,Alpha=1,é=e usage=1 1\n"));
        assertThat(b.rtId(0)).isEqualTo("Alpha=1,host=h,zone=z,é=e");
    }

    @Test
    void read_namedRtIdTag_itsValueIsTheRtId() {
        LineProtocol.Parsed p = read("cpu,host=h1,zone=z usage=1 1\ncpu,zone=z usage=1 1\n",
                LineProtocol.Precision.NANOSECONDS, archives(false, "host"));
        assertThat(errors(p)).containsExactly("2|cpu|rtId|the line has no tag 'host', whose value is the rtId of "
                + "archive 'cpu' (ingest.line.rtid-tag / ingest.line.rtid-tags)");
        SampleBatch b = only(read("cpu,host=h1,zone=z usage=1 1\n", LineProtocol.Precision.NANOSECONDS,
                archives(false, "host")));
        assertThat(b.rtId(0)).isEqualTo("h1");
    }

    @Test
    void read_precisions_toMicroseconds() {
        Map<LineProtocol.Precision, Long> expected = Map.of(
                LineProtocol.Precision.NANOSECONDS, Math.floorDiv(-1_500L, 1000L),
                LineProtocol.Precision.MICROSECONDS, -1_500L,
                LineProtocol.Precision.MILLISECONDS, -1_500_000L,
                LineProtocol.Precision.SECONDS, -1_500_000_000L,
                LineProtocol.Precision.MINUTES, -90_000_000_000L,
                LineProtocol.Precision.HOURS, -5_400_000_000_000L);
        expected.forEach((p, micros) -> assertThat(only(read("cpu,h=a usage=1 -1500\n", p, archives(false, null)))
                .micros(0)).as(p.label()).isEqualTo(micros));
        assertThat(only(read("cpu,h=a usage=1 1735689600123456999\n")).micros(0)).isEqualTo(NOW + 123_456);
    }

    @Test
    void read_noTimestamp_theReceiveTimeForEveryLine() {
        SampleBatch b = only(read("cpu,h=a usage=1\ncpu,h=b usage=2   \n"));
        assertThat(b.micros(0)).isEqualTo(NOW);
        assertThat(b.micros(1)).isEqualTo(NOW);
    }

    @Test
    void read_commentsBlankLinesCrlfAndWhitespace_skipped() {
        String body = "# a comment, with \"quotes\n\r\n   \n\t# indented comment\r\n  cpu,h=a  usage=1,n=2i   7 \t\r\n"
                + "cpu,h=b usage=2";
        SampleBatch b = only(read(body));
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.micros(0)).isZero();
        assertThat(row(b, 0)).isEqualTo(Map.of("usage", 1.0, "n", 2L));
        assertThat(b.micros(1)).isEqualTo(NOW);
    }

    @Test
    void read_duplicateFieldAndRepeatedKey_lastWins() {
        SampleBatch b = only(read("cpu,h=a usage=1,usage=2 5\ncpu,h=a usage=3 5\n"));
        assertThat(b.size()).isEqualTo(1);
        assertThat(b.value(0, 0)).isEqualTo(3.0);
        SampleBatch c = only(read("cpu,h=a n=1.5,n=2i 5\n"));
        assertThat(c.value(0, 1)).isEqualTo(2L);
    }

    @Test
    void read_stringWithNewlines_laterLinesNumberedOn() {
        LineProtocol.Parsed p = read("cpu,h=a note=\"two\nlines\" 1\ncpu,h=b usage=x 1\n");
        assertThat(errors(p)).containsExactly("3|cpu|usage|field 'usage' has the value 'x', which is none of a "
                + "float (1.5), an integer (1i), an unsigned integer (1u), a boolean (t, true, f, false …) or a string "
                + "(\"text\")");
    }

    @Test
    void read_severalMeasurements_oneBatchEach() {
        LineProtocol.Parsed p = read("cpu,h=a usage=1 1\nmem,h=a free=2 1\ncpu,h=b usage=3 1\n");
        assertThat(p.errors()).isEmpty();
        assertThat(p.measurements()).extracting(LineProtocol.Measurement::name).containsExactly("cpu", "mem");
        assertThat(p.measurements().get(0).batch().size()).isEqualTo(2);
    }

    @Test
    void read_autoCreate_columnsFromTheFirstLineAndLaterLinesMustFit() {
        LineProtocol.Parsed p = read("net,h=a rx=1i,up=t,name=\"eth0\",load=0.5 1\nnet,h=b rx=2i 2\n",
                LineProtocol.Precision.NANOSECONDS, archives(true, null));
        assertThat(p.errors()).isEmpty();
        LineProtocol.Measurement m = p.measurements().get(0);
        assertThat(m.create()).isTrue();
        assertThat(m.batch().archive()).isEqualTo(ArchiveDefinition.raw("net", List.of(
                Column.of("rx", ColumnType.BIGINT), Column.of("up", ColumnType.BOOLEAN),
                Column.of("name", ColumnType.VARCHAR), Column.of("load", ColumnType.DOUBLE))));
        LineProtocol.Parsed q = read("net,h=a rx=1i 1\nnet,h=b rx=2.5,tx=1i 2\nnet,h=c Bad=1 3\n",
                LineProtocol.Precision.NANOSECONDS, archives(true, null));
        assertThat(errors(q)).containsExactly(
                "2|net|tx|archive 'net' has no column 'tx' (its columns are [rx]); columns are never added to an "
                        + "archive (there is no ALTER): leave the field out, or write it to another archive",
                "2|net|rx|column 'rx' is BIGINT, the field is a float (2.5); write an integer with the suffix i (42i)",
                "3|net|Bad|archive 'net' has no column 'Bad' (its columns are [rx]); columns are never added to an "
                        + "archive (there is no ALTER): leave the field out, or write it to another archive");
        LineProtocol.Parsed r = read("disk,h=a Used=1 1\n", LineProtocol.Precision.NANOSECONDS, archives(true, null));
        assertThat(errors(r)).containsExactly("1|disk|Used|field 'Used' cannot become a column of the new archive "
                + "'disk': invalid column name 'Used': use 1 to 63 characters, a lower-case letter first, then "
                + "lower-case letters, digits or '_'");
    }

    /** Each kind of malformed or refused line: its exact error, on the right line, and nothing written. */
    @Test
    void read_malformedOrRefusedLines_exactErrors() {
        String forms = "a float (1.5), an integer (1i), an unsigned integer (1u), a boolean (t, true, f, false …) or a "
                + "string (\"text\")";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("cpu,h=a", "2|cpu|null|the line has no fields: after the measurement and tags come a space and at "
                + "least one field, e.g. 'cpu,host=a usage=0.5'");
        cases.put("cpu,h=a ", "2|cpu|null|the line has no fields after the space that ends the measurement and tags");
        cases.put(",h=a usage=1", "2|null|null|the line has no measurement: it starts with ','");
        cases.put("cpu,=a usage=1", "2|cpu|null|a tag has no key (',=' or a ',' with nothing after it)");
        cases.put("cpu,h usage=1", "2|cpu|h|tag 'h' has no value: write key=value");
        cases.put("cpu,h= usage=1", "2|cpu|h|tag 'h' has an empty value");
        cases.put("cpu,h=a=b usage=1", "2|cpu|h|tag 'h' has an unescaped '=' in its value; write it as \\=");
        cases.put("cpu,h=a,h=b usage=1", "2|cpu|h|tag 'h' is given twice");
        cases.put("cpu,h=a, usage=1", "2|cpu|null|a tag has no key (',=' or a ',' with nothing after it)");
        cases.put("cpu usage=1", "2|cpu|rtId|the line has no tags: its rtId is its tag set (k1=v1,k2=v2); add a tag "
                + "(cpu,host=a usage=0.5) or name the rtId tag with ingest.line.rtid-tag");
        cases.put("cpu,h=a usage", "2|cpu|usage|field 'usage' has no value: write key=value");
        cases.put("cpu,h=a usage=", "2|cpu|usage|field 'usage' has no value");
        cases.put("cpu,h=a usage=1,", "2|cpu|null|the line ends with a ',': a field follows every comma");
        cases.put("cpu,h=a usage=1, n=1i", "2|cpu|null|a space after a ',': fields are separated by commas alone");
        cases.put("cpu,h=a =1", "2|cpu|null|a field has no key: '=1'");
        cases.put("cpu,h=a usage=abc", "2|cpu|usage|field 'usage' has the value 'abc', which is none of " + forms);
        cases.put("cpu,h=a usage=1.5i", "2|cpu|usage|field 'usage' has the value '1.5i', which is none of " + forms);
        cases.put("cpu,h=a usage=-1u", "2|cpu|usage|field 'usage' has the value '-1u', which is none of " + forms);
        cases.put("cpu,h=a usage=NaN", "2|cpu|usage|field 'usage' has the value 'NaN', which is none of " + forms);
        cases.put("cpu,h=a ok=tru", "2|cpu|ok|field 'ok' has the value 'tru', which is none of " + forms);
        cases.put("cpu,h=a note=\"x\"y", "2|cpu|note|field 'note': text after the closing '\"' of its string: 'y'");
        cases.put("cpu,h=a note=\"open", "2|cpu|note|the string of field 'note' has no closing '\"'");
        cases.put("cpu,h=a usage=1 12a", "2|cpu|timestamp|'12a' after the fields is not a timestamp: an integer in "
                + "the request's precision (nanoseconds), or nothing");
        cases.put("cpu,h=a usage=1 12 13", "2|cpu|null|text after the timestamp: '13'; a line ends with its timestamp");
        cases.put("cpu,h=a usage=1 99999999999999999999", "2|cpu|timestamp|timestamp 99999999999999999999 "
                + "(nanoseconds) is out of range");
        cases.put("cpu,h=a usage=1 -3000000000000000000", "2|cpu|timestamp|timestamp "
                + java.time.Instant.ofEpochSecond(-3_000_000_000L) + " is outside the accepted range "
                + "[1900-01-01T00:00:00Z, 2200-01-01T00:00:00Z)");
        cases.put("cpu,h=a n=1.5", "2|cpu|n|column 'n' is BIGINT, the field is a float (1.5); write an integer with "
                + "the suffix i (42i)");
        cases.put("cpu,h=a usage=9007199254740993i", "2|cpu|usage|column 'usage' is DOUBLE, the field is an integer "
                + "(9007199254740993i); only integers within ±2^53 are taken into a DOUBLE column, where they are "
                + "exact; send it as a float");
        cases.put("cpu,h=a n=9223372036854775808u", "2|cpu|n|unsigned integer 9223372036854775808u is above "
                + "9223372036854775807, the largest BIGINT");
        cases.put("cpu,h=a n=9223372036854775808i", "2|cpu|n|integer 9223372036854775808i is beyond the 64-bit range");
        cases.put("cpu,h=a usage=1e999", "2|cpu|usage|float 1e999 is beyond the range of a DOUBLE");
        cases.put("cpu,h=a ok=1i", "2|cpu|ok|column 'ok' is BOOLEAN, the field is an integer (1i)");
        cases.put("cpu,h=a note=t", "2|cpu|note|column 'note' is VARCHAR, the field is a boolean (t)");
        cases.put("cpu,h=a usage=\"1\"", "2|cpu|usage|column 'usage' is DOUBLE, the field is a string (\"1\")");
        cases.put("cpu,h=a nope=1", "2|cpu|nope|archive 'cpu' has no column 'nope' (its columns are [usage, n, ok, "
                + "note]); columns are never added to an archive (there is no ALTER): leave the field out, or write "
                + "it to another archive");
        cases.put("gpu,h=a x=1", "2|gpu|null|no archive 'gpu'");
        cases.put("disabled,h=a x=1", "2|disabled|null|archive 'disabled' is DISABLED");
        cases.put("cpu,h=" + "x".repeat(130) + " usage=1", "2|cpu|rtId|rtId has 132 characters, more than 128");
        cases.put("cpu,h=a note=\"" + "x".repeat(65_536) + "\"", "2|cpu|note|text has 65536 characters, more "
                + "than 65535");
        for (String eol : List.of("\n", "\r\n")) {
            for (Map.Entry<String, String> c : cases.entrySet()) {
                for (boolean trailing : new boolean[] {true, false}) {
                    String body = "cpu,h=ok usage=1 1" + eol + c.getKey() + (trailing ? eol : "");
                    LineProtocol.Parsed p = read(body);
                    assertThat(errors(p)).as("%s (eol %s, trailing %s)", c.getKey(), eol.length(), trailing)
                            .containsExactly(c.getValue());
                    assertThat(p.measurements()).isEmpty();
                }
            }
        }
    }

    @Test
    void read_errorsInSeveralLines_allReportedByLineUpToTen() {
        StringBuilder body = new StringBuilder();
        for (int i = 1; i <= 14; i++) {
            body.append(i % 2 == 0 ? "cpu,h=a nope=1 " + i : "cpu,h=a usage=1 " + i).append('\n');
        }
        body.append("cpu,h=a usage=x\n");
        LineProtocol.Parsed p = read(body.toString());
        assertThat(p.errors()).extracting(LineProtocol.Error::line).containsExactly(2, 4, 6, 8, 10, 12, 14, 15);
        StringBuilder many = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            many.append("cpu,h=a usage=x\n");
        }
        assertThat(read(many.toString()).errors()).hasSize(LineProtocol.MAX_ERRORS)
                .extracting(LineProtocol.Error::line).startsWith(1, 2, 3).endsWith(10);
    }

    @Test
    void read_overMaxRows_tooLarge() {
        BatchLimits limits = new BatchLimits(2, 128, BatchLimits.DEFAULT.minTimestamp(),
                BatchLimits.DEFAULT.maxTimestamp(), 65_535);
        byte[] b = "cpu,h=a usage=1 1\n# c\ncpu,h=a usage=1 2\ncpu,h=a usage=1 3\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> LineProtocol.read(b, b.length, archives(false, null),
                LineProtocol.Precision.NANOSECONDS, NOW, limits))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
    }

    @Test
    void read_invalidUtf8_refusedNamingTheElement() {
        byte[] b = "cpu,h=\u00ff usage=1 1\n".getBytes(StandardCharsets.ISO_8859_1);
        LineProtocol.Parsed p = LineProtocol.read(b, b.length, archives(false, null),
                LineProtocol.Precision.NANOSECONDS, NOW, BatchLimits.DEFAULT);
        assertThat(errors(p)).containsExactly("1|cpu|h|the value of tag 'h' is not valid UTF-8");
    }

    @Test
    void precision_parameters_v1AndV2() {
        assertThat(LineProtocol.Precision.v2(null)).isEqualTo(LineProtocol.Precision.NANOSECONDS);
        assertThat(LineProtocol.Precision.v2("ms")).isEqualTo(LineProtocol.Precision.MILLISECONDS);
        assertThat(LineProtocol.Precision.v2("h")).isNull();
        assertThat(LineProtocol.Precision.v1("h")).isEqualTo(LineProtocol.Precision.HOURS);
        assertThat(LineProtocol.Precision.v1("m")).isEqualTo(LineProtocol.Precision.MINUTES);
        assertThat(LineProtocol.Precision.v1("u")).isEqualTo(LineProtocol.Precision.MICROSECONDS);
        assertThat(LineProtocol.Precision.v1("n")).isEqualTo(LineProtocol.Precision.NANOSECONDS);
        assertThat(LineProtocol.Precision.v1("x")).isNull();
    }
}
