package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The record encoding against its oracle, the records themselves: encode then decode gives back an equal record
 * (equal {@link SampleBatch}es for every part, read with the definition the test supplies), for random batches; and
 * what a node must refuse.
 */
class LogCodecTest {
    private static final String TOPIC = "tidemark.ingest";

    private static LogRecord roundTrip(LogRecord r) {
        LogCodec.Encoded e = LogCodec.encode(r);
        return LogCodec.decode(TOPIC, 3, 42, e.typeHeader(), e.versionHeader(), e.value());
    }

    @Property(tries = 300)
    void decode_randomBatch_equalsTheEncodedBatch(@ForAll long seed) {
        RandomBatches gen = new RandomBatches(seed);
        int parts = 1 + gen.random().nextInt(3);
        List<BatchPart> in = new ArrayList<>();
        List<ArchiveDefinition> defs = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            ArchiveDefinition def = gen.definition("a" + p, false);
            defs.add(def);
            in.add(BatchPart.of(gen.anyLong(), gen.batch(def, 1)));
        }
        Instant at = Instant.ofEpochSecond(gen.anyLong() / 1_000_000_000L, gen.random().nextInt(1_000_000_000));
        String node = gen.rtId();

        LogRecord.Batch out = (LogRecord.Batch) roundTrip(new LogRecord.Batch(node, at, in));

