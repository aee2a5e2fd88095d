package io.tidemark.rollup;

import java.time.Instant;

/**
 * What one rollup committed in one run. Mutable and confined to the thread of the run; kept outside the loop so
 * the work committed before a failure is still reported.
 */
final class Progress {
    int buckets;
    long rows;
    int statements;
    long statementNanos;
    Instant from;
    Instant to;

    void committed(Instant bucketsFrom, Instant bucketsTo, int bucketCount, long rowCount) {
        if (from == null) {
            from = bucketsFrom;
        }
        to = bucketsTo;
        buckets += bucketCount;
        rows += rowCount;
    }

    void statement(long nanos) {
        statements++;
        statementNanos += nanos;
    }
}
