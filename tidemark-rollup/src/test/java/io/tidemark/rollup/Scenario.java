package io.tidemark.rollup;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.Bucket;
import io.tidemark.core.CalendarBucket;
import io.tidemark.core.CalendarUnit;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.FixedBucket;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.Sample;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A random raw archive, its writes (with re-sent keys) and a random tree of rollups, reproducible from a seed.
 *
 * <p>The tree is a chain {@code raw → fine → [mid] → day → [coarse]} of aligned buckets (fixed widths that divide
 * the zone's offsets, then {@code DAY}, then {@code ISO_WEEK} or {@code MONTH}), a direct {@code raw → direct_day}
 * with the same raw aggregations as {@code fine}, to compare with the chain's day, and an {@code extra} rollup over raw with any bucket and sometimes a
 * {@code startAt}. The samples span a few days around a DST transition, a leap day or a year end. Consecutive seeds
 * take the zones in turn.
 */
final class Scenario {
    static final String DAY = "day";
    static final String DIRECT_DAY = "direct_day";
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Vienna"),
            ZoneId.of("America/New_York"), ZoneId.of("Asia/Kolkata"));
    /** Per zone (same order): its DST days first, then a leap day and a year end; seeds take them in turn. */
    private static final List<List<LocalDate>> ANCHORS = List.of(
            List.of(LocalDate.of(2024, 2, 29), LocalDate.of(2024, 12, 31), LocalDate.of(2024, 3, 31)),
            List.of(LocalDate.of(2024, 3, 31), LocalDate.of(2024, 10, 27), LocalDate.of(2024, 2, 29),
                    LocalDate.of(2024, 12, 31)),
            List.of(LocalDate.of(2024, 3, 10), LocalDate.of(2024, 11, 3), LocalDate.of(2024, 2, 29),
                    LocalDate.of(2024, 12, 31)),
            List.of(LocalDate.of(2024, 12, 31), LocalDate.of(2024, 2, 29), LocalDate.of(2024, 10, 27)));
    private static final List<Duration> WIDTHS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1));
    private static final List<Duration> LAGS = List.of(Duration.ZERO, Duration.ofMinutes(5), Duration.ofHours(1));
    private static final AggregateFunction[] FUNCTIONS = {AggregateFunction.COUNT, AggregateFunction.SUM,
            AggregateFunction.MIN, AggregateFunction.MAX, AggregateFunction.AVG, AggregateFunction.FIRST,
            AggregateFunction.LAST};

    final long seed;
    final ZoneId zone;
    final List<Column> columns = new ArrayList<>();
    /** In creation order: every source before its rollups. */
    final List<RollupDefinition> rollups = new ArrayList<>();
    final List<List<Sample>> batches = new ArrayList<>();
    private final Random rnd;
    private final Instant start;
    private final Duration span;

    private Scenario(long seed) {
        this.seed = seed;
        // java.util.Random's first outputs for small consecutive seeds are alike: scramble the seed
        this.rnd = new Random(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        int z = (int) Math.floorMod(seed, (long) ZONES.size());
        this.zone = ZONES.get(z);
        List<LocalDate> anchors = ANCHORS.get(z);
        LocalDate anchor = anchors.get((int) Math.floorMod(seed / ZONES.size(), (long) anchors.size()));
        // the anchor day lies inside the span: start up to 36 h before it, last at least 48 h
        this.start = anchor.atStartOfDay(zone).toInstant().minusSeconds(rnd.nextInt(36 * 3600));
        this.span = Duration.ofHours(48 + rnd.nextInt(64));
    }

    static Scenario random(long seed) {
        Scenario s = new Scenario(seed);
        s.columns();
        s.rollups();
        s.samples();
        return s;
    }

    /** No sample is earlier. */
    Instant dataStart() {
        return start;
    }

    /** No sample is this late. */
    Instant dataEnd() {
        return start.plus(span);
    }

    /** Where every due bucket of every rollup is complete: well past the data, past a month end. */
    Instant farFuture() {
        return start.plus(span).plus(Duration.ofDays(70));
    }

    void install(Fixture f) {
        f.raw(columns);
        rollups.forEach(f::rollup);
        batches.forEach(f::write);
    }

    @Override
    public String toString() {
        return "seed " + seed + " (" + zone + ", from " + start + " for " + span + ", rollups "
                + rollups.stream().map(r -> r.name() + "<-" + r.source() + "@" + r.bucket().spec()).toList() + "): ";
    }

    private void columns() {
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            columns.add(Column.of("c" + i, rnd.nextBoolean() ? ColumnType.DOUBLE : ColumnType.BIGINT));
        }
    }

    private void rollups() {
        List<Duration> widths = zone.getId().equals("Asia/Kolkata") ? WIDTHS.subList(0, 4) : WIDTHS;
        TreeSet<Duration> fixed = new TreeSet<>();
        int levels = 1 + rnd.nextInt(2);
        while (fixed.size() < levels) {
            fixed.add(widths.get(rnd.nextInt(widths.size())));
        }
        List<Aggregation> rawAggregations = rawAggregations();
        RollupDefinition fine = define("fine", Fixture.RAW, new FixedBucket(fixed.first()), rawAggregations);
        RollupDefinition below = fine;
        if (levels == 2) {
            below = define("mid", fine.name(), new FixedBucket(fixed.last()), derived(fine));
        }
        RollupDefinition day = define(DAY, below.name(), new CalendarBucket(CalendarUnit.DAY, zone), derived(below));
        if (rnd.nextInt(10) < 7) {
            RollupDefinition source = rnd.nextBoolean() ? day : below;
            CalendarUnit unit = rnd.nextBoolean() ? CalendarUnit.ISO_WEEK : CalendarUnit.MONTH;
            define("coarse", source.name(), new CalendarBucket(unit, zone), derived(source));
        }
        define(DIRECT_DAY, Fixture.RAW, new CalendarBucket(CalendarUnit.DAY, zone), rawAggregations);
        List<Bucket> any = List.of(Bucket.parse("PT1M"), Bucket.parse("PT1H"), Bucket.parse("PT2H"),
                Bucket.parse("PT6H"), Bucket.parse("P1D"), new CalendarBucket(CalendarUnit.ISO_WEEK, zone),
                new CalendarBucket(CalendarUnit.MONTH, zone));
        Instant startAt = rnd.nextInt(10) < 3 ? start.plus(span.dividedBy(2)) : null;
        RollupDefinition extra = RollupDefinition.builder("extra").source(Fixture.RAW)
                .bucket(any.get(rnd.nextInt(any.size()))).aggregations(rawAggregations()).startAt(startAt)
                .watermarkLag(LAGS.get(rnd.nextInt(LAGS.size()))).build();
        rollups.add(extra);
    }

    private RollupDefinition define(String name, String source, Bucket bucket, List<Aggregation> aggregations) {
        RollupDefinition def = RollupDefinition.builder(name).source(source).bucket(bucket)
                .aggregations(aggregations).watermarkLag(LAGS.get(rnd.nextInt(LAGS.size()))).build();
        rollups.add(def);
        return def;
    }

    /** COUNT(*) and each of the seven functions over a random column. */
    private List<Aggregation> rawAggregations() {
        List<Aggregation> out = new ArrayList<>();
        out.add(Aggregation.countAll("n"));
        for (AggregateFunction f : FUNCTIONS) {
            String c = columns.get(rnd.nextInt(columns.size())).name();
            out.add(Aggregation.of(f, c, f.name().toLowerCase() + "_" + c));
        }
        return out;
    }

    /** Re-aggregates every aggregate of the source; counts as SUM or COUNT, averages also as count and sum. */
    private List<Aggregation> derived(RollupDefinition source) {
        Map<String, Aggregation> out = new LinkedHashMap<>();
        for (Aggregation a : source.aggregations()) {
            String as = a.as();
            switch (a.function()) {
                case COUNT -> out.put(as, Aggregation.of(rnd.nextBoolean() ? AggregateFunction.SUM
                        : AggregateFunction.COUNT, as, as));
                case AVG -> {
                    out.put(as, Aggregation.of(AggregateFunction.AVG, as, as));
                    out.putIfAbsent("c_" + as, Aggregation.of(AggregateFunction.COUNT, as, "c_" + as));
                    out.putIfAbsent("s_" + as, Aggregation.of(AggregateFunction.SUM, as, "s_" + as));
                }
                default -> out.put(as, Aggregation.of(a.function(), as, as));
            }
        }
        return List.copyOf(out.values());
    }

    /** Random samples, then re-sends of existing keys with new values, each after the write it replaces. */
    private void samples() {
        String[] rtIds = new String[1 + rnd.nextInt(4)];
        for (int i = 0; i < rtIds.length; i++) {
            rtIds[i] = "m" + i;
        }
        long spanMicros = span.toSeconds() * 1_000_000L;
        List<Sample> writes = new ArrayList<>();
        int n = 60 + rnd.nextInt(240);
        for (int i = 0; i < n; i++) {
            Instant t = start.plusNanos(Math.floorMod(rnd.nextLong(), spanMicros) * 1_000L);
            writes.add(Sample.of(rtIds[rnd.nextInt(rtIds.length)], t, values()));
        }
        for (int i = 0; i < n / 5; i++) {
            int original = rnd.nextInt(writes.size());
            Sample o = writes.get(original);
            int at = original + 1 + rnd.nextInt(writes.size() - original);
            writes.add(at, Sample.of(o.rtId(), o.timestamp(), values()));
        }
        int parts = 1 + rnd.nextInt(4);
        for (int p = 0; p < parts; p++) {
            batches.add(List.copyOf(writes.subList(p * writes.size() / parts, (p + 1) * writes.size() / parts)));
        }
    }

    private Map<String, Object> values() {
        Map<String, Object> v = new HashMap<>();
        for (Column c : columns) {
            if (rnd.nextInt(100) < 15) {
                v.put(c.name(), null);
            } else if (c.type() == ColumnType.DOUBLE) {
                v.put(c.name(), Math.round(rnd.nextDouble() * 2e6 - 1e6) / 1000.0);
            } else {
                v.put(c.name(), (long) rnd.nextInt(-100_000, 100_000));
            }
        }
        return v;
    }
}
