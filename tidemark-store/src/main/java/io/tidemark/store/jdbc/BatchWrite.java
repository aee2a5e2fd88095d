package io.tidemark.store.jdbc;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;

/**
 * One validated batch for {@link Engine#writeBatch}, with where its late part begins.
 *
 * @param lateBefore the greatest protected watermark (epoch microseconds): samples before it are late;
 *     {@code Long.MIN_VALUE} when nothing can be late
 * @param compare false on the first attempt, where an engine that cannot recover inside a transaction may write
 *     without looking and throw {@link KeyAlreadyStored} if a key is already stored; true on the retry, where the
 *     engine must look first: upsert the on-time part where stored rows lie in its range, and compare the late part
 *     with the stored rows
 */
public record BatchWrite(TenantId tenant, ArchiveDefinition archive, SampleBatch batch, long lateBefore,
        boolean compare) {

    /** How the batch splits at {@link #lateBefore}: counts and closed time ranges of both parts. */
    public Split split() {
        int late = 0;
        long lateMin = Long.MAX_VALUE;
        long lateMax = Long.MIN_VALUE;
        long onTimeMin = Long.MAX_VALUE;
        long onTimeMax = Long.MIN_VALUE;
        for (int i = 0; i < batch.size(); i++) {
            long t = batch.micros(i);
            if (t < lateBefore) {
                late++;
                lateMin = Math.min(lateMin, t);
                lateMax = Math.max(lateMax, t);
            } else {
                onTimeMin = Math.min(onTimeMin, t);
                onTimeMax = Math.max(onTimeMax, t);
            }
        }
        return new Split(late, batch.size() - late, lateMin, lateMax, onTimeMin, onTimeMax);
    }

    /** Both parts of a batch; a part's min and max are meaningless when it is empty. */
    public record Split(int late, int onTime, long lateMin, long lateMax, long onTimeMin, long onTimeMax) {}
}
