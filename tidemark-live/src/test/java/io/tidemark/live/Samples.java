package io.tidemark.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test archives and batches. */
public final class Samples {
    public static final ArchiveDefinition M = ArchiveDefinition.raw("m", List.of(Column.of("a", ColumnType.DOUBLE),
            Column.of("b", ColumnType.BIGINT), Column.of("s", ColumnType.VARCHAR), Column.of("f", ColumnType.BOOLEAN)));
    public static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    private final List<Sample> samples = new ArrayList<>();

    public static Samples batch() {
        return new Samples();
    }

    /** A sample of {@link #M}: values a, b, s, f (any may be null). */
    public Samples add(String rtId, Instant t, Double a, Long b, String s, Boolean f) {
        Map<String, Object> v = new HashMap<>();
        v.put("a", a);
        v.put("b", b);
        v.put("s", s);
        v.put("f", f);
        samples.add(Sample.of(rtId, t, v));
        return this;
    }

    Samples add(String rtId, Instant t, double a, long b) {
        return add(rtId, t, a, b, null, null);
    }

    public SampleBatch build() {
        return SampleBatch.validate(M, samples, BatchLimits.DEFAULT);
    }
}
