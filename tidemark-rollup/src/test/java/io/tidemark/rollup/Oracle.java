package io.tidemark.rollup;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.Bucket;
import io.tidemark.core.CalendarBucket;
import io.tidemark.core.FixedBucket;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The independent in-Java GROUP BY the rollups are checked against: it keeps the last write per (timestamp, rtId)
 * of the raw archive, and computes any rollup, however deep its chain, straight from those samples with its own
 * bucket arithmetic, never from another rollup.
 */
final class Oracle {
    private final Map<Key, Sample> samples = new HashMap<>();
    private final Map<String, RollupDefinition> rollups = new HashMap<>();
    private final String raw;

    record Key(Instant timestamp, String rtId) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = timestamp.compareTo(o.timestamp);
            return c != 0 ? c : rtId.compareTo(o.rtId);
        }
    }

    /** What an aggregation means in terms of the raw archive: a function over a raw column. */
    private record Meaning(AggregateFunction function, String column) {}

    Oracle(String raw) {
        this.raw = raw;
    }

    void rollup(RollupDefinition def) {
        rollups.put(def.name(), def);
    }

    /** Applies a written batch: within and across batches, the last write of a key wins. */
    void write(List<Sample> batch) {
        batch.forEach(s -> samples.put(new Key(s.timestamp(), s.rtId()), s));
    }

    /** The samples as stored now: the last write per key. */
    List<Sample> samples() {
        return new ArrayList<>(samples.values());
    }

    /** Every row the rollup should hold, keyed by (bucket start, rtId), values by stored column. */
    Map<Key, Map<String, Object>> expected(String rollup) {
        RollupDefinition def = rollups.get(rollup);
        Instant first = def.startAt() == null ? null : floor(def.bucket(), def.startAt());
        Map<Key, List<Sample>> groups = new TreeMap<>();
        for (Sample s : samples.values()) {
            Key k = new Key(floor(def.bucket(), s.timestamp()), s.rtId());
            if (first == null || !k.timestamp().isBefore(first)) {
                groups.computeIfAbsent(k, x -> new ArrayList<>()).add(s);
            }
        }
        Map<Key, Map<String, Object>> out = new TreeMap<>();
        groups.forEach((k, rows) -> out.put(k, row(def, rows)));
        return out;
    }

    private Map<String, Object> row(RollupDefinition def, List<Sample> rows) {
        rows.sort(Comparator.comparing(Sample::timestamp));
        Map<String, Object> out = new LinkedHashMap<>();
        for (Aggregation a : def.aggregations()) {
            Meaning m = meaning(def, a);
            List<Sample> present = m.column() == null ? rows
                    : rows.stream().filter(s -> s.values().get(m.column()) != null).toList();
            put(out, a.as(), m, present);
        }
        return out;
    }

    private static void put(Map<String, Object> out, String as, Meaning m, List<Sample> present) {
        switch (m.function()) {
            case COUNT -> out.put(as, (long) present.size());
            case SUM -> out.put(as, sum(present, m.column()));
            case MIN -> out.put(as, present.stream().map(s -> value(s, m.column())).min(Double::compare).orElse(null));
            case MAX -> out.put(as, present.stream().map(s -> value(s, m.column())).max(Double::compare).orElse(null));
            case AVG -> {
                out.put(as + RollupPlan.SUM_SUFFIX, sum(present, m.column()));
                out.put(as + RollupPlan.COUNT_SUFFIX, (long) present.size());
            }
            case FIRST -> {
                Sample s = present.isEmpty() ? null : present.get(0);
                out.put(as, s == null ? null : value(s, m.column()));
                out.put(as + RollupPlan.TS_SUFFIX, s == null ? null : s.timestamp());
            }
            case LAST -> {
                Sample s = present.isEmpty() ? null : present.get(present.size() - 1);
                out.put(as, s == null ? null : value(s, m.column()));
                out.put(as + RollupPlan.TS_SUFFIX, s == null ? null : s.timestamp());
            }
        }
    }

    private static Double sum(List<Sample> present, String column) {
        if (present.isEmpty()) {
            return null;
        }
        return present.stream().mapToDouble(s -> value(s, column)).sum();
    }

    private static Double value(Sample s, String column) {
        return ((Number) s.values().get(column)).doubleValue();
    }

    /** Follows a rollup-of-rollup aggregation down to the raw function it computes. */
    private Meaning meaning(RollupDefinition def, Aggregation a) {
        if (def.source().equals(raw)) {
            return new Meaning(a.function(), a.column());
        }
        RollupDefinition source = rollups.get(def.source());
        Aggregation from = source.aggregations().stream().filter(s -> s.as().equals(a.column())).findFirst()
                .orElseThrow();
        Meaning m = meaning(source, from);
        if (from.function() == AggregateFunction.AVG && a.function() == AggregateFunction.COUNT) {
            return new Meaning(AggregateFunction.COUNT, m.column());
        }
        if (from.function() == AggregateFunction.AVG && a.function() == AggregateFunction.SUM) {
            return new Meaning(AggregateFunction.SUM, m.column());
        }
        return m; // COUNT or SUM of a COUNT, and every function of itself, keep the raw meaning
    }

    /** Bucket starts computed here with java.time, independently of {@link Bucket#floor}. */
    static Instant floor(Bucket bucket, Instant t) {
        if (bucket instanceof FixedBucket f) {
            long w = f.width().getSeconds();
            return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), w) * w);
        }
        CalendarBucket c = (CalendarBucket) bucket;
        LocalDate d = t.atZone(c.zone()).toLocalDate();
        LocalDate start = switch (c.unit()) {
            case DAY -> d;
            case ISO_WEEK -> d.with(ChronoField.DAY_OF_WEEK, 1);
            case MONTH -> d.withDayOfMonth(1);
            case QUARTER -> d.withDayOfMonth(1).withMonth((d.getMonthValue() - 1) / 3 * 3 + 1);
            case YEAR -> d.withDayOfYear(1);
        };
        return start.atStartOfDay(c.zone()).toInstant();
    }
}
