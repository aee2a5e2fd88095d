package io.tidemark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link SampleBatch#fromColumns}: a batch that travelled in columns (cluster mode's log), and value equality. */
class SampleBatchFromColumnsTest {
    private static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw",
            List.of(Column.of("v", ColumnType.DOUBLE), Column.of("s", ColumnType.VARCHAR)));

    @Test
    void fromColumns_columnsOfAValidatedBatch_equalsIt() {
        SampleBatch v = SampleBatch.validate(RAW, List.of(Sample.of("a", Instant.ofEpochSecond(1), Map.of("v", 1.5)),
                Sample.of("b", Instant.ofEpochSecond(2), Map.of("s", "x"))), BatchLimits.DEFAULT);

        SampleBatch c = SampleBatch.fromColumns(RAW, new String[] {"a", "b"}, new long[] {1_000_000, 2_000_000},
                new Object[][] {{1.5, null}, {null, "x"}});

        assertThat(c).isEqualTo(v).hasSameHashCodeAs(v);
        assertThat(SampleBatch.fromColumns(RAW, new String[] {"a"}, new long[] {1}, new Object[][] {{1.5}, {null}}))
                .isNotEqualTo(SampleBatch.fromColumns(RAW, new String[] {"a"}, new long[] {1},
                        new Object[][] {{-1.5}, {null}}));
    }

    @Test
    void fromColumns_valueOfAnotherType_isRefusedNamingTheColumn() {
        assertThatThrownBy(() -> SampleBatch.fromColumns(RAW, new String[] {"a"}, new long[] {1},
                new Object[][] {{1L}, {null}})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column 'v' of type DOUBLE holds a Long");
    }

    @Test
    void fromColumns_repeatedKeyOrWrongShape_isRefused() {
        assertThatThrownBy(() -> SampleBatch.fromColumns(RAW, new String[] {"a", "a"}, new long[] {1, 1},
                new Object[][] {{1.0, 2.0}, {null, null}})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repeats");
        assertThatThrownBy(() -> SampleBatch.fromColumns(RAW, new String[] {"a"}, new long[] {1},
                new Object[][] {{1.0}})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 columns for 2 declared columns");
    }
}
