package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchiveInfoTest {
    private static final TenantId T = TenantId.of("acme");
    private static final ArchiveDefinition RAW = ArchiveDefinition.raw("sensors",
            List.of(new Column("temp", ColumnType.DOUBLE)));

    @Test
    void requireWritable_activatedRawArchive_returnsIt() {
        ArchiveInfo a = new ArchiveInfo(T, RAW, ArchiveStatus.ACTIVATED);
        assertThat(a.requireWritable()).isSameAs(a);
    }

    @Test
    void requireWritable_notActivated_invalidStateSayingActivateItFirst() {
        assertThatThrownBy(() -> new ArchiveInfo(T, RAW, ArchiveStatus.DISABLED).requireWritable())
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE);
                    assertThat(e.getMessage()).isEqualTo("archive 'sensors' is DISABLED; only an ACTIVATED archive "
                            + "accepts samples (activate it first)");
                });
    }

    @Test
    void requireWritable_rollupArchive_invalidStateEvenWhenActivated() {
        RollupDefinition rollup = RollupDefinition.builder("sensors_1m").source("sensors").bucket("PT1M")
                .aggregate(AggregateFunction.COUNT, null, "n").build();
        ArchiveDefinition def = new ArchiveDefinition("sensors_1m", List.of(new Column("n", ColumnType.BIGINT)),
                rollup);
        assertThatThrownBy(() -> new ArchiveInfo(T, def, ArchiveStatus.ACTIVATED).requireWritable())
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE);
                    assertThat(e.getMessage()).isEqualTo("archive 'sensors_1m' is a rollup archive; only the "
                            + "orchestrator writes its rows");
                });
    }
}
