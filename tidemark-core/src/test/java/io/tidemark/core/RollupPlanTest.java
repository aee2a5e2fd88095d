package io.tidemark.core;

import static io.tidemark.core.AggregateFunction.AVG;
import static io.tidemark.core.AggregateFunction.COUNT;
import static io.tidemark.core.AggregateFunction.FIRST;
import static io.tidemark.core.AggregateFunction.LAST;
import static io.tidemark.core.AggregateFunction.MAX;
import static io.tidemark.core.AggregateFunction.MIN;
import static io.tidemark.core.AggregateFunction.SUM;
import static io.tidemark.core.ColumnType.BIGINT;
import static io.tidemark.core.ColumnType.BOOLEAN;
import static io.tidemark.core.ColumnType.DOUBLE;
import static io.tidemark.core.ColumnType.TIMESTAMP;
import static io.tidemark.core.ColumnType.VARCHAR;
import static io.tidemark.core.TidemarkAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Partial.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class RollupPlanTest {

    static final ArchiveDefinition RAW = ArchiveDefinition.raw("plant", List.of(Column.of("temp", DOUBLE),
            Column.of("energy", BIGINT), Column.of("on", BOOLEAN), Column.of("state", VARCHAR)));

    private static RollupDefinition.Builder over(String source, String bucket) {
        return RollupDefinition.builder("target").source(source).bucket(bucket);
    }

    private static List<Partial> partials(RollupDefinition.Builder b, ArchiveDefinition source) {
        return RollupPlan.of(b.build(), source).partials();
    }

    /** An hourly rollup of {@code RAW} with one aggregate of {@code temp} per function, named {@code <fn>_t}. */
    static ArchiveDefinition hourly() {
        RollupDefinition.Builder b = RollupDefinition.builder("plant_1h").source("plant").bucket("PT1H");
        for (AggregateFunction f : AggregateFunction.values()) {
            b.aggregate(f, "temp", name(f));
        }
        b.aggregate(COUNT, null, "rows").aggregate(SUM, "energy", "sum_e").aggregate(MIN, "state", "min_s")
                .aggregate(FIRST, "on", "first_on").aggregate(LAST, "state", "last_s");
        return RollupPlan.of(b.build(), RAW).target();
    }

    static String name(AggregateFunction f) {
        return f.name().toLowerCase(Locale.ROOT) + "_t";
    }

    /** The pairs "f of a g" that re-aggregate exactly (SPEC §1: never average averages). */
    static final Set<String> ALLOWED = Set.of("COUNT of COUNT", "SUM of COUNT", "COUNT of AVG", "SUM of AVG",
            "SUM of SUM", "MIN of MIN", "MAX of MAX", "AVG of AVG", "FIRST of FIRST", "LAST of LAST");

    static Stream<Arguments> disallowedPairs() {
        List<Arguments> out = new ArrayList<>();
        for (AggregateFunction f : AggregateFunction.values()) {
            for (AggregateFunction g : AggregateFunction.values()) {
                if (!ALLOWED.contains(f + " of " + g)) {
                    out.add(Arguments.of(f, g));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> allowedPairs() {
        return ALLOWED.stream().map(s -> s.split(" of "))
                .map(p -> Arguments.of(AggregateFunction.valueOf(p[0]), AggregateFunction.valueOf(p[1])));
    }

    @Nested
    class FromRaw {

        @Test
        void countAll_raw_countsRows() {
            assertThat(partials(over("plant", "PT1H").aggregate(COUNT, null, "n"), RAW))
                    .containsExactly(new Partial("n", BIGINT, Op.COUNT_ROWS, null, null));
        }

        @ParameterizedTest
        @CsvSource({"temp", "energy", "on", "state"})
        void count_anyColumn_countsNonNullValues(String column) {
            assertThat(partials(over("plant", "PT1H").aggregate(COUNT, column, "n"), RAW))
                    .containsExactly(new Partial("n", BIGINT, Op.COUNT, column, null));
        }

        @ParameterizedTest
        @CsvSource({"temp, DOUBLE", "energy, BIGINT"})
        void sum_numericColumn_keepsTheColumnType(String column, ColumnType type) {
            assertThat(partials(over("plant", "PT1H").aggregate(SUM, column, "s"), RAW))
                    .containsExactly(new Partial("s", type, Op.SUM, column, null));
        }

        @ParameterizedTest
        @CsvSource({"temp, DOUBLE", "energy, BIGINT", "state, VARCHAR"})
        void minMax_orderedColumn_keepsTheColumnType(String column, ColumnType type) {
            assertThat(partials(over("plant", "PT1H").aggregate(MIN, column, "lo").aggregate(MAX, column, "hi"), RAW))
                    .containsExactly(new Partial("lo", type, Op.MIN, column, null),
                            new Partial("hi", type, Op.MAX, column, null));
        }

        @ParameterizedTest
        @CsvSource({"temp", "energy"})
        void avg_numericColumn_storesDoubleSumAndCount(String column) {
            assertThat(partials(over("plant", "PT1H").aggregate(AVG, column, "a"), RAW)).containsExactly(
                    new Partial("a__sum", DOUBLE, Op.SUM, column, null),
                    new Partial("a__count", BIGINT, Op.COUNT, column, null));
        }

        @ParameterizedTest
        @CsvSource({"temp, DOUBLE", "energy, BIGINT", "on, BOOLEAN", "state, VARCHAR"})
        void firstLast_anyColumn_storeValueAndItsTimestamp(String column, ColumnType type) {
            assertThat(partials(over("plant", "PT1H").aggregate(FIRST, column, "f").aggregate(LAST, column, "l"), RAW))
                    .containsExactly(
                            new Partial("f", type, Op.FIRST_VALUE, column, "timestamp"),
                            new Partial("f__ts", TIMESTAMP, Op.FIRST_TIME, column, "timestamp"),
                            new Partial("l", type, Op.LAST_VALUE, column, "timestamp"),
                            new Partial("l__ts", TIMESTAMP, Op.LAST_TIME, column, "timestamp"));
        }

        @Test
        void of_raw_keepsDefinitionSourceAndAggregationOrder() {
            RollupDefinition def = over("plant", "PT1H").aggregate(MAX, "temp", "hi").aggregate(AVG, "temp", "a")
                    .aggregate(COUNT, null, "n").build();
            RollupPlan plan = RollupPlan.of(def, RAW);
            assertThat(plan.definition()).isSameAs(def);
            assertThat(plan.source()).isSameAs(RAW);
            assertThat(plan.partials()).extracting(Partial::column).containsExactly("hi", "a__sum", "a__count", "n");
        }

        @Test
        void target_plan_isARollupArchiveOfThePartials() {
            RollupDefinition def = over("plant", "PT1H").aggregate(AVG, "temp", "a").aggregate(LAST, "on", "l").build();
            ArchiveDefinition target = RollupPlan.of(def, RAW).target();
            assertThat(target.name()).isEqualTo("target");
            assertThat(target.isRollup()).isTrue();
            assertThat(target.rollup()).isSameAs(def);
            assertThat(target.columns()).containsExactly(new Column("a__sum", DOUBLE), new Column("a__count", BIGINT),
                    new Column("l", BOOLEAN), new Column("l__ts", TIMESTAMP));
        }

        @ParameterizedTest
        @CsvSource({"SUM, state, VARCHAR", "AVG, state, VARCHAR", "SUM, on, BOOLEAN", "AVG, on, BOOLEAN",
            "MIN, on, BOOLEAN", "MAX, on, BOOLEAN"})
        void of_functionNotDefinedForType_failsWithInvalidAggregation(AggregateFunction f, String column, String type) {
            assertFails(() -> RollupPlan.of(over("plant", "PT1H").aggregate(f, column, "x").build(), RAW),
                    ErrorCode.INVALID_AGGREGATION, "'target'", "'x'", f.name(), type, "'" + column + "'");
        }

        @ParameterizedTest
        @CsvSource({"pressure", "timestamp", "rtId", "TEMP"})
        void of_unknownColumn_failsWithUnknownColumnListingTheSourceColumns(String column) {
            assertFails(() -> RollupPlan.of(over("plant", "PT1H").aggregate(MAX, column, "x").build(), RAW),
                    ErrorCode.UNKNOWN_COLUMN, "'target'", "'x'", "'plant'", "'" + column + "'",
                    "[temp, energy, on, state]");
        }

        @Test
        void of_nullSource_failsWithUnknownSourceNamingIt() {
            assertFails(() -> RollupPlan.of(over("plant", "PT1H").aggregate(COUNT, null, "n").build(), null),
                    ErrorCode.UNKNOWN_SOURCE, "'target'", "'plant'", "does not exist");
        }

        @Test
        void of_schemaOfAnotherArchive_failsWithUnknownSource() {
            ArchiveDefinition other = ArchiveDefinition.raw("mill", List.of(Column.of("temp", DOUBLE)));
            assertFails(() -> RollupPlan.of(over("plant", "PT1H").aggregate(COUNT, null, "n").build(), other),
                    ErrorCode.UNKNOWN_SOURCE, "'target'", "'plant'");
        }

        @Test
        void of_rawSourceWithAnyBucket_needsNoAlignment() {
            assertThat(partials(over("plant", "PT7M").aggregate(COUNT, null, "n"), RAW)).hasSize(1);
            assertThat(partials(over("plant", "DAY@Asia/Kolkata").aggregate(COUNT, null, "n"), RAW)).hasSize(1);
        }
    }

    @Nested
    class FromRollup {
        private final ArchiveDefinition hourly = hourly();

        private List<Partial> daily(AggregateFunction f, String column) {
            return partials(over("plant_1h", "DAY@Europe/Vienna").aggregate(f, column, "d"), hourly);
        }

        @Test
        void hourly_allFunctions_storesTheExpectedColumns() {
            assertThat(hourly.columns()).extracting(Column::name).containsExactly("count_t", "sum_t", "min_t", "max_t",
                    "avg_t__sum", "avg_t__count", "first_t", "first_t__ts", "last_t", "last_t__ts", "rows", "sum_e",
                    "min_s", "first_on", "first_on__ts", "last_s", "last_s__ts");
        }

        @Test
        void countOrSumOfCount_sumsTheCounts() {
            Partial expected = new Partial("d", BIGINT, Op.SUM, "count_t", null);
            assertThat(daily(COUNT, "count_t")).containsExactly(expected);
            assertThat(daily(SUM, "count_t")).containsExactly(expected);
            assertThat(daily(SUM, "rows")).containsExactly(new Partial("d", BIGINT, Op.SUM, "rows", null));
        }

        @Test
        void countOfAvg_sumsTheStoredCount() {
            assertThat(daily(COUNT, "avg_t")).containsExactly(new Partial("d", BIGINT, Op.SUM, "avg_t__count", null));
        }

        @Test
        void sumOfAvg_sumsTheStoredSum() {
            assertThat(daily(SUM, "avg_t")).containsExactly(new Partial("d", DOUBLE, Op.SUM, "avg_t__sum", null));
        }

        @Test
        void sumOfSum_keepsTheSourceType() {
            assertThat(daily(SUM, "sum_t")).containsExactly(new Partial("d", DOUBLE, Op.SUM, "sum_t", null));
            assertThat(daily(SUM, "sum_e")).containsExactly(new Partial("d", BIGINT, Op.SUM, "sum_e", null));
        }

        @Test
        void minOfMinMaxOfMax_keepTheSourceType() {
            assertThat(daily(MIN, "min_t")).containsExactly(new Partial("d", DOUBLE, Op.MIN, "min_t", null));
            assertThat(daily(MAX, "max_t")).containsExactly(new Partial("d", DOUBLE, Op.MAX, "max_t", null));
            assertThat(daily(MIN, "min_s")).containsExactly(new Partial("d", VARCHAR, Op.MIN, "min_s", null));
        }

        @Test
        void avgOfAvg_reAggregatesSumAndCountNeverAveragesAverages() {
            assertThat(daily(AVG, "avg_t")).containsExactly(
                    new Partial("d__sum", DOUBLE, Op.SUM, "avg_t__sum", null),
                    new Partial("d__count", BIGINT, Op.SUM, "avg_t__count", null));
        }

        @Test
        void firstOfFirst_picksByTheStoredTimestamp() {
            assertThat(daily(FIRST, "first_t")).containsExactly(
                    new Partial("d", DOUBLE, Op.FIRST_VALUE, "first_t", "first_t__ts"),
                    new Partial("d__ts", TIMESTAMP, Op.MIN, "first_t__ts", null));
            assertThat(daily(FIRST, "first_on")).first().extracting(Partial::type).isEqualTo(BOOLEAN);
        }

        @Test
        void lastOfLast_picksByTheStoredTimestamp() {
            assertThat(daily(LAST, "last_t")).containsExactly(
                    new Partial("d", DOUBLE, Op.LAST_VALUE, "last_t", "last_t__ts"),
                    new Partial("d__ts", TIMESTAMP, Op.MAX, "last_t__ts", null));
            assertThat(daily(LAST, "last_s")).first().extracting(Partial::type).isEqualTo(VARCHAR);
        }

        @Test
        void avgOfAvg_threeLevels_alwaysReadsThePartials() {
            ArchiveDefinition daily = RollupPlan.of(over("plant_1h", "DAY@UTC").aggregate(AVG, "avg_t", "a")
                    .build(), hourly).target();
            RollupDefinition monthly = RollupDefinition.builder("plant_1mo").source("target").bucket("MONTH@UTC")
                    .aggregate(AVG, "a", "m").build();
            assertThat(RollupPlan.of(monthly, daily).partials()).containsExactly(
                    new Partial("m__sum", DOUBLE, Op.SUM, "a__sum", null),
                    new Partial("m__count", BIGINT, Op.SUM, "a__count", null));
        }

        @ParameterizedTest(name = "{0} of a {1}")
        @MethodSource("io.tidemark.core.RollupPlanTest#disallowedPairs")
        void of_disallowedRollupOfRollup_failsWithInvalidAggregation(AggregateFunction f, AggregateFunction g) {
            assertFails(() -> daily(f, name(g)), ErrorCode.INVALID_AGGREGATION, "'target'", "'d'",
                    f + " cannot re-aggregate '" + name(g) + "', a " + g + " of rollup 'plant_1h'", "Allowed:");
        }

        @ParameterizedTest(name = "{0} of a {1}")
        @MethodSource("io.tidemark.core.RollupPlanTest#allowedPairs")
        void of_allowedRollupOfRollup_isAccepted(AggregateFunction f, AggregateFunction g) {
            assertThat(daily(f, name(g))).isNotEmpty();
        }

        @Test
        void disallowedPairs_everyOtherCombination_isThirtyNine() {
            assertThat(disallowedPairs()).hasSize(7 * 7 - ALLOWED.size()).hasSize(39);
        }

        @Test
        void of_countAllOverRollup_failsWithInvalidAggregation() {
            assertFails(() -> daily(COUNT, null), ErrorCode.INVALID_AGGREGATION, "'target'", "'d'", "COUNT(*)",
                    "'plant_1h'", "SUM");
        }

        @ParameterizedTest
        @CsvSource({"temp", "avg_t__sum", "first_t__ts", "nothing"})
        void of_columnThatIsNotAnAggregateOfTheSource_failsWithUnknownColumn(String column) {
            assertFails(() -> daily(SUM, column), ErrorCode.UNKNOWN_COLUMN, "'target'", "'d'", "'plant_1h'",
                    "'" + column + "'", "count_t, sum_t");
        }
    }

    @Nested
    class Alignment {

        private RollupPlan plan(String sourceBucket, String targetBucket) {
            ArchiveDefinition source = RollupPlan.of(RollupDefinition.builder("src").source("plant")
                    .bucket(sourceBucket).aggregate(SUM, "temp", "s").build(), RAW).target();
            return RollupPlan.of(over("src", targetBucket).aggregate(SUM, "s", "s").build(), source);
        }

        @ParameterizedTest(name = "{1} over {0}")
        @CsvSource({
            "PT1M, PT1H", "PT1H, PT1H", "PT5M, PT15M", "PT1S, P7D", "PT1H, P1D", "P1D, P7D",
            "PT1H, DAY@Europe/Vienna", "PT1H, MONTH@Europe/Vienna", "PT1H, DAY@America/New_York",
            "PT2H, DAY@UTC", "PT30M, DAY@Asia/Kolkata", "PT30M, ISO_WEEK@Asia/Kolkata",
            "PT30M, DAY@Australia/Lord_Howe", "PT15M, DAY@Asia/Kathmandu", "PT30M, DAY@America/St_Johns",
            "DAY@Europe/Vienna, DAY@Europe/Vienna", "DAY@Europe/Vienna, ISO_WEEK@Europe/Vienna",
            "DAY@Europe/Vienna, MONTH@Europe/Vienna", "DAY@UTC, YEAR@UTC", "MONTH@UTC, QUARTER@UTC",
            "MONTH@UTC, YEAR@UTC", "QUARTER@America/New_York, YEAR@America/New_York", "ISO_WEEK@UTC, ISO_WEEK@UTC"})
        void of_targetBucketsAreUnionsOfSourceBuckets_isAccepted(String source, String target) {
            assertThat(plan(source, target).definition().bucket().spec()).isEqualTo(Bucket.parse(target).spec());
        }

        @ParameterizedTest(name = "{1} over {0}")
        @CsvSource({
            "PT5M, PT7M", "PT1H, PT1M", "PT1H, PT90M", "PT2H, PT3H",
            "PT1H, DAY@Asia/Kolkata", "PT1H, MONTH@Asia/Kolkata", "PT1H, DAY@Australia/Lord_Howe",
            "PT30M, DAY@Asia/Kathmandu", "PT1H, DAY@America/St_Johns", "PT2H, DAY@Europe/Vienna", "PT5H, DAY@UTC",
            "P7D, MONTH@UTC", "P7D, ISO_WEEK@UTC",
            "ISO_WEEK@UTC, MONTH@UTC", "ISO_WEEK@UTC, QUARTER@UTC", "ISO_WEEK@UTC, YEAR@UTC", "MONTH@UTC, ISO_WEEK@UTC",
            "MONTH@UTC, DAY@UTC", "YEAR@UTC, MONTH@UTC", "QUARTER@UTC, MONTH@UTC",
            "DAY@Europe/Vienna, MONTH@UTC", "DAY@UTC, DAY@Europe/London", "MONTH@America/New_York, YEAR@UTC",
            "DAY@UTC, P1D", "DAY@UTC, P7D", "MONTH@UTC, PT1H"})
        void of_targetBucketsCutSourceBuckets_failsWithInvalidBucket(String source, String target) {
            assertFails(() -> plan(source, target), ErrorCode.INVALID_BUCKET, "'target'", Bucket.parse(target).spec(),
                    Bucket.parse(source).spec(), "'src'");
        }

        @ParameterizedTest
        @EnumSource(CalendarUnit.class)
        void of_calendarOverCalendarInAnotherZone_failsWithInvalidBucket(CalendarUnit unit) {
            assertFails(() -> plan("DAY@Europe/Vienna", unit + "@Europe/Berlin"), ErrorCode.INVALID_BUCKET,
                    unit + "@Europe/Berlin", "DAY@Europe/Vienna");
        }
    }
}
