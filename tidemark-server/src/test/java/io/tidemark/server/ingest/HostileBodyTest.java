package io.tidemark.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.SampleBatch;
import io.tidemark.server.Operations;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile and sloppy bodies are refused with errors that name row, line and column, through both the fast paths
 * (which must give up on them) and the Jackson paths: invalid UTF-8 in CSV, a duplicated JSON field, two JSON
 * objects on one line, a CSV header naming a column twice.
 */
class HostileBodyTest {
    private static final ArchiveDefinition A = ArchiveDefinition.raw("a", List.of(Column.of("d", ColumnType.DOUBLE),
            Column.of("s", ColumnType.VARCHAR)));

    private static SampleBatch.Builder batch() {
        return SampleBatch.builder(A, Operations.batchLimits(100));
    }

    private static ByteArrayInputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static BodyError onlyError(ThrowingRead read) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(read::run);
        assertThat(t).isInstanceOf(MalformedBodyException.class);
        List<BodyError> errors = ((MalformedBodyException) t).errors();
        assertThat(errors).hasSize(1);
        return errors.get(0);
    }

    interface ThrowingRead {
        void run() throws IOException;
    }

    @Test
    void csv_invalidUtf8InAField_400NamingRowLineAndColumn() {
        byte[] body = bytes("rtId,timestamp,s,d\nr1,1,ok,1\n\nr2,2,\"caf\u00e9 \u00ff\",2\n");
        for (ThrowingRead read : List.<ThrowingRead>of(() -> new CsvReader().read(batch(), in(body), 100),
                () -> new CsvReader().read(A, in(body), 100))) {
            BodyError e = onlyError(read);
            assertThat(e.row()).isEqualTo(2);
            assertThat(e.line()).isEqualTo(4);
            assertThat(e.column()).isEqualTo("s");
            assertThat(e.reason()).contains("not valid UTF-8", "0xE9", "line 4");
        }
    }

    @Test
    void csv_invalidUtf8InTheHeader_400AtLineOne() {
        BodyError e = onlyError(() -> new CsvReader().read(batch(), in(bytes("rtId,timestamp,\u00ff\nr,1,2\n")), 100));
        assertThat(e.row()).isZero();
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.reason()).contains("header");
    }

    @Test
    void csv_headerNamesAColumnTwice_400NamingIt() {
        byte[] body = bytes("rtId,timestamp,d,d\nr,1,1,2\n");
        assertThat(FastPaths.csv(A, in(body), 100)).isNull();
        BodyError e = onlyError(() -> new CsvReader().read(batch(), in(body), 100));
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.column()).isEqualTo("d");
        assertThat(e.reason()).contains("twice");
    }

    @Test
    void ndjson_duplicatedField_400NamingRowAndField() {
        byte[] body = bytes("{\"rtId\":\"a\",\"timestamp\":1,\"d\":1}\n{\"rtId\":\"b\",\"timestamp\":2,\"d\":1,\"d\":2}\n");
        assertThat(FastPaths.ndjson(A, in(body), 100)).isNull();
        BodyError e = onlyError(() -> new NdjsonReader().read(batch(), in(body), 100));
        assertThat(e.row()).isEqualTo(2);
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.column()).isEqualTo("d");
        assertThat(e.reason()).contains("twice");
        BodyError rtId = onlyError(() -> new NdjsonReader().read("a",
                in(bytes("{\"rtId\":\"a\",\"timestamp\":1,\"rtId\":\"b\"}\n")), 100));
        assertThat(rtId.column()).isEqualTo("rtId");
    }

    @Test
    void ndjson_twoObjectsOnOneLine_400NamingTheLine() {
        for (String sep : new String[] {" ", "", "\t"}) {
            byte[] body = bytes("{\"rtId\":\"a\",\"timestamp\":1}\n{\"rtId\":\"b\",\"timestamp\":2}" + sep
                    + "{\"rtId\":\"c\",\"timestamp\":3}\n");
            assertThat(FastPaths.ndjson(A, in(body), 100)).as(sep).isNull();
            BodyError e = onlyError(() -> new NdjsonReader().read(batch(), in(body), 100));
            assertThat(e.row()).isEqualTo(3);
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.reason()).contains("one object per line");
        }
    }

    @Test
    void ndjson_objectsOnTheirOwnLinesWithTrailingSpace_fastPathReadsThem() throws IOException {
        byte[] body = bytes("{\"rtId\":\"a\",\"timestamp\":1} \t\n{\"rtId\":\"b\",\"timestamp\":2}");
        assertThat(FastPaths.ndjson(A, in(body), 100)).containsExactly(1, 2);
        assertThat(new NdjsonReader().read(batch(), in(body), 100).received()).isEqualTo(2);
    }

    @Test
    void ndjson_invalidUtf8_400NamingRowAndLine() {
        byte[] body = bytes("{\"rtId\":\"a\",\"timestamp\":1}\n{\"rtId\":\"b\u00ff\",\"timestamp\":2}\n");
        assertThatThrownBy(() -> new NdjsonReader().read(batch(), in(body), 100))
                .isInstanceOfSatisfying(MalformedBodyException.class, m -> {
                    assertThat(m.errors().get(0).row()).isEqualTo(2);
                    assertThat(m.errors().get(0).line()).isEqualTo(2);
                    assertThat(m.errors().get(0).reason()).contains("UTF-8");
                });
    }
}
