package io.tidemark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tidemark.core.BatchRejectedException.RowError;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SampleBatchTest {
    static final ArchiveDefinition PLANT = ArchiveDefinition.raw("plant", List.of(Column.of("d", ColumnType.DOUBLE),
            Column.of("n", ColumnType.BIGINT), Column.of("b", ColumnType.BOOLEAN), Column.of("s", ColumnType.VARCHAR)));
    static final Instant MIN = Instant.parse("2000-01-01T00:00:00Z");
    static final Instant MAX = Instant.parse("2100-01-01T00:00:00Z");
    static final BatchLimits LIMITS = new BatchLimits(20, 8, MIN, MAX, 10);
    static final Instant T0 = Instant.parse("2024-05-15T12:00:00Z");
    static final int D = 0;
    static final int N = 1;
    static final int B = 2;
    static final int S = 3;

    /** A sample; {@code kv} alternates column names and values, which may be null. */
    static Sample sample(String rtId, Instant t, Object... kv) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            values.put((String) kv[i], kv[i + 1]);
        }
        return Sample.of(rtId, t, values);
    }

    static SampleBatch validate(Sample... samples) {
        return SampleBatch.validate(PLANT, List.of(samples), LIMITS);
    }

    static BatchRejectedException rejected(List<Sample> samples) {
        BatchRejectedException e = catchThrowableOfType(BatchRejectedException.class,
                () -> SampleBatch.validate(PLANT, samples, LIMITS));
        assertThat(e).as("batch should be rejected").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_BATCH);
        assertThat(e.getMessage()).startsWith("batch for archive 'plant' rejected, nothing written: ");
        for (RowError r : e.errors()) {
            assertThat(e.getMessage()).contains(r.toString());
        }
        return e;
    }

    /** Asserts that the one-row batch is rejected with exactly one error, and returns it. */
    static RowError onlyError(Sample s) {
        List<Sample> one = new ArrayList<>();
        one.add(s);
        BatchRejectedException e = rejected(one);
        assertThat(e.errors()).hasSize(1);
        return e.errors().get(0);
    }

    @Nested
    class Accepted {

        @Test
        void validate_goodBatch_isColumnarWithJavaTypes() {
            SampleBatch b = validate(sample("m1", T0, "d", 1.5, "n", 7L, "b", true, "s", "ok"),
                    sample("m2", T0.plusMillis(1), "d", null, "s", ""));
            assertThat(b.archive()).isSameAs(PLANT);
            assertThat(b.size()).isEqualTo(2);
            assertThat(b.rtId(0)).isEqualTo("m1");
            assertThat(b.micros(0)).isEqualTo(T0.toEpochMilli() * 1_000);
            assertThat(b.micros(1)).isEqualTo(T0.toEpochMilli() * 1_000 + 1_000);
            assertThat(List.of(b.value(0, D), b.value(0, N), b.value(0, B), b.value(0, S)))
                    .containsExactly(1.5, 7L, true, "ok");
            assertThat(b.value(1, D)).isNull();
            assertThat(b.value(1, N)).as("left out").isNull();
            assertThat(b.value(1, B)).isNull();
            assertThat(b.value(1, S)).isEqualTo("");
        }

        @Test
        void validate_sampleWithoutValues_isAllNulls() {
            SampleBatch b = validate(Sample.of("m1", T0, null));
            assertThat(b.size()).isEqualTo(1);
            assertThat(IntStream.range(0, 4).mapToObj(c -> b.value(0, c))).containsOnlyNulls();
        }

        @Test
        void validate_emptyBatch_isEmpty() {
            SampleBatch b = validate();
            assertThat(b.size()).isZero();
            assertThat(b.minMicros()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void minMicros_batch_isTheEarliestTimestamp() {
            SampleBatch b = validate(sample("m1", T0), sample("m2", MIN), sample("m3", T0.minusSeconds(1)));
            assertThat(b.minMicros()).isEqualTo(Micros.toMicros(MIN));
        }

        @Test
        void validate_integralNumbersForBigint_becomeLong() {
            SampleBatch b = validate(sample("a", T0, "n", 5), sample("b", T0, "n", (short) 6),
                    sample("c", T0, "n", (byte) 7), sample("d", T0, "n", 8.0), sample("e", T0, "n", -0.0),
                    sample("f", T0, "n", BigInteger.valueOf(Long.MAX_VALUE)), sample("g", T0, "n", Long.MIN_VALUE),
                    sample("h", T0, "n", 9_007_199_254_740_991.0));
            assertThat(IntStream.range(0, b.size()).mapToObj(r -> b.value(r, N))).containsExactly(5L, 6L, 7L, 8L, 0L,
                    Long.MAX_VALUE, Long.MIN_VALUE, 9_007_199_254_740_991L);
        }

        @Test
        void validate_anyFiniteNumberForDouble_becomesDouble() {
            SampleBatch b = validate(sample("a", T0, "d", 5L), sample("b", T0, "d", 6), sample("c", T0, "d", 1.25f),
                    sample("d", T0, "d", new BigDecimal("2.5")), sample("e", T0, "d", -0.0));
            assertThat(IntStream.range(0, b.size()).mapToObj(r -> b.value(r, D))).containsExactly(5.0, 6.0, 1.25, 2.5,
                    -0.0);
        }

        @Test
        void validate_valuesAtTheLimits_areAccepted() {
            SampleBatch b = validate(sample("12345678", MIN, "s", "0123456789"),
                    sample("x", MAX.minusNanos(1_000), "d", Double.MAX_VALUE));
            assertThat(b.size()).isEqualTo(2);
            assertThat(b.micros(1)).isEqualTo(Micros.toMicros(MAX) - 1);
        }

        @Test
        void validate_rowsAtTheRowLimit_areAccepted() {
            List<Sample> rows = IntStream.range(0, LIMITS.maxRows())
                    .mapToObj(i -> sample("m", T0.plusSeconds(i), "n", i)).toList();
            assertThat(SampleBatch.validate(PLANT, rows, LIMITS).size()).isEqualTo(LIMITS.maxRows());
        }

        @Test
        void validate_defaultLimits_acceptA128CharacterRtId() {
            SampleBatch b = SampleBatch.validate(PLANT, List.of(sample("r".repeat(128), T0)), BatchLimits.DEFAULT);
            assertThat(b.rtId(0)).hasSize(128);
        }
    }

    @Nested
    class Duplicates {

        @Test
        void validate_sameKeyTwice_keepsTheLastOccurrence() {
            SampleBatch b = validate(sample("m1", T0, "d", 1.0, "s", "first"), sample("m2", T0, "d", 2.0),
                    sample("m1", T0, "d", 3.0));
            assertThat(b.size()).isEqualTo(2);
            Map<String, Object> byRtId = new HashMap<>();
            Map<String, Object> textByRtId = new HashMap<>();
            for (int r = 0; r < b.size(); r++) {
                byRtId.put(b.rtId(r), b.value(r, D));
                textByRtId.put(b.rtId(r), b.value(r, S));
            }
            assertThat(byRtId).containsEntry("m1", 3.0).containsEntry("m2", 2.0);
            assertThat(textByRtId.get("m1")).as("the last occurrence replaces the whole row").isNull();
        }

        @Test
        void validate_manyCopiesOfOneKey_keepsOneRowWithTheLastValue() {
            List<Sample> rows = IntStream.range(0, 20).mapToObj(i -> sample("m", T0, "n", i)).toList();
            SampleBatch b = SampleBatch.validate(PLANT, rows, LIMITS);
            assertThat(b.size()).isEqualTo(1);
            assertThat(b.value(0, N)).isEqualTo(19L);
        }

        /**
         * Batches in time order (checked run by run) and in any order (one table), against the definition: a row
         * stays when no later row has its key, and rows keep their order.
         */
        @Test
        void validate_randomBatchesInAndOutOfTimeOrder_keepEachKeysLastOccurrence() {
            java.util.Random rnd = new java.util.Random(11);
            BatchLimits limits = new BatchLimits(400, 8, MIN, MAX, 10);
            for (int i = 0; i < 2_000; i++) {
                int n = rnd.nextInt(300);
                int times = 1 + rnd.nextInt(6);
                int ids = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 200);
                long[] offsets = new long[n];
                for (int r = 0; r < n; r++) {
                    offsets[r] = rnd.nextInt(times);
                }
                if (rnd.nextInt(3) > 0) {
                    java.util.Arrays.sort(offsets);
                }
                List<Sample> rows = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    rows.add(sample("m" + rnd.nextInt(ids), T0.plusSeconds(offsets[r]), "n", r));
                }
                List<String> expected = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    boolean later = false;
                    for (int k = r + 1; k < n && !later; k++) {
                        later = rows.get(k).rtId().equals(rows.get(r).rtId())
                                && rows.get(k).timestamp().equals(rows.get(r).timestamp());
                    }
                    if (!later) {
                        expected.add(rows.get(r).rtId() + "@" + rows.get(r).timestamp() + "=" + r);
                    }
                }
                SampleBatch b = SampleBatch.validate(PLANT, rows, limits);
                List<String> actual = new ArrayList<>();
                for (int r = 0; r < b.size(); r++) {
                    actual.add(b.rtId(r) + "@" + Micros.fromMicros(b.micros(r)) + "=" + b.value(r, N));
                }
                assertThat(actual).isEqualTo(expected);
            }
        }

        @Test
        void validate_sameRtIdOtherTimeOrSameTimeOtherRtId_areDistinct() {
            SampleBatch b = validate(sample("m1", T0), sample("m1", T0.plusNanos(1_000)), sample("m2", T0));
            assertThat(b.size()).isEqualTo(3);
        }

        @Test
        void validate_timestampsEqualAtMicrosecondPrecision_areOneKey() {
            SampleBatch b = validate(sample("m1", T0, "n", 1), sample("m1", T0.plusNanos(999), "n", 2));
            assertThat(b.size()).isEqualTo(1);
            assertThat(b.value(0, N)).isEqualTo(2L);
            assertThat(b.micros(0)).isEqualTo(Micros.toMicros(T0));
        }
    }

    @Nested
    class Rejected {

        @Test
        void validate_unknownColumn_namesRowColumnAndTheArchiveColumns() {
            RowError e = onlyError(sample("m1", T0, "pressure", 1.0));
            assertThat(e.row()).isEqualTo(1);
            assertThat(e.column()).isEqualTo("pressure");
            assertThat(e.reason()).contains("'plant'", "no such column", "[d, n, b, s]");
            assertThat(e).hasToString("row 1, column 'pressure': " + e.reason());
        }

        @ParameterizedTest
        @ValueSource(strings = {"rtId", "timestamp"})
        void validate_implicitColumnAmongValues_isAnUnknownColumn(String column) {
            RowError e = onlyError(sample("m1", T0, column, "m2"));
            assertThat(e.column()).isEqualTo(column);
            assertThat(e.reason()).contains("no such column");
        }

        @Test
        void validate_wrongTypeForDouble_isRefused() {
            assertThat(onlyError(sample("m1", T0, "d", "1.5")))
                    .isEqualTo(new RowError(1, "d", "expected DOUBLE, got String \"1.5\""));
            assertThat(onlyError(sample("m1", T0, "d", true)))
                    .isEqualTo(new RowError(1, "d", "expected DOUBLE, got Boolean true"));
        }

        @Test
        void validate_wrongTypeForBigint_isRefused() {
            assertThat(onlyError(sample("m1", T0, "n", "7")))
                    .isEqualTo(new RowError(1, "n", "expected BIGINT, got String \"7\""));
            assertThat(onlyError(sample("m1", T0, "n", false)))
                    .isEqualTo(new RowError(1, "n", "expected BIGINT, got Boolean false"));
        }

        @ParameterizedTest
        @ValueSource(doubles = {1.5, -0.25, 1e19, -1e300, Double.NaN, Double.POSITIVE_INFINITY})
        void validate_nonIntegralOrHugeDoubleForBigint_isRefused(double v) {
            assertThat(onlyError(sample("m1", T0, "n", v)))
                    .isEqualTo(new RowError(1, "n", "expected BIGINT, got Double " + v));
        }

        @Test
        void validate_bigIntegerBeyondLongForBigint_isRefused() {
            BigInteger big = BigInteger.ONE.shiftLeft(63);
            assertThat(onlyError(sample("m1", T0, "n", big)).reason())
                    .isEqualTo("expected BIGINT, got BigInteger " + big);
        }

        @Test
        void validate_wrongTypeForBoolean_isRefused() {
            assertThat(onlyError(sample("m1", T0, "b", "true")))
                    .isEqualTo(new RowError(1, "b", "expected BOOLEAN, got String \"true\""));
            assertThat(onlyError(sample("m1", T0, "b", 1)))
                    .isEqualTo(new RowError(1, "b", "expected BOOLEAN, got Integer 1"));
        }

        @Test
        void validate_wrongTypeForVarchar_isRefused() {
            assertThat(onlyError(sample("m1", T0, "s", 42)))
                    .isEqualTo(new RowError(1, "s", "expected VARCHAR, got Integer 42"));
            assertThat(onlyError(sample("m1", T0, "s", 'c')))
                    .isEqualTo(new RowError(1, "s", "expected VARCHAR, got Character c"));
        }

        @Test
        void validate_longWrongString_isShortenedInTheReason() {
            RowError e = onlyError(sample("m1", T0, "n", "x".repeat(100)));
            assertThat(e.reason()).isEqualTo("expected BIGINT, got String \"" + "x".repeat(40) + "…\"");
        }

        @ParameterizedTest
        @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
        void validate_nonFiniteDouble_isRefused(double v) {
            RowError e = onlyError(sample("m1", T0, "d", v));
            assertThat(e.row()).isEqualTo(1);
            assertThat(e.column()).isEqualTo("d");
            assertThat(e.reason()).contains(String.valueOf(v), "not a finite number");
            assertThat(onlyError(sample("m1", T0, "d", (float) v)).reason()).contains("not a finite number");
        }

        @Test
        void validate_overLongString_isRefused() {
            assertThat(onlyError(sample("m1", T0, "s", "01234567890")))
                    .isEqualTo(new RowError(1, "s", "text has 11 characters, more than 10"));
        }

        @Test
        void validate_missingRtId_isRefused() {
            assertThat(onlyError(sample(null, T0))).isEqualTo(new RowError(1, "rtId", "rtId is missing or empty"));
            assertThat(onlyError(sample("", T0))).isEqualTo(new RowError(1, "rtId", "rtId is missing or empty"));
        }

        @Test
        void validate_overLongRtId_isRefused() {
            assertThat(onlyError(sample("123456789", T0)))
                    .isEqualTo(new RowError(1, "rtId", "rtId has 9 characters, more than 8"));
        }

        @Test
        void validate_missingTimestamp_isRefused() {
            assertThat(onlyError(sample("m1", null))).isEqualTo(new RowError(1, "timestamp", "timestamp is missing"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"1999-12-31T23:59:59.999999Z", "2100-01-01T00:00:00Z", "1969-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z"})
        void validate_timestampOutOfRange_isRefusedNamingTheRange(String t) {
            RowError e = onlyError(sample("m1", Instant.parse(t)));
            assertThat(e.column()).isEqualTo("timestamp");
            assertThat(e.reason()).isEqualTo("timestamp " + Instant.parse(t)
                    + " is outside the accepted range [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)");
        }

        @Test
        void validate_timestampBeyondMicrosecondRange_isRefusedNotOverflowed() {
            RowError e = onlyError(sample("m1", Instant.MAX));
            assertThat(e.column()).isEqualTo("timestamp");
        }

        @Test
        void validate_nullSample_isRefusedAsAWholeRow() {
            List<Sample> rows = new ArrayList<>();
            rows.add(sample("m1", T0));
            rows.add(null);
            BatchRejectedException e = rejected(rows);
            assertThat(e.errors()).containsExactly(new RowError(2, null, "sample is null"));
            assertThat(e.getMessage()).endsWith("row 2: sample is null");
        }

        @Test
        void validate_tooManyRows_isRefusedBeforeLookingAtThem() {
            List<Sample> rows = IntStream.range(0, LIMITS.maxRows() + 1).mapToObj(i -> (Sample) null).toList();
            BatchRejectedException e = rejected(new ArrayList<>(rows));
            assertThat(e.errors())
                    .containsExactly(new RowError(21, null, "batch has 21 rows, more than the limit of 20; split it"));
        }

        @Test
        void validate_severalBadRows_reportsThemInRowOrder() {
            BatchRejectedException e = rejected(List.of(sample("m1", T0), sample("m2", T0, "n", 1.5),
                    sample("m3", T0), sample("", T0), sample("m5", T0, "s", 5), sample("m6", T0)));
            assertThat(e.errors()).containsExactly(new RowError(2, "n", "expected BIGINT, got Double 1.5"),
                    new RowError(4, "rtId", "rtId is missing or empty"),
                    new RowError(5, "s", "expected VARCHAR, got Integer 5"));
            assertThat(e.getMessage()).isEqualTo("batch for archive 'plant' rejected, nothing written: "
                    + "row 2, column 'n': expected BIGINT, got Double 1.5; "
                    + "row 4, column 'rtId': rtId is missing or empty; "
                    + "row 5, column 's': expected VARCHAR, got Integer 5");
        }

        @Test
        void validate_oneRowWithSeveralProblems_reportsEach() {
            BatchRejectedException e = rejected(List.of(sample("", null, "d", Double.NaN, "x", 1)));
            assertThat(e.errors()).extracting(RowError::row).containsOnly(1);
            assertThat(e.errors()).extracting(RowError::column)
                    .containsExactlyInAnyOrder("rtId", "timestamp", "d", "x");
        }

        @Test
        void validate_manyBadRows_reportsTheFirstTen() {
            List<Sample> rows = IntStream.range(0, 15).mapToObj(i -> sample("m" + i, T0, "b", "yes")).toList();
            BatchRejectedException e = rejected(rows);
            assertThat(e.errors()).extracting(RowError::row).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(e.getMessage()).contains("row 10,").doesNotContain("row 11");
        }

        @Test
        void validate_manyProblemsInFewRows_reportsAtMostTen() {
            // Regression: a row's errors were all added even when they took the report past ten.
            List<Sample> rows = List.of(sample("m1", T0, "b", "x"), sample("", null, "d", "x", "n", "x", "b", "x",
                    "s", 1, "p", 1, "q", 1, "r", 1, "u", 1, "v", 1));
            BatchRejectedException e = rejected(rows);
            assertThat(e.errors()).hasSize(10);
            assertThat(e.errors().get(0)).isEqualTo(new RowError(1, "b", "expected BOOLEAN, got String \"x\""));
            assertThat(e.errors().subList(1, 10)).extracting(RowError::row).containsOnly(2);
        }

        @Test
        void errors_list_isImmutable() {
            BatchRejectedException e = rejected(List.of(sample("", T0)));
            assertThat(catchThrowableOfType(UnsupportedOperationException.class,
                    () -> e.errors().add(new RowError(1, null, "x")))).isNotNull();
        }
    }

    @Test
    void concat_randomBatchesWithRepeatedKeys_equalsOneBatchOfAllTheirSamplesInOrder() {
        java.util.Random random = new java.util.Random(7);
        BatchLimits roomy = new BatchLimits(10_000, 8, MIN, MAX, 10);
        for (int round = 0; round < 200; round++) {
            List<SampleBatch> batches = new ArrayList<>();
            List<Sample> all = new ArrayList<>();
            int count = 1 + random.nextInt(5);
            for (int b = 0; b < count; b++) {
                List<Sample> samples = new ArrayList<>();
                int rows = random.nextInt(8);
                for (int r = 0; r < rows; r++) {
                    samples.add(sample("r" + random.nextInt(3), T0.plusSeconds(random.nextInt(4)), "d",
                            (double) random.nextInt(100), "n", random.nextBoolean() ? null : (long) random.nextInt(9)));
                }
                batches.add(SampleBatch.validate(PLANT, samples, roomy));
                all.addAll(samples);
            }
            assertThat(rows(SampleBatch.concat(batches))).as("round %d", round)
                    .isEqualTo(rows(SampleBatch.validate(PLANT, all, roomy)));
        }
    }

    @Test
    void concat_batchesOfDifferentArchives_refused() {
        SampleBatch plant = validate(sample("a", T0, "d", 1.0));
        ArchiveDefinition other = ArchiveDefinition.raw("other", PLANT.columns());
        SampleBatch elsewhere = SampleBatch.validate(other, List.of(sample("a", T0, "d", 1.0)), LIMITS);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SampleBatch.concat(List.of(plant, elsewhere)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'plant' and 'other'");
    }

    private static List<List<Object>> rows(SampleBatch b) {
        List<List<Object>> out = new ArrayList<>();
        for (int r = 0; r < b.size(); r++) {
            List<Object> row = new ArrayList<>(List.of(b.rtId(r), b.micros(r)));
            for (int c = 0; c < b.archive().columns().size(); c++) {
                row.add(b.value(r, c));
            }
            out.add(row);
        }
        return out;
    }
}