        assertThat(out.nodeId()).isEqualTo(node);
        assertThat(out.acceptedAt()).isEqualTo(at);
        assertThat(out.parts()).hasSize(parts);
        for (int p = 0; p < parts; p++) {
            BatchPart got = out.parts().get(p);
            assertThat(got.archive()).isEqualTo(in.get(p).archive());
            assertThat(got.version()).isEqualTo(in.get(p).version());
            assertThat(got.rowCount()).isEqualTo(in.get(p).rowCount());
            assertThat(got.rows(defs.get(p))).isEqualTo(in.get(p).rows(defs.get(p)));
        }
    }

    @Property(tries = 200)
    void decode_randomCut_equalsTheEncodedCut(@ForAll long seed) {
        RandomBatches gen = new RandomBatches(seed);
        List<Long> rejected = new ArrayList<>();
        long o = gen.random().nextInt(3) == 0 ? Long.MIN_VALUE : gen.random().nextInt(1000);
        for (int i = gen.random().nextInt(6); i > 0 && o < Long.MAX_VALUE - 1_000_000; i--) {
            rejected.add(o);
            o += 1 + gen.random().nextInt(1_000_000);
        }
        LogRecord.Cut cut = new LogRecord.Cut(Instant.ofEpochSecond(gen.random().nextInt(), 999_999_999),
                gen.anyLong(), rejected, gen.anyLong());

        assertThat(roundTrip(cut)).isEqualTo(cut);
    }

    @Property(tries = 200)
    void decode_randomRollup_equalsTheEncodedRollup(@ForAll long seed) {
        RandomBatches gen = new RandomBatches(seed);
        ArchiveDefinition def = gen.definition("m1", true);
        int pieces = 1 + gen.random().nextInt(3);
        LogRecord.Rollup r = new LogRecord.Rollup(gen.anyLong(), gen.anyLong(), gen.anyLong(),
                gen.random().nextInt(pieces), pieces, gen.batch(def, 0));

        assertThat(roundTrip(r)).isEqualTo(r);
    }

    @Test
    void decode_everyArchiveChange_equalsTheEncodedRecord() {
        for (LogRecord.Archive.Change c : LogRecord.Archive.Change.values()) {
            LogRecord.Archive a = new LogRecord.Archive("raw", 17, c);
            assertThat(roundTrip(a)).isEqualTo(a);
        }
    }

    @Property(tries = 100)
    void decode_truncatedValue_isRefusedNamingTheRecord(@ForAll long seed) {
        RandomBatches gen = new RandomBatches(seed);
        ArchiveDefinition def = gen.definition("raw", false);
        LogCodec.Encoded e = LogCodec.encode(new LogRecord.Batch("n1", Instant.EPOCH,
                List.of(BatchPart.of(1, gen.batch(def, 1)))));
        int cut = gen.random().nextInt(e.value().length);

        assertThatThrownBy(() -> {
            LogRecord.Batch b = (LogRecord.Batch) LogCodec.decode(TOPIC, 0, 7, e.typeHeader(), e.versionHeader(),
                    Arrays.copyOf(e.value(), cut));
            b.parts().get(0).rows(def);
        }).isInstanceOf(LogFormatException.class).hasMessageContaining(TOPIC + "-0@7");
    }

    @Test
    void decode_unknownVersion_isRefusedNamingTopicPartitionAndOffset() {
        LogCodec.Encoded e = LogCodec.encode(new LogRecord.Archive("raw", 1, LogRecord.Archive.Change.CREATED));

        assertThatThrownBy(() -> LogCodec.decode(TOPIC, 5, 1234, e.typeHeader(), bytes("2"), e.value()))
                .isInstanceOf(LogFormatException.class)
                .hasMessageContaining("tidemark.ingest-5@1234").hasMessageContaining("tm-v=2")
                .satisfies(x -> assertThat(((TidemarkException) x).code()).isEqualTo(ErrorCode.INVALID_STATE));
        assertThatThrownBy(() -> LogCodec.decode(TOPIC, 5, 1234, e.typeHeader(), null, e.value()))
                .isInstanceOf(LogFormatException.class).hasMessageContaining("no tm-v header");
    }

    @Test
    void decode_unknownType_isRefusedNamingTopicPartitionAndOffset() {
        LogCodec.Encoded e = LogCodec.encode(new LogRecord.Archive("raw", 1, LogRecord.Archive.Change.CREATED));

        assertThatThrownBy(() -> LogCodec.decode(TOPIC, 0, 9, bytes("MERGE"), e.versionHeader(), e.value()))
                .isInstanceOf(LogFormatException.class)
                .hasMessageContaining("tidemark.ingest-0@9").hasMessageContaining("tm-type=MERGE");
        assertThatThrownBy(() -> LogCodec.decode(TOPIC, 0, 9, null, e.versionHeader(), e.value()))
                .isInstanceOf(LogFormatException.class).hasMessageContaining("no tm-type header");
    }

    @Test
    void of_emptyBatch_isRefused() {
        ArchiveDefinition def = ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.DOUBLE)));
        SampleBatch empty = SampleBatch.fromColumns(def, new String[0], new long[0], new Object[][] {new Object[0]});

        assertThatThrownBy(() -> BatchPart.of(1, empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one row");
        assertThatThrownBy(() -> new LogRecord.Batch("n1", Instant.EPOCH, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decode_partWithoutRows_isRefused() {
        // A BATCH written by hand: node "n", instant 0, one part of archive "raw" v1 whose rows say n = 0.
        Wire.Out out = new Wire.Out(32);
        out.string("n");
        out.svar(0);
        out.uvar(0);
        out.uvar(1);
        out.string("raw");
        out.svar(1);
        out.uvar(1);
        out.uvar(0);

        assertThatThrownBy(() -> LogCodec.decode(TOPIC, 1, 2, bytes("BATCH"), bytes("1"), out.toBytes()))
                .isInstanceOf(LogFormatException.class).hasMessageContaining("holds no rows");
    }

    @Test
    void rows_definitionWithOtherColumnTypes_isRefused() {
        ArchiveDefinition def = ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.DOUBLE)));
        ArchiveDefinition other = ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.BIGINT)));
        SampleBatch b = SampleBatch.fromColumns(def, new String[] {"s1"}, new long[] {1},
                new Object[][] {new Object[] {1.5}});
        LogRecord.Batch out = (LogRecord.Batch) roundTrip(new LogRecord.Batch("n1", Instant.EPOCH,
                List.of(BatchPart.of(1, b))));

        assertThatThrownBy(() -> out.parts().get(0).rows(other)).isInstanceOf(LogFormatException.class)
                .hasMessageContaining(TOPIC + "-3@42").hasMessageContaining("BIGINT");
    }

    @Test
    void encode_loneSurrogate_isRefusedAsInvalidBatch() {
        ArchiveDefinition def = ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.VARCHAR)));
        SampleBatch b = SampleBatch.fromColumns(def, new String[] {"s\uD800"}, new long[] {1},
                new Object[][] {new Object[] {"x"}});

        assertThatThrownBy(() -> LogCodec.encode(new LogRecord.Batch("n1", Instant.EPOCH,
                List.of(BatchPart.of(1, b))))).isInstanceOf(TidemarkException.class)
                .hasMessageContaining("lone surrogate")
                .satisfies(x -> assertThat(((TidemarkException) x).code()).isEqualTo(ErrorCode.INVALID_BATCH));
    }

    @Test
    void encode_validatedBatch_isSmallerThanItsRowsAsText() {
        // Not a benchmark: a guard that the columnar form (dictionary, deltas) does what it is for.
        ArchiveDefinition def = ArchiveDefinition.raw("raw", List.of(Column.of("temp", ColumnType.DOUBLE),
                Column.of("ok", ColumnType.BOOLEAN)));
        List<io.tidemark.core.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            samples.add(io.tidemark.core.Sample.of("sensor-" + (i % 10), Instant.ofEpochSecond(1_700_000_000L + i / 10),
                    Map.of("temp", 20.0 + i % 7, "ok", i % 2 == 0)));
        }
        SampleBatch b = SampleBatch.validate(def, samples, io.tidemark.core.BatchLimits.DEFAULT);

        int bytes = LogCodec.encode(new LogRecord.Batch("n1", Instant.EPOCH, List.of(BatchPart.of(1, b))))
                .value().length;

        assertThat(bytes).isLessThan(1000 * 12);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
