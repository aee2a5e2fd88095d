package io.tidemark.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a rollup archive holds: aggregates of {@link #source()} per {@link #bucket()} and rtId. Immutable; build
 * with {@link #builder(String)}.
 *
 * @param watermarkLag how far behind now a bucket must end before it is due (default {@code PT5M})
 * @param maxFailures consecutive failures after which the rollup becomes {@code FAILED} (default 5)
 * @param startAt the first bucket to aggregate, or null for the bucket holding the oldest source row
 */
public record RollupDefinition(String name, String source, Bucket bucket, List<Aggregation> aggregations,
        Duration watermarkLag, int maxFailures, Instant startAt) {

    public static final Duration DEFAULT_WATERMARK_LAG = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_FAILURES = 5;

    public RollupDefinition {
        Names.require("archive", name);
        if (source == null) {
            throw new TidemarkException(ErrorCode.UNKNOWN_SOURCE, "rollup '" + name + "' needs a source archive");
        }
        Names.require("source archive", source);
        if (source.equals(name)) {
            throw new TidemarkException(ErrorCode.ROLLUP_CYCLE, "rollup '" + name + "' cannot read from itself");
        }
        if (bucket == null) {
            throw new TidemarkException(ErrorCode.INVALID_BUCKET, "rollup '" + name + "' needs a bucket: an ISO-8601 "
                    + "duration from PT1S to P7D, or one of DAY, ISO_WEEK, MONTH, QUARTER, YEAR with a time zone");
        }
        aggregations = List.copyOf(aggregations);
        if (aggregations.isEmpty()) {
            throw new TidemarkException(ErrorCode.INVALID_AGGREGATION,
                    "rollup '" + name + "' needs at least one aggregation");
        }
        Set<String> targets = new HashSet<>();
        for (Aggregation a : aggregations) {
            if (!targets.add(a.as())) {
                throw new TidemarkException(ErrorCode.DUPLICATE_COLUMN,
                        "rollup '" + name + "' has two aggregations named '" + a.as() + "'");
            }
        }
        if (watermarkLag == null || watermarkLag.isNegative()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "rollup '" + name + "': watermarkLag must be zero or positive, got " + watermarkLag);
        }
        if (maxFailures < 1) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "rollup '" + name + "': maxFailures must be at least 1, got " + maxFailures);
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builder for {@link RollupDefinition}; defaults as documented there. */
    public static final class Builder {
        private final String name;
        private String source;
        private Bucket bucket;
        private final List<Aggregation> aggregations = new ArrayList<>();
        private Duration watermarkLag = DEFAULT_WATERMARK_LAG;
        private int maxFailures = DEFAULT_MAX_FAILURES;
        private Instant startAt;

        private Builder(String name) {
            this.name = name;
        }

        public Builder source(String source) {
            this.source = source;
            return this;
        }

        public Builder bucket(Bucket bucket) {
            this.bucket = bucket;
            return this;
        }

        public Builder bucket(String spec) {
            this.bucket = Bucket.parse(spec);
            return this;
        }

        public Builder aggregate(AggregateFunction function, String column, String as) {
            aggregations.add(Aggregation.of(function, column, as));
            return this;
        }

        public Builder aggregations(List<Aggregation> list) {
            aggregations.addAll(list);
            return this;
        }

        public Builder watermarkLag(Duration lag) {
            this.watermarkLag = lag;
            return this;
        }

        public Builder maxFailures(int n) {
            this.maxFailures = n;
            return this;
        }

        public Builder startAt(Instant t) {
            this.startAt = t;
            return this;
        }

        public RollupDefinition build() {
            return new RollupDefinition(name, source, bucket, aggregations, watermarkLag, maxFailures, startAt);
        }
    }
}
