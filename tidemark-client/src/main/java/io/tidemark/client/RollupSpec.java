package io.tidemark.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A rollup archive to create; build with {@link #builder(String, String, String)}. */
public final class RollupSpec {
    private final Map<String, Object> input;

    private RollupSpec(Map<String, Object> input) {
        this.input = input;
    }

    /**
     * @param bucket an ISO-8601 duration ({@code PT1M}) or a calendar unit ({@code DAY}, with {@link
     *     Builder#timeZone})
     */
    public static Builder builder(String name, String source, String bucket) {
        return new Builder(name, source, bucket);
    }

    Map<String, Object> input() {
        return input;
    }

    /** Builds a {@link RollupSpec}. */
    public static final class Builder {
        private final Map<String, Object> in = new LinkedHashMap<>();
        private final List<Map<String, Object>> aggregations = new ArrayList<>();

        private Builder(String name, String source, String bucket) {
            in.put("name", Objects.requireNonNull(name, "name"));
            in.put("source", Objects.requireNonNull(source, "source"));
            in.put("bucket", Objects.requireNonNull(bucket, "bucket"));
        }

        /** {@code function(column) AS as}; {@code column} null only for {@code COUNT(*)}. */
        public Builder aggregate(String function, String column, String as) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("function", function);
            a.put("column", column);
            a.put("as", as);
            aggregations.add(a);
            return this;
        }

        public Builder timeZone(String zone) {
            in.put("timeZone", zone);
            return this;
        }

        public Builder watermarkLag(Duration lag) {
            in.put("watermarkLag", lag.toString());
            return this;
        }

        public Builder maxFailures(int n) {
            in.put("maxFailures", n);
            return this;
        }

        public Builder startAt(Instant t) {
            in.put("startAt", t.toString());
            return this;
        }

        public RollupSpec build() {
            Map<String, Object> copy = new LinkedHashMap<>(in);
            copy.put("aggregations", List.copyOf(aggregations));
            return new RollupSpec(copy);
        }
    }
}
