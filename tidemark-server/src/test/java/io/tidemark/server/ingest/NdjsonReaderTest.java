package io.tidemark.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Sample;
import io.tidemark.core.TidemarkException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NdjsonReaderTest {
    private final NdjsonReader reader = new NdjsonReader();

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void read_valuesKeepJsonTypesAndLinesAreCounted() throws IOException {
        ParsedBody b = reader.read("a", in("\n{\"rtId\":\"x\",\"timestamp\":\"2025-01-01T00:00:00.123456Z\","
                + "\"d\":1.5,\"l\":7,\"b\":true,\"s\":\"t\",\"n\":null,\"big\":123456789012345678901234}\n"
                + "{\"rtId\":\"y\",\"timestamp\":1735689600123}"), 10);
        assertThat(b.samples()).hasSize(2);
        Sample s = b.samples().get(0);
        assertThat(s.timestamp()).isEqualTo(Instant.parse("2025-01-01T00:00:00.123456Z"));
        assertThat(s.values()).containsEntry("d", 1.5).containsEntry("l", 7L).containsEntry("b", true)
                .containsEntry("s", "t").containsEntry("n", null)
                .containsEntry("big", new BigInteger("123456789012345678901234"));
        assertThat(b.samples().get(1).timestamp()).isEqualTo(Instant.ofEpochMilli(1735689600123L));
        assertThat(b.lineOf(1)).isEqualTo(2);
        assertThat(b.lineOf(2)).isEqualTo(3);
    }

    @Test
    void read_offsetTimestamp_convertedToUtc() throws IOException {
        ParsedBody b = reader.read("a", in("{\"rtId\":\"x\",\"timestamp\":\"2025-01-01T01:00:00+01:00\"}"), 10);
        assertThat(b.samples().get(0).timestamp()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
    }

    @Test
    void read_overRowLimit_tooLargeBeforeReadingTheRest() {
        String row = "{\"rtId\":\"x\",\"timestamp\":1}\n";
        assertThatThrownBy(() -> reader.read("a", in(row.repeat(3) + "{broken"), 2))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
    }

    @Test
    void read_overByteLimit_reportedAsTooLarge() {
        String row = "{\"rtId\":\"x\",\"timestamp\":1}\n";
        assertThatThrownBy(() -> reader.read("a", BodyLimits.limit(in(row.repeat(100)), 100), 1000))
                .satisfies(e -> assertThat(BodyLimits.isTooLarge(e)).isTrue());
    }

    @Test
    void read_tenBadRows_stopsAtTenErrors() {
        String bad = "{\"rtId\":1,\"timestamp\":1}\n";
        assertThatThrownBy(() -> reader.read("a", in(bad.repeat(50)), 1000))
                .isInstanceOfSatisfying(MalformedBodyException.class, e -> assertThat(e.errors()).hasSize(10));
    }

    @Test
    void read_intoBatch_aBadTimestampLaterDoesNotHideValueErrorsOfOtherLines() {
        io.tidemark.core.ArchiveDefinition def = io.tidemark.core.ArchiveDefinition.raw("a",
                java.util.List.of(io.tidemark.core.Column.of("t", io.tidemark.core.ColumnType.DOUBLE)));
        String body = "{\"rtId\":\"s\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"t\":\"hot\"}\n"
                + "{\"rtId\":\"s\",\"timestamp\":\"x\",\"t\":1}\n"
                + "{\"rtId\":\"s\",\"timestamp\":\"2025-01-01T00:00:02Z\",\"nope\":1}\n"
                + "{\"rtId\":7,\"timestamp\":\"2025-01-01T00:00:03Z\"}\n";
        assertThatThrownBy(() -> reader.read(io.tidemark.core.SampleBatch.builder(def,
                io.tidemark.core.BatchLimits.DEFAULT), in(body), 1000))
                .isInstanceOfSatisfying(MalformedBodyException.class, e -> {
                    assertThat(e.errors()).extracting(BodyError::line).containsExactly(1, 2, 3, 4);
                    assertThat(e.errors()).extracting(BodyError::column).containsExactly("t", "timestamp", "nope",
                            "rtId");
                    assertThat(e.errors().get(3).reason()).isEqualTo("rtId must be a JSON string, got 7");
                });
    }
}
