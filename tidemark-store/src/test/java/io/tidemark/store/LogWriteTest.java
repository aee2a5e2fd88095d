package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogWriteTest {
    private static final TenantId T = TenantId.of("acme");
    private static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");
    private static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw", List.of(Column.of("v",
            ColumnType.DOUBLE)));

    private static LogBatch batch(long offset) {
        return new LogBatch(offset, SampleBatch.validate(RAW, List.of(new Sample("a", T0, Map.of("v", 1.0))),
                BatchLimits.DEFAULT), 1, T0);
    }

    private static LogRejection rejection(long offset) {
        return new LogRejection(offset, "raw", LogRejectReason.UNREADABLE, 0, null, null, "unreadable");
    }

    @Test
    void new_batchesInOrderInsideTheRange_accepted() {
        LogWrite w = new LogWrite(T, 0, 5, 9, List.of(batch(5), batch(8)), List.of(rejection(6)));

        assertThat(w.batches()).hasSize(2);
        assertThat(w.rejections()).hasSize(1);
    }

    @Test
    void new_offsetsNotMovingForward_refused() {
        assertThatThrownBy(() -> LogWrite.of(T, 0, 5, 5, List.of())).hasMessageContaining("move forward");
    }

    @Test
    void new_recordOutsideTheRange_refused() {
        assertThatThrownBy(() -> LogWrite.of(T, 0, 5, 9, List.of(batch(9)))).hasMessageContaining("outside [5, 9)");
        assertThatThrownBy(() -> new LogWrite(T, 0, 5, 9, List.of(), List.of(rejection(4))))
                .hasMessageContaining("outside [5, 9)");
    }

    @Test
    void new_batchesOutOfLogOrder_refused() {
        assertThatThrownBy(() -> LogWrite.of(T, 0, 0, 9, List.of(batch(3), batch(2))))
                .hasMessageContaining("log order");
    }

    @Test
    void new_partsOfOneRecord_shareTheOffset() {
        LogWrite w = LogWrite.of(T, 0, 0, 9, List.of(batch(3), batch(3), batch(5)));

        assertThat(w.batches()).extracting(LogBatch::offset).containsExactly(3L, 3L, 5L);
    }

    @Test
    void new_rejectionAtABatchsOffset_refused() {
        assertThatThrownBy(() -> new LogWrite(T, 0, 0, 9, List.of(batch(3)), List.of(rejection(3))))
                .hasMessageContaining("given twice");
    }

    @Test
    void ownedBy_startOrOwnPartition_true() {
        assertThat(LogPosition.START.ownedBy(4)).isTrue();
        assertThat(new LogPosition(4, 10).ownedBy(4)).isTrue();
        assertThat(new LogPosition(3, 10).ownedBy(4)).isFalse();
    }
}
