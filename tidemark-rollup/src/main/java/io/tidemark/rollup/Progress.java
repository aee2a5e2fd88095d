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
    /** Late data: stale buckets re-aggregated, their rows, statements and time, and the spans recomputed. */
    int staleBuckets;
    long staleRows;
    int staleStatements;
    long staleNanos;
    final java.util.List<String> staleSpans = new java.util.ArrayList<>();

    void committed(Instant bucketsFrom, Instant bucketsTo, int bucketCount, long rowCount) {
        if (from == null) {
            from = bucketsFrom;
        }
        to = bucketsTo;
        buckets += bucketCount;
        rows += rowCount;
    }

    void recomputed(Instant bucketsFrom, Instant bucketsTo, int bucketCount, long rowCount, long nanos) {
        staleBuckets += bucketCount;
        staleRows += rowCount;
        staleStatements++;
        staleNanos += nanos;
        String last = staleSpans.isEmpty() ? null : staleSpans.get(staleSpans.size() - 1);
        String span = "[" + bucketsFrom + ", " + bucketsTo + ")";
        if (last != null && last.endsWith(", " + bucketsFrom + ")")) {
            staleSpans.set(staleSpans.size() - 1, last.substring(0, last.indexOf(',')) + ", " + bucketsTo + ")");
        } else {
            staleSpans.add(span);
        }
    }

    void statement(long nanos) {
        statements++;
        statementNanos += nanos;
    }
}
