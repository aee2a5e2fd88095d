package io.tidemark.core;

import static io.tidemark.core.SampleBatchTest.LIMITS;
import static io.tidemark.core.SampleBatchTest.PLANT;
import static io.tidemark.core.SampleBatchTest.T0;
import static io.tidemark.core.SampleBatchTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleBatchBuilderTest {

    /** Feeds the samples to a builder the way a reader would: fields in the order given, timestamps as micros. */
    private static SampleBatch viaBuilder(List<Sample> samples) {
        SampleBatch.Builder b = SampleBatch.builder(PLANT, LIMITS);
        for (Sample s : samples) {
            b.row();
            if (s.timestamp() != null) {
                b.micros(Micros.toMicros(s.timestamp()));
            }
            for (Map.Entry<String, Object> e : s.values().entrySet()) {
                int c = b.columnIndex(e.getKey());
                if (c < 0) {
                    b.unknown(e.getKey());
                } else if (e.getValue() instanceof Double d) {
                    b.setDouble(c, d);
                } else {
                    b.set(c, e.getValue());
                }
            }
            b.rtId(s.rtId());
        }
        return b.build();
    }

    private static BatchRejectedException rejectedBy(Runnable r) {
        BatchRejectedException e = catchThrowableOfType(BatchRejectedException.class, r::run);
        assertThat(e).as("batch should be rejected").isNotNull();
        return e;
    }

    @Test
    void builder_severalBadRows_sameErrorsAsValidate() {
        List<Sample> samples = new ArrayList<>();
        samples.add(sample("ok", T0, "d", 1.0));
        samples.add(sample("", T0, "d", "x", "zz", 1, "aa", 2));
        samples.add(sample("ok", T0.plusSeconds(1), "d", 2.0, "n", 1.5, "b", "yes"));
        samples.add(sample("toolongrtid", Instant.parse("1999-01-01T00:00:00Z"), "s", "more than ten"));
        samples.add(sample("ok", null, "d", Double.NaN));
        samples.add(sample("ok", T0.plusSeconds(2)));
        samples.add(sample(null, Instant.parse("2100-01-01T00:00:00Z"), "n", 3L, "s", 4));
        for (int i = 0; i < 5; i++) {
            samples.add(sample("more" + i, T0, "b", 1));
        }
        BatchRejectedException viaValidate = rejectedBy(() -> SampleBatch.validate(PLANT, samples, LIMITS));
        BatchRejectedException viaBuilder = rejectedBy(() -> viaBuilder(samples));
        assertThat(viaBuilder.errors()).hasSize(10).containsExactlyElementsOf(viaValidate.errors());
        assertThat(viaBuilder.getMessage()).isEqualTo(viaValidate.getMessage());
        assertThat(viaBuilder.errors()).extracting(BatchRejectedException.RowError::row)
                .containsExactly(2, 2, 2, 2, 3, 3, 4, 4, 4, 5);
    }

    @Test
    void builder_goodBatchWithDuplicates_sameBatchAsValidate() {
        List<Sample> samples = List.of(sample("a", T0, "d", 1.0, "n", 2L), sample("b", T0, "s", "x"),
                sample("a", T0, "d", 3.0, "b", true));
        SampleBatch v = SampleBatch.validate(PLANT, samples, LIMITS);
        SampleBatch b = viaBuilder(samples);
        assertThat(b.size()).isEqualTo(v.size()).isEqualTo(2);
        for (int r = 0; r < v.size(); r++) {
            assertThat(b.rtId(r)).isEqualTo(v.rtId(r));
            assertThat(b.micros(r)).isEqualTo(v.micros(r));
            for (int c = 0; c < PLANT.columns().size(); c++) {
                assertThat(b.value(r, c)).isEqualTo(v.value(r, c));
            }
        }
    }

    @Test
    void builder_valueGivenTwice_keepsTheLastAndOnlyItsError() {
        SampleBatch.Builder b = SampleBatch.builder(PLANT, LIMITS);
        b.row("a", Micros.toMicros(T0)).set(0, "bad").setDouble(0, 2.5);
        assertThat(b.build().value(0, 0)).isEqualTo(2.5);
    }

    @Test
    void builder_tooManyRows_sameErrorAsValidate() {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i <= LIMITS.maxRows(); i++) {
            samples.add(sample("r" + i, T0));
        }
        assertThat(rejectedBy(() -> viaBuilder(samples)).errors())
                .isEqualTo(rejectedBy(() -> SampleBatch.validate(PLANT, samples, LIMITS)).errors());
    }
}
