package io.tidemark.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated rollup: its definition, its source's schema, and the stored partials a store computes. Built by
 * {@link #of(RollupDefinition, ArchiveDefinition)}, which enforces every rule that needs the source's schema.
 */
public record RollupPlan(RollupDefinition definition, ArchiveDefinition source, List<Partial> partials) {
    /** The suffix of the stored sum of an AVG. */
    public static final String SUM_SUFFIX = "__sum";
    /** The suffix of the stored count of an AVG. */
    public static final String COUNT_SUFFIX = "__count";
    /** The suffix of the timestamp stored beside a FIRST or LAST. */
    public static final String TS_SUFFIX = "__ts";
    /** The implicit timestamp column. */
    public static final String TIMESTAMP = "timestamp";

    public RollupPlan {
        partials = List.copyOf(partials);
    }

    /** The schema of the rollup archive itself: its stored columns. */
    public ArchiveDefinition target() {
        return new ArchiveDefinition(definition.name(), partials.stream().map(Partial::asColumn).toList(), definition);
    }

    /**
     * The values a reader sees for one stored row: each aggregation by its name, AVG computed from its stored sum
     * and count (null when the count is 0), FIRST / LAST without their timestamps.
     */
    public java.util.Map<String, Object> readValues(java.util.Map<String, Object> stored) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (Aggregation a : definition.aggregations()) {
            if (a.function() == AggregateFunction.AVG) {
                Object sum = stored.get(a.as() + SUM_SUFFIX);
                Object count = stored.get(a.as() + COUNT_SUFFIX);
                boolean none = sum == null || count == null || ((Number) count).longValue() == 0;
                out.put(a.as(), none ? null : ((Number) sum).doubleValue() / ((Number) count).longValue());
            } else {
                out.put(a.as(), stored.get(a.as()));
            }
        }
        return out;
    }

    /**
     * Validates {@code def} against its source and derives the stored partials.
     *
     * @throws TidemarkException UNKNOWN_SOURCE, UNKNOWN_COLUMN, INVALID_AGGREGATION or INVALID_BUCKET
     */
    public static RollupPlan of(RollupDefinition def, ArchiveDefinition source) {
        if (source == null || !source.name().equals(def.source())) {
            throw new TidemarkException(ErrorCode.UNKNOWN_SOURCE,
                    "rollup '" + def.name() + "': source archive '" + def.source() + "' does not exist");
        }
        List<Partial> out = new ArrayList<>();
        for (Aggregation a : def.aggregations()) {
            if (source.isRollup()) {
                out.addAll(fromRollup(def, source, a));
            } else {
                out.addAll(fromRaw(def, source, a));
            }
        }
        if (source.isRollup()) {
            requireAligned(def, source.rollup().bucket());
        }
        return new RollupPlan(def, source, out);
    }

    private static List<Partial> fromRaw(RollupDefinition def, ArchiveDefinition source, Aggregation a) {
        String as = a.as();
        if (a.column() == null) {
            return List.of(new Partial(as, ColumnType.BIGINT, Partial.Op.COUNT_ROWS, null, null));
        }
        ColumnType t = requireColumn(def, source, a).type();
        if (!a.function().accepts(t)) {
            throw new TidemarkException(ErrorCode.INVALID_AGGREGATION, "rollup '" + def.name() + "', aggregation '"
                    + as + "': " + a.function() + " is not defined for " + t + " column '" + a.column() + "'");
        }
        String c = a.column();
        return switch (a.function()) {
            case COUNT -> List.of(new Partial(as, ColumnType.BIGINT, Partial.Op.COUNT, c, null));
            case SUM -> List.of(new Partial(as, t, Partial.Op.SUM, c, null));
            case MIN -> List.of(new Partial(as, t, Partial.Op.MIN, c, null));
            case MAX -> List.of(new Partial(as, t, Partial.Op.MAX, c, null));
            case AVG -> List.of(new Partial(as + SUM_SUFFIX, ColumnType.DOUBLE, Partial.Op.SUM, c, null),
                    new Partial(as + COUNT_SUFFIX, ColumnType.BIGINT, Partial.Op.COUNT, c, null));
            case FIRST -> List.of(new Partial(as, t, Partial.Op.FIRST_VALUE, c, TIMESTAMP),
                    new Partial(as + TS_SUFFIX, ColumnType.TIMESTAMP, Partial.Op.FIRST_TIME, c, TIMESTAMP));
            case LAST -> List.of(new Partial(as, t, Partial.Op.LAST_VALUE, c, TIMESTAMP),
                    new Partial(as + TS_SUFFIX, ColumnType.TIMESTAMP, Partial.Op.LAST_TIME, c, TIMESTAMP));
        };
    }

    /** Re-aggregates the source's stored partials; never averages averages. */
    private static List<Partial> fromRollup(RollupDefinition def, ArchiveDefinition source, Aggregation a) {
        String as = a.as();
        if (a.column() == null) {
            throw new TidemarkException(ErrorCode.INVALID_AGGREGATION, "rollup '" + def.name() + "', aggregation '"
                    + as + "': COUNT(*) over rollup '" + source.name() + "' would count its rows, not samples; use "
                    + "SUM over a COUNT column of the source");
        }
        Aggregation src = source.rollup().aggregations().stream().filter(s -> s.as().equals(a.column()))
                .findFirst().orElseThrow(() -> new TidemarkException(ErrorCode.UNKNOWN_COLUMN, "rollup '"
                        + def.name() + "', aggregation '" + as + "': source rollup '" + source.name()
                        + "' has no aggregate '" + a.column() + "'; it has " + source.rollup().aggregations().stream()
                        .map(Aggregation::as).toList()));
        String c = src.as();
        AggregateFunction f = a.function();
        AggregateFunction g = src.function();
        ColumnType ct = g == AggregateFunction.AVG ? ColumnType.DOUBLE : source.requireColumn(c).type();
        if ((f == AggregateFunction.COUNT || f == AggregateFunction.SUM) && g == AggregateFunction.COUNT) {
            return List.of(new Partial(as, ColumnType.BIGINT, Partial.Op.SUM, c, null));
        }
        if ((f == AggregateFunction.COUNT) && g == AggregateFunction.AVG) {
            return List.of(new Partial(as, ColumnType.BIGINT, Partial.Op.SUM, c + COUNT_SUFFIX, null));
        }
        if (f == AggregateFunction.SUM && g == AggregateFunction.SUM) {
            return List.of(new Partial(as, ct, Partial.Op.SUM, c, null));
        }
        if (f == AggregateFunction.SUM && g == AggregateFunction.AVG) {
            return List.of(new Partial(as, ColumnType.DOUBLE, Partial.Op.SUM, c + SUM_SUFFIX, null));
        }
        if ((f == AggregateFunction.MIN || f == AggregateFunction.MAX) && g == f) {
            return List.of(new Partial(as, ct, f == AggregateFunction.MIN ? Partial.Op.MIN : Partial.Op.MAX, c, null));
        }
        if (f == AggregateFunction.AVG && g == AggregateFunction.AVG) {
            return List.of(new Partial(as + SUM_SUFFIX, ColumnType.DOUBLE, Partial.Op.SUM, c + SUM_SUFFIX, null),
                    new Partial(as + COUNT_SUFFIX, ColumnType.BIGINT, Partial.Op.SUM, c + COUNT_SUFFIX, null));
        }
        if (f == AggregateFunction.FIRST && g == f) {
            return List.of(new Partial(as, ct, Partial.Op.FIRST_VALUE, c, c + TS_SUFFIX),
                    new Partial(as + TS_SUFFIX, ColumnType.TIMESTAMP, Partial.Op.MIN, c + TS_SUFFIX, null));
        }
        if (f == AggregateFunction.LAST && g == f) {
            return List.of(new Partial(as, ct, Partial.Op.LAST_VALUE, c, c + TS_SUFFIX),
                    new Partial(as + TS_SUFFIX, ColumnType.TIMESTAMP, Partial.Op.MAX, c + TS_SUFFIX, null));
        }
        throw new TidemarkException(ErrorCode.INVALID_AGGREGATION, "rollup '" + def.name() + "', aggregation '" + as
                + "': " + f + " cannot re-aggregate '" + c + "', a " + g + " of rollup '" + source.name()
                + "'. Allowed: COUNT or SUM of a COUNT, COUNT or SUM of an AVG, SUM of a SUM, MIN of a MIN, "
                + "MAX of a MAX, AVG of an AVG, FIRST of a FIRST, LAST of a LAST");
    }

    private static Column requireColumn(RollupDefinition def, ArchiveDefinition source, Aggregation a) {
        return source.column(a.column()).orElseThrow(() -> new TidemarkException(ErrorCode.UNKNOWN_COLUMN,
                "rollup '" + def.name() + "', aggregation '" + a.as() + "': source archive '" + source.name()
                        + "' has no column '" + a.column() + "'; its columns are "
                        + source.columns().stream().map(Column::name).toList()));
    }

    /**
     * A rollup of a rollup is exact only when each of its buckets is a union of whole source buckets.
     */
    static void requireAligned(RollupDefinition def, Bucket source) {
        Bucket target = def.bucket();
        boolean ok;
        if (source instanceof FixedBucket s && target instanceof FixedBucket t) {
            ok = t.width().getSeconds() % s.width().getSeconds() == 0;
        } else if (source instanceof FixedBucket s && target instanceof CalendarBucket t) {
            ok = offsetsAligned(t.zone().getRules(), s.width().getSeconds());
        } else if (source instanceof CalendarBucket s && target instanceof CalendarBucket t) {
            ok = s.zone().equals(t.zone()) && calendarNests(s.unit(), t.unit());
        } else {
            ok = false;
        }
        if (!ok) {
            throw new TidemarkException(ErrorCode.INVALID_BUCKET, "rollup '" + def.name() + "': bucket "
                    + target.spec() + " does not split into whole " + source.spec() + " buckets of source rollup '"
                    + def.source() + "'; choose a bucket that is a union of the source's buckets");
        }
    }

    private static boolean calendarNests(CalendarUnit fine, CalendarUnit coarse) {
        if (fine == coarse || fine == CalendarUnit.DAY) {
            return true;
        }
        return fine == CalendarUnit.MONTH && (coarse == CalendarUnit.QUARTER || coarse == CalendarUnit.YEAR)
                || fine == CalendarUnit.QUARTER && coarse == CalendarUnit.YEAR;
    }

    /** Every local midnight is a source boundary iff a day and every offset the zone uses are whole widths. */
    private static boolean offsetsAligned(ZoneRules rules, long widthSeconds) {
        if (86_400 % widthSeconds != 0) {
            return false;
        }
        List<ZoneOffset> offsets = new ArrayList<>();
        offsets.add(rules.getOffset(Instant.EPOCH));
        for (ZoneOffsetTransition tr : rules.getTransitions()) {
            if (tr.getInstant().isAfter(Instant.EPOCH)) {
                offsets.add(tr.getOffsetAfter());
            }
        }
        rules.getTransitionRules().forEach(r -> offsets.add(r.getOffsetAfter()));
        return offsets.stream().allMatch(o -> o.getTotalSeconds() % widthSeconds == 0);
    }
}
