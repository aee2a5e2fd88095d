package io.tidemark.store;

import io.tidemark.core.TenantId;
import java.util.List;
import java.util.Objects;

/**
 * One tenant's records of one poll, for {@link LogWriterStore#write}: move the tenant's position from
 * {@code (partition, expectedOffset)} to {@code (partition, endOffset)}, write {@code batches} and record
 * {@code rejections}, in one transaction.
 *
 * @param partition the log partition the records come from ({@code >= 0})
 * @param expectedOffset the tenant's {@link LogPosition#nextOffset()} as the writer last read it
 * @param endOffset the offset after the last of these records; greater than {@code expectedOffset}
 * @param batches the {@code BATCH} records in log order, each in {@code [expectedOffset, endOffset)}; the parts of
 *     one record (several archives of one request) are consecutive batches with the same offset, written or refused
 *     together
 * @param rejections records the writer refuses itself (e.g. one it cannot read), each in the same range and at an
 *     offset no batch has; the store adds those it refuses
 */
public record LogWrite(TenantId tenant, int partition, long expectedOffset, long endOffset, List<LogBatch> batches,
        List<LogRejection> rejections) {
    public LogWrite {
        Objects.requireNonNull(tenant, "tenant");
        batches = List.copyOf(batches);
        rejections = List.copyOf(rejections);
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
        if (expectedOffset < 0 || endOffset <= expectedOffset) {
            throw new IllegalArgumentException("the offsets must move forward from >= 0, got [" + expectedOffset
                    + ", " + endOffset + ")");
        }
        long previous = -1;
        for (LogBatch b : batches) {
            requireInRange(b.offset(), expectedOffset, endOffset);
            if (b.offset() < previous) {
                throw new IllegalArgumentException("batches must be in log order, got offset " + b.offset()
                        + " after " + previous);
            }
            previous = b.offset();
        }
        java.util.Set<Long> offsets = new java.util.HashSet<>();
        batches.forEach(b -> offsets.add(b.offset()));
        for (LogRejection r : rejections) {
            requireInRange(r.offset(), expectedOffset, endOffset);
            if (!offsets.add(r.offset())) {
                throw new IllegalArgumentException("record offset " + r.offset() + " given twice (a record is "
                        + "either a batch to write or a rejection, once)");
            }
        }
    }

    /** Records of a poll without records the writer refuses itself. */
    public static LogWrite of(TenantId tenant, int partition, long expectedOffset, long endOffset,
            List<LogBatch> batches) {
        return new LogWrite(tenant, partition, expectedOffset, endOffset, batches, List.of());
    }

    private static void requireInRange(long offset, long from, long to) {
        if (offset < from || offset >= to) {
            throw new IllegalArgumentException("record offset " + offset + " outside [" + from + ", " + to + ")");
        }
    }
}
