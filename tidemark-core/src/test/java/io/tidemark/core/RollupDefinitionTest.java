package io.tidemark.core;

import static io.tidemark.core.AggregateFunction.AVG;
import static io.tidemark.core.AggregateFunction.COUNT;
import static io.tidemark.core.AggregateFunction.SUM;
import static io.tidemark.core.TidemarkAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RollupDefinitionTest {

    private static RollupDefinition.Builder valid() {
        return RollupDefinition.builder("temp_1h").source("plant").bucket("PT1H").aggregate(AVG, "temp", "avg_temp");
    }

    @Test
    void build_minimal_appliesDefaults() {
        RollupDefinition d = valid().build();
        assertThat(d.name()).isEqualTo("temp_1h");
        assertThat(d.source()).isEqualTo("plant");
        assertThat(d.bucket()).isEqualTo(Bucket.parse("PT1H"));
        assertThat(d.aggregations()).containsExactly(Aggregation.of(AVG, "temp", "avg_temp"));
        assertThat(d.watermarkLag()).isEqualTo(Duration.ofMinutes(5)).isEqualTo(RollupDefinition.DEFAULT_WATERMARK_LAG);
        assertThat(d.maxFailures()).isEqualTo(5).isEqualTo(RollupDefinition.DEFAULT_MAX_FAILURES);
        assertThat(d.startAt()).isNull();
    }

    @Test
    void build_everyOption_isKept() {
        Instant start = Instant.parse("2024-01-01T00:00:00Z");
        RollupDefinition d = valid().bucket(Bucket.parse("DAY", "Europe/Vienna")).watermarkLag(Duration.ZERO)
                .maxFailures(1).startAt(start).aggregations(List.of(Aggregation.countAll("n"))).build();
        assertThat(d.bucket().spec()).isEqualTo("DAY@Europe/Vienna");
        assertThat(d.watermarkLag()).isZero();
        assertThat(d.maxFailures()).isEqualTo(1);
        assertThat(d.startAt()).isEqualTo(start);
        assertThat(d.aggregations()).extracting(Aggregation::as).containsExactly("avg_temp", "n");
    }

    @Test
    void aggregations_afterBuild_areImmutable() {
        RollupDefinition d = valid().build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.aggregations().add(Aggregation.countAll("x")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void build_noSource_failsWithUnknownSource() {
        assertFails(() -> valid().source(null).build(), ErrorCode.UNKNOWN_SOURCE, "'temp_1h'", "source");
    }

    @Test
    void build_sourceIsItself_failsWithRollupCycle() {
        assertFails(() -> valid().source("temp_1h").build(), ErrorCode.ROLLUP_CYCLE, "'temp_1h'", "itself");
    }

    @Test
    void build_noBucket_failsWithInvalidBucket() {
        assertFails(() -> valid().bucket((Bucket) null).build(), ErrorCode.INVALID_BUCKET, "'temp_1h'", "bucket");
    }

    @Test
    void build_noAggregation_failsWithInvalidAggregation() {
        assertFails(() -> RollupDefinition.builder("temp_1h").source("plant").bucket("PT1H").build(),
                ErrorCode.INVALID_AGGREGATION, "'temp_1h'", "at least one aggregation");
    }

    @Test
    void build_twoAggregationsWithOneName_failsWithDuplicateColumn() {
        assertFails(() -> valid().aggregate(SUM, "temp", "avg_temp").build(), ErrorCode.DUPLICATE_COLUMN,
                "'temp_1h'", "'avg_temp'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Temp_1h", "1h", "temp-1h", ""})
    void build_badRollupName_failsWithInvalidName(String name) {
        assertFails(() -> RollupDefinition.builder(name).source("plant").bucket("PT1H")
                .aggregate(COUNT, null, "n").build(), ErrorCode.INVALID_NAME, "archive", "'" + name + "'");
    }

    @Test
    void build_badSourceName_failsWithInvalidNameNamingTheSource() {
        assertFails(() -> valid().source("Plant").build(), ErrorCode.INVALID_NAME, "source archive", "'Plant'");
    }

    @Test
    void aggregate_badTargetName_failsWithInvalidOrReservedName() {
        assertFails(() -> valid().aggregate(SUM, "temp", "Sum"), ErrorCode.INVALID_NAME, "column", "'Sum'");
        assertFails(() -> valid().aggregate(SUM, "temp", "sum__x"), ErrorCode.RESERVED_NAME, "'sum__x'");
        assertFails(() -> valid().aggregate(SUM, "temp", "timestamp"), ErrorCode.RESERVED_NAME, "'timestamp'");
    }

    @Test
    void aggregate_columnlessNonCount_failsWithInvalidAggregation() {
        assertFails(() -> Aggregation.of(SUM, null, "s"), ErrorCode.INVALID_AGGREGATION, "'s'", "SUM", "COUNT(*)");
        assertThat(Aggregation.countAll("n")).hasToString("COUNT(*) AS n");
        assertThat(Aggregation.of(AVG, "temp", "a")).hasToString("AVG(temp) AS a");
    }

    @Test
    void build_negativeLag_failsWithInvalidArgument() {
        assertFails(() -> valid().watermarkLag(Duration.ofSeconds(-1)).build(), ErrorCode.INVALID_ARGUMENT,
                "'temp_1h'", "watermarkLag", "PT-1S");
        assertFails(() -> valid().watermarkLag(null).build(), ErrorCode.INVALID_ARGUMENT, "watermarkLag");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void build_maxFailuresBelowOne_failsWithInvalidArgument(int n) {
        assertFails(() -> valid().maxFailures(n).build(), ErrorCode.INVALID_ARGUMENT, "'temp_1h'", "maxFailures",
                String.valueOf(n));
    }

    @Test
    void builderBucket_invalidSpec_failsWithInvalidBucket() {
        assertFails(() -> valid().bucket("PT0S"), ErrorCode.INVALID_BUCKET);
    }

    @ParameterizedTest
    @ValueSource(strings = {"count", "SUM", "Min", "max", "avg", "first", "LAST"})
    void parse_functionName_isCaseInsensitive(String text) {
        assertThat(AggregateFunction.parse(text).name()).isEqualToIgnoringCase(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"median", "", "COUNT(*)"})
    void parse_unknownFunction_failsWithInvalidAggregation(String text) {
        assertFails(() -> AggregateFunction.parse(text), ErrorCode.INVALID_AGGREGATION, "'" + text + "'", "COUNT");
    }
}
