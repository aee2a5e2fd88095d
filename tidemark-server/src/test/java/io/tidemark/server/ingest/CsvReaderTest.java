package io.tidemark.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
    private static final ArchiveDefinition A = ArchiveDefinition.raw("a", List.of(Column.of("d", ColumnType.DOUBLE),
            Column.of("l", ColumnType.BIGINT), Column.of("b", ColumnType.BOOLEAN), Column.of("s", ColumnType.VARCHAR)));
    private final CsvReader reader = new CsvReader();

    private ParsedBody read(String csv) throws IOException {
        return reader.read(A, new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), 100);
    }

    @Test
    void read_typedByColumnsAnyHeaderOrderEmptyIsNull() throws IOException {
        ParsedBody b = read("s,timestamp,rtId,d,l,b\n\"x,\"\"y\"\"\",2025-01-01T00:00:00Z,r1,1.5,-3,false\n"
                + ",1735689600000,r2,,,\n");
        assertThat(b.samples()).hasSize(2);
        assertThat(b.samples().get(0).values()).containsEntry("s", "x,\"y\"").containsEntry("d", 1.5)
                .containsEntry("l", -3L).containsEntry("b", false);
        assertThat(b.samples().get(1).values()).containsEntry("s", null).containsEntry("d", null);
        assertThat(b.samples().get(1).timestamp()).isEqualTo(Instant.ofEpochMilli(1735689600000L));
        assertThat(b.lineOf(1)).isEqualTo(2);
        assertThat(b.lineOf(2)).isEqualTo(3);
    }

    @Test
    void read_headerOnly_noSamples() throws IOException {
        assertThat(read("rtId,timestamp,d\n").samples()).isEmpty();
    }

    @Test
    void read_missingRtIdColumnInHeader_rejectedAtLineOne() {
        assertThatThrownBy(() -> read("timestamp,d\n1,2\n")).isInstanceOfSatisfying(MalformedBodyException.class,
                e -> assertThat(e.errors()).singleElement().satisfies(err -> {
                    assertThat(err.line()).isEqualTo(1);
                    assertThat(err.reason()).contains("rtId and timestamp");
                }));
    }

    @Test
    void read_emptyBody_rejected() {
        assertThatThrownBy(() -> read("")).isInstanceOf(MalformedBodyException.class);
    }
}
