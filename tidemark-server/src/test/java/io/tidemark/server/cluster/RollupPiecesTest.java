package io.tidemark.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.cluster.LogCodec;
import io.tidemark.cluster.LogRecord;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RollupPiecesTest {
    private static final ArchiveDefinition VIEW = new ArchiveDefinition("raw_1m",
            List.of(Column.of("n", ColumnType.BIGINT), Column.of("mean", ColumnType.DOUBLE),
                    Column.of("last", ColumnType.VARCHAR)), null);
    private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant TO = FROM.plusSeconds(3600);
    private static final BatchLimits UNLIMITED = new BatchLimits(Integer.MAX_VALUE,
            BatchLimits.DEFAULT.maxRtIdLength(), BatchLimits.DEFAULT.minTimestamp(), BatchLimits.DEFAULT.maxTimestamp(),
            Integer.MAX_VALUE);

    @Test
    void split_rowsFittingOneRecord_onePieceHoldingEveryRow() {
        List<Sample> rows = rows(50, 10);
        List<LogRecord.Rollup> pieces = RollupPieces.split(VIEW, 7, FROM, TO, rows, 1 << 20);
        assertThat(pieces).hasSize(1);
        LogRecord.Rollup only = pieces.get(0);
        assertThat(only.piece()).isZero();
        assertThat(only.pieces()).isEqualTo(1);
        assertThat(only.version()).isEqualTo(7);
        assertThat(only.fromMicros()).isEqualTo(Micros.toMicros(FROM));
        assertThat(only.toMicros()).isEqualTo(Micros.toMicros(TO));
        assertThat(only.rows()).isEqualTo(SampleBatch.validate(VIEW, rows, UNLIMITED));
    }

    @Test
    void split_rowsOverTheLimit_piecesEachWithinIt_numberedInOrder_togetherEveryRowOnce() {
        List<Sample> rows = rows(2_000, 40);
        int max = 8 * 1024;
        List<LogRecord.Rollup> pieces = RollupPieces.split(VIEW, 3, FROM, TO, rows, max);
        assertThat(pieces).hasSizeGreaterThan(2);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < pieces.size(); i++) {
            LogRecord.Rollup p = pieces.get(i);
            assertThat(p.piece()).isEqualTo(i);
            assertThat(p.pieces()).isEqualTo(pieces.size());
            assertThat(LogCodec.encode(p).value().length).as("piece %d encoded", i).isLessThanOrEqualTo(max);
            for (int r = 0; r < p.rows().size(); r++) {
                seen.merge(p.rows().rtId(r) + "@" + p.rows().micros(r), 1, Integer::sum);
            }
        }
        assertThat(seen).hasSize(rows.size()).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
    }

    @Test
    void split_oneRowOverTheLimit_tooLargeNamingTheSetting() {
        List<Sample> rows = rows(1, 4_000);
        assertThatThrownBy(() -> RollupPieces.split(VIEW, 1, FROM, TO, rows, 1_000))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE);
                    assertThat(e.getMessage()).contains("cluster.max-record-bytes", "raw_1m");
                });
    }

    private static List<Sample> rows(int n, int textLength) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> v = new HashMap<>();
            v.put("n", (long) i);
            v.put("mean", i / 3.0);
            v.put("last", ("v" + i).repeat(textLength / 2 + 1).substring(0, textLength));
            out.add(new Sample("s" + i % 7, FROM.plusSeconds(60L * (i / 7)), v));
        }
        return out;
    }
}
