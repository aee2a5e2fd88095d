package io.tidemark.core;

import static io.tidemark.core.TidemarkAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BucketTest {

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    private static Bucket calendar(CalendarUnit unit, String zone) {
        return new CalendarBucket(unit, ZoneId.of(zone));
    }

    /** The length of the bucket holding {@code t}. */
    private static Duration lengthOfBucketAt(Bucket b, Instant t) {
        Instant start = b.floor(t);
        return Duration.between(start, b.next(start));
    }

    /** The length of the calendar day {@code day} in {@code zone}, measured from a time in its middle. */
    private static Duration dayLength(String zone, String day) {
        ZoneId z = ZoneId.of(zone);
        Instant noon = LocalDate.parse(day).atTime(LocalTime.NOON).atZone(z).toInstant();
        return lengthOfBucketAt(calendar(CalendarUnit.DAY, zone), noon);
    }

    @Nested
    class Fixed {
        private final Bucket minute = Bucket.parse("PT1M");
        private final Bucket hour = Bucket.parse("PT1H");
        private final Bucket sevenMinutes = Bucket.parse("PT7M");

        @Test
        void floor_insideBucket_truncatesToWidthSinceEpoch() {
            assertThat(minute.floor(at("2024-05-15T12:34:56.789Z"))).isEqualTo(at("2024-05-15T12:34:00Z"));
            assertThat(hour.floor(at("2024-05-15T12:34:56Z"))).isEqualTo(at("2024-05-15T12:00:00Z"));
        }

        @Test
        void floor_widthNotDividingADay_isAlignedToEpochNotToMidnight() {
            // 2024-05-15T00:00Z is epoch second 1715731200 = 4085074 * 420 + 120, so a 7-minute bucket starts at 23:58.
            assertThat(sevenMinutes.floor(at("2024-05-15T00:00:00Z"))).isEqualTo(at("2024-05-14T23:58:00Z"));
            assertThat(sevenMinutes.floor(at("2024-05-15T00:00:00Z")).getEpochSecond() % 420).isZero();
        }

        @Test
        void floor_onBoundary_returnsItself() {
            assertThat(minute.floor(at("2024-05-15T12:34:00Z"))).isEqualTo(at("2024-05-15T12:34:00Z"));
            assertThat(minute.floor(Instant.EPOCH)).isEqualTo(Instant.EPOCH);
        }

        @Test
        void floor_beforeEpoch_roundsTowardsMinusInfinity() {
            assertThat(hour.floor(at("1969-12-31T23:30:00Z"))).isEqualTo(at("1969-12-31T23:00:00Z"));
            assertThat(minute.floor(Instant.EPOCH.minusNanos(1))).isEqualTo(at("1969-12-31T23:59:00Z"));
            assertThat(sevenMinutes.floor(Instant.ofEpochSecond(-1))).isEqualTo(Instant.ofEpochSecond(-420));
            assertThat(hour.floor(at("1900-01-01T00:30:00Z"))).isEqualTo(at("1900-01-01T00:00:00Z"));
        }

        @Test
        void next_boundary_addsWidth() {
            assertThat(minute.next(at("2024-05-15T12:34:00Z"))).isEqualTo(at("2024-05-15T12:35:00Z"));
            assertThat(hour.next(at("1969-12-31T23:00:00Z"))).isEqualTo(Instant.EPOCH);
            assertThat(Bucket.parse("P7D").next(Instant.EPOCH)).isEqualTo(at("1970-01-08T00:00:00Z"));
        }

        @Test
        void ceil_boundary_returnsItself() {
            assertThat(minute.ceil(at("2024-05-15T12:34:00Z"))).isEqualTo(at("2024-05-15T12:34:00Z"));
        }

        @Test
        void ceil_insideBucket_returnsNextBoundary() {
            assertThat(minute.ceil(at("2024-05-15T12:34:00.000001Z"))).isEqualTo(at("2024-05-15T12:35:00Z"));
            assertThat(hour.ceil(at("1969-12-31T22:59:59Z"))).isEqualTo(at("1969-12-31T23:00:00Z"));
        }

        @Test
        void isBoundary_alignedAndUnaligned_tellsApart() {
            assertThat(hour.isBoundary(at("2024-05-15T12:00:00Z"))).isTrue();
            assertThat(hour.isBoundary(at("2024-05-15T12:00:00.000001Z"))).isFalse();
            assertThat(hour.isBoundary(at("1969-12-31T23:00:00Z"))).isTrue();
        }

        @Test
        void countBuckets_boundaries_countsWholeBuckets() {
            assertThat(minute.countBuckets(at("2024-05-15T12:00:00Z"), at("2024-05-15T13:00:00Z"))).isEqualTo(60);
            assertThat(hour.countBuckets(at("1969-12-31T00:00:00Z"), at("1970-01-02T00:00:00Z"))).isEqualTo(48);
            assertThat(Bucket.parse("P1D").countBuckets(Instant.EPOCH, at("1970-01-11T00:00:00Z"))).isEqualTo(10);
        }

        @Test
        void countBuckets_emptyOrReversedRange_isZero() {
            assertThat(minute.countBuckets(Instant.EPOCH, Instant.EPOCH)).isZero();
            assertThat(minute.countBuckets(at("2024-05-15T13:00:00Z"), at("2024-05-15T12:00:00Z"))).isZero();
        }

        @Test
        void countBuckets_fixedShortcut_agreesWithSteppingThroughBoundaries() {
            // Neither end is a 7-minute boundary; use the boundaries just inside them.
            Instant f = sevenMinutes.ceil(at("1969-12-30T00:00:00Z"));
            Instant t = sevenMinutes.floor(at("1970-01-03T00:00:00Z"));
            long stepped = 0;
            for (Instant b = f; b.isBefore(t); b = sevenMinutes.next(b)) {
                stepped++;
            }
            assertThat(sevenMinutes.countBuckets(f, t)).isEqualTo(stepped)
                    .isEqualTo(Duration.between(f, t).toMinutes() / 7);
        }

        @Test
        void boundaries_rangeOfWholeBuckets_includesBothEnds() {
            assertThat(hour.boundaries(at("2024-05-15T10:00:00Z"), at("2024-05-15T13:00:00Z"), 100)).containsExactly(
                    at("2024-05-15T10:00:00Z"), at("2024-05-15T11:00:00Z"), at("2024-05-15T12:00:00Z"),
                    at("2024-05-15T13:00:00Z"));
        }

        @Test
        void boundaries_toInsideBucket_endsAtTheBoundaryAfterTo() {
            assertThat(hour.boundaries(at("2024-05-15T10:00:00Z"), at("2024-05-15T11:30:00Z"), 100))
                    .containsExactly(at("2024-05-15T10:00:00Z"), at("2024-05-15T11:00:00Z"),
                            at("2024-05-15T12:00:00Z"));
        }

        @Test
        void boundaries_moreBucketsThanMax_returnsMaxBuckets() {
            assertThat(minute.boundaries(at("2024-05-15T10:00:00Z"), at("2024-05-15T11:00:00Z"), 3)).containsExactly(
                    at("2024-05-15T10:00:00Z"), at("2024-05-15T10:01:00Z"), at("2024-05-15T10:02:00Z"),
                    at("2024-05-15T10:03:00Z"));
        }

        @Test
        void boundaries_emptyRangeOrZeroMax_returnsOnlyTheStart() {
            assertThat(minute.boundaries(Instant.EPOCH, Instant.EPOCH, 10)).containsExactly(Instant.EPOCH);
            assertThat(minute.boundaries(Instant.EPOCH, at("1970-01-01T01:00:00Z"), 0)).containsExactly(Instant.EPOCH);
        }

        @Test
        void boundaries_acrossEpoch_areEvenlySpaced() {
            assertThat(hour.boundaries(at("1969-12-31T22:00:00Z"), at("1970-01-01T01:00:00Z"), 10)).containsExactly(
                    at("1969-12-31T22:00:00Z"), at("1969-12-31T23:00:00Z"), Instant.EPOCH, at("1970-01-01T01:00:00Z"));
        }

        @Test
        void widthMicros_hour_isMicroseconds() {
            assertThat(((FixedBucket) hour).widthMicros()).isEqualTo(3_600_000_000L);
        }

        @ParameterizedTest
        @CsvSource({"PT1S, PT1S", "PT1M, PT1M", "PT1M30S, PT1M30S", "P1D, PT24H", "P7D, PT168H", "pt5m, PT5M"})
        void spec_fixedWidth_roundTripsThroughParse(String text, String spec) {
            Bucket b = Bucket.parse(text);
            assertThat(b).isInstanceOf(FixedBucket.class);
            assertThat(b.spec()).isEqualTo(spec);
            assertThat(Bucket.parse(b.spec())).isEqualTo(b);
        }

        @Test
        void parse_limits_areAccepted() {
            assertThat(((FixedBucket) Bucket.parse("PT1S")).width()).isEqualTo(Duration.ofSeconds(1));
            assertThat(((FixedBucket) Bucket.parse("P7D")).width()).isEqualTo(Duration.ofDays(7));
        }

        @Test
        void parse_fixedWidthWithZone_failsBecauseFixedWidthsAreEpochAligned() {
            assertFails(() -> Bucket.parse("PT1H", "Europe/Vienna"), ErrorCode.INVALID_BUCKET, "PT1H",
                    "Europe/Vienna", "epoch");
            assertFails(() -> Bucket.parse("PT1M@Nowhere/Zone"), ErrorCode.INVALID_BUCKET, "Nowhere/Zone");
        }

        @ParameterizedTest
        @ValueSource(strings = {"PT0S", "PT0.5S", "PT1.5S", "P8D", "PT168H1S", "-PT1M"})
        void parse_widthOutOfRange_failsWithInvalidBucket(String text) {
            assertFails(() -> Bucket.parse(text), ErrorCode.INVALID_BUCKET, "PT1S", "P7D");
        }

        @ParameterizedTest
        @ValueSource(strings = {"garbage", "1h", "P1M", "P1W", "PT", "DAYS", "@UTC", "P99999999999999999999D"})
        void parse_garbage_failsWithInvalidBucketNamingTheText(String text) {
            assertFails(() -> Bucket.parse(text), ErrorCode.INVALID_BUCKET, "'" + text + "'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " "})
        void parse_missing_failsWithInvalidBucket(String text) {
            assertFails(() -> Bucket.parse(text), ErrorCode.INVALID_BUCKET, "missing");
            assertFails(() -> Bucket.parse(null), ErrorCode.INVALID_BUCKET, "missing");
        }

        @Test
        void constructor_nullWidth_failsWithInvalidBucket() {
            assertFails(() -> new FixedBucket(null), ErrorCode.INVALID_BUCKET);
        }
    }

    @Nested
    class CalendarUtc {
        private final Instant t = at("2024-05-15T10:00:00Z");

        @ParameterizedTest
        @CsvSource({
            "DAY,      2024-05-15T00:00:00Z, 2024-05-16T00:00:00Z",
            "ISO_WEEK, 2024-05-13T00:00:00Z, 2024-05-20T00:00:00Z",
            "MONTH,    2024-05-01T00:00:00Z, 2024-06-01T00:00:00Z",
            "QUARTER,  2024-04-01T00:00:00Z, 2024-07-01T00:00:00Z",
            "YEAR,     2024-01-01T00:00:00Z, 2025-01-01T00:00:00Z"})
        void floorAndNext_eachUnit_coverThePeriodHoldingT(CalendarUnit unit, String start, String end) {
            Bucket b = calendar(unit, "UTC");
            assertThat(b.floor(t)).isEqualTo(at(start));
            assertThat(b.next(b.floor(t))).isEqualTo(at(end));
            assertThat(b.floor(at(start))).isEqualTo(at(start));
            assertThat(b.floor(at(end).minusNanos(1))).isEqualTo(at(start));
        }

        @Test
        void floor_isoWeekAcrossNewYear_startsOnMondayOfThePreviousYear() {
            Bucket week = calendar(CalendarUnit.ISO_WEEK, "UTC");
            assertThat(week.floor(at("2021-01-01T12:00:00Z"))).isEqualTo(at("2020-12-28T00:00:00Z"));
            assertThat(week.next(at("2020-12-28T00:00:00Z"))).isEqualTo(at("2021-01-04T00:00:00Z"));
        }

        @ParameterizedTest
        @CsvSource({"2024-01-15T00:00:00Z, 2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z, 2024-01-01T00:00:00Z",
            "2024-04-01T00:00:00Z, 2024-04-01T00:00:00Z", "2024-08-31T00:00:00Z, 2024-07-01T00:00:00Z",
            "2024-12-31T23:59:59Z, 2024-10-01T00:00:00Z"})
        void floor_quarter_startsInJanuaryAprilJulyOrOctober(String t, String start) {
            assertThat(calendar(CalendarUnit.QUARTER, "UTC").floor(at(t))).isEqualTo(at(start));
        }

        @Test
        void floor_beforeEpoch_usesTheCalendar() {
            assertThat(calendar(CalendarUnit.MONTH, "UTC").floor(at("1969-12-31T23:59:59Z")))
                    .isEqualTo(at("1969-12-01T00:00:00Z"));
            assertThat(calendar(CalendarUnit.YEAR, "UTC").floor(at("1900-06-01T00:00:00Z")))
                    .isEqualTo(at("1900-01-01T00:00:00Z"));
        }

        @Test
        void next_monthAfterJanuary_handlesShortAndLeapFebruary() {
            Bucket month = calendar(CalendarUnit.MONTH, "UTC");
            assertThat(month.next(at("2024-02-01T00:00:00Z"))).isEqualTo(at("2024-03-01T00:00:00Z"));
            assertThat(lengthOfBucketAt(month, at("2024-02-10T00:00:00Z"))).isEqualTo(Duration.ofDays(29));
            assertThat(lengthOfBucketAt(month, at("2023-02-10T00:00:00Z"))).isEqualTo(Duration.ofDays(28));
        }

        @Test
        void countBuckets_calendar_stepsThroughPeriods() {
            assertThat(calendar(CalendarUnit.MONTH, "UTC").countBuckets(at("2024-01-01T00:00:00Z"),
                    at("2025-01-01T00:00:00Z"))).isEqualTo(12);
            assertThat(calendar(CalendarUnit.DAY, "UTC").countBuckets(at("2024-01-01T00:00:00Z"),
                    at("2025-01-01T00:00:00Z"))).isEqualTo(366);
        }

        @Test
        void boundaries_calendarWithMax_stopsAtMaxBuckets() {
            assertThat(calendar(CalendarUnit.QUARTER, "UTC").boundaries(at("2024-02-10T00:00:00Z"),
                    at("2030-01-01T00:00:00Z"), 2)).containsExactly(at("2024-01-01T00:00:00Z"),
                    at("2024-04-01T00:00:00Z"), at("2024-07-01T00:00:00Z"));
        }
    }

    @Nested
    class CalendarZones {

        @Test
        void day_viennaSpringForward_lasts23Hours() {
            Bucket day = calendar(CalendarUnit.DAY, "Europe/Vienna");
            Instant t = at("2024-03-31T10:00:00Z");
            assertThat(day.floor(t)).isEqualTo(at("2024-03-30T23:00:00Z"));
            assertThat(day.next(day.floor(t))).isEqualTo(at("2024-03-31T22:00:00Z"));
            assertThat(dayLength("Europe/Vienna", "2024-03-31")).isEqualTo(Duration.ofHours(23));
        }

        @Test
        void day_viennaFallBack_lasts25Hours() {
            Bucket day = calendar(CalendarUnit.DAY, "Europe/Vienna");
            Instant t = at("2024-10-27T10:00:00Z");
            assertThat(day.floor(t)).isEqualTo(at("2024-10-26T22:00:00Z"));
            assertThat(day.next(day.floor(t))).isEqualTo(at("2024-10-27T23:00:00Z"));
            assertThat(dayLength("Europe/Vienna", "2024-10-27")).isEqualTo(Duration.ofHours(25));
        }

        @Test
        void day_viennaOrdinaryDays_last24Hours() {
            assertThat(dayLength("Europe/Vienna", "2024-03-30")).isEqualTo(Duration.ofHours(24));
            assertThat(dayLength("Europe/Vienna", "2024-04-01")).isEqualTo(Duration.ofHours(24));
            assertThat(dayLength("Europe/Vienna", "2024-07-01")).isEqualTo(Duration.ofHours(24));
        }

        @Test
        void day_viennaInstantsInTheRepeatedHour_fallInTheSameDay() {
            Bucket day = calendar(CalendarUnit.DAY, "Europe/Vienna");
            // 02:30 local happens twice on 2024-10-27: at 00:30Z (+02:00) and 01:30Z (+01:00).
            assertThat(day.floor(at("2024-10-27T00:30:00Z"))).isEqualTo(at("2024-10-26T22:00:00Z"));
            assertThat(day.floor(at("2024-10-27T01:30:00Z"))).isEqualTo(at("2024-10-26T22:00:00Z"));
        }

        @Test
        void month_viennaMarch_lacksAnHour() {
            Bucket month = calendar(CalendarUnit.MONTH, "Europe/Vienna");
            Instant t = at("2024-03-15T00:00:00Z");
            assertThat(month.floor(t)).isEqualTo(at("2024-02-29T23:00:00Z"));
            assertThat(month.next(month.floor(t))).isEqualTo(at("2024-03-31T22:00:00Z"));
            assertThat(lengthOfBucketAt(month, t)).isEqualTo(Duration.ofHours(31 * 24 - 1));
        }

        @Test
        void day_newYork_lasts23And25HoursAtTheTransitions() {
            Bucket day = calendar(CalendarUnit.DAY, "America/New_York");
            assertThat(day.floor(at("2024-03-10T12:00:00Z"))).isEqualTo(at("2024-03-10T05:00:00Z"));
            assertThat(dayLength("America/New_York", "2024-03-10")).isEqualTo(Duration.ofHours(23));
            assertThat(day.floor(at("2024-11-03T12:00:00Z"))).isEqualTo(at("2024-11-03T04:00:00Z"));
            assertThat(dayLength("America/New_York", "2024-11-03")).isEqualTo(Duration.ofHours(25));
        }

        @Test
        void day_kolkata_startsAtHalfPastSixUtc() {
            Bucket day = calendar(CalendarUnit.DAY, "Asia/Kolkata");
            assertThat(day.floor(at("2024-05-15T18:29:59Z"))).isEqualTo(at("2024-05-14T18:30:00Z"));
            assertThat(day.floor(at("2024-05-15T18:30:00Z"))).isEqualTo(at("2024-05-15T18:30:00Z"));
            assertThat(dayLength("Asia/Kolkata", "2024-05-15")).isEqualTo(Duration.ofHours(24));
        }

        @Test
        void day_lordHowe_shiftsByHalfAnHourAtTheTransitions() {
            Bucket day = calendar(CalendarUnit.DAY, "Australia/Lord_Howe");
            // DST ends 2024-04-07 02:00 (+11:00 → +10:30); starts 2024-10-06 02:00 (+10:30 → +11:00).
            assertThat(day.floor(at("2024-04-07T01:00:00Z"))).isEqualTo(at("2024-04-06T13:00:00Z"));
            assertThat(dayLength("Australia/Lord_Howe", "2024-04-07")).isEqualTo(Duration.ofMinutes(24 * 60 + 30));
            assertThat(day.floor(at("2024-10-06T01:00:00Z"))).isEqualTo(at("2024-10-05T13:30:00Z"));
            assertThat(dayLength("Australia/Lord_Howe", "2024-10-06")).isEqualTo(Duration.ofMinutes(23 * 60 + 30));
        }

        @Test
        void day_saoPauloMidnightInDstGap_startsAtTheFirstValidInstant() {
            // 2018-11-04: local clocks jumped from 00:00 (-03:00) to 01:00 (-02:00), so that day has no midnight.
            ZoneId zone = ZoneId.of("America/Sao_Paulo");
            Bucket day = calendar(CalendarUnit.DAY, "America/Sao_Paulo");
            Instant start = day.floor(at("2018-11-04T12:00:00Z"));
            assertThat(start).isEqualTo(at("2018-11-04T03:00:00Z"));
            assertThat(start.atZone(zone).toLocalTime()).isEqualTo(LocalTime.of(1, 0));
            assertThat(day.next(start)).isEqualTo(at("2018-11-05T02:00:00Z"));
            assertThat(dayLength("America/Sao_Paulo", "2018-11-04")).isEqualTo(Duration.ofHours(23));
            // The day before ends exactly where the gap day begins.
            assertThat(day.next(day.floor(at("2018-11-03T12:00:00Z")))).isEqualTo(start);
            assertThat(day.floor(start.minusNanos(1))).isEqualTo(at("2018-11-03T03:00:00Z"));
        }

        @Test
        void day_havanaMidnightInDstGap_startsAtOneOClock() {
            // 2024-03-10: Cuba moves from 00:00 (-05:00) straight to 01:00 (-04:00).
            Bucket day = calendar(CalendarUnit.DAY, "America/Havana");
            Instant start = day.floor(at("2024-03-10T12:00:00Z"));
            assertThat(start).isEqualTo(at("2024-03-10T05:00:00Z"));
            assertThat(start.atZone(ZoneId.of("America/Havana")).toLocalTime()).isEqualTo(LocalTime.of(1, 0));
            assertThat(dayLength("America/Havana", "2024-03-10")).isEqualTo(Duration.ofHours(23));
            assertThat(dayLength("America/Havana", "2024-11-03")).isEqualTo(Duration.ofHours(25));
        }

        @Test
        void isoWeek_saoPauloWeekHoldingTheGapDay_lasts167Hours() {
            // Monday 2018-10-29 to Sunday 2018-11-04; the Sunday lost an hour to the gap.
            Bucket week = calendar(CalendarUnit.ISO_WEEK, "America/Sao_Paulo");
            assertThat(week.floor(at("2018-11-01T12:00:00Z"))).isEqualTo(at("2018-10-29T03:00:00Z"));
            assertThat(lengthOfBucketAt(week, at("2018-11-01T12:00:00Z"))).isEqualTo(Duration.ofHours(7 * 24 - 1));
        }

        @Test
        void day_clocksGoBackAcrossMidnight_instantsOfTheRepeatedEveningBelongToTheLaterDay() {
            // Regression: St. John's 1987–2010 went back from 00:01 (-02:30) to 23:01 (-03:30) the previous day, so
            // local dates repeat. floor(t) must still return the latest boundary not after t.
            Bucket day = calendar(CalendarUnit.DAY, "America/St_Johns");
            Instant t = at("1987-10-25T03:00:00Z"); // 1987-10-24T23:30-03:30, after 1987-10-25 began at 02:30Z
            assertThat(day.floor(t)).isEqualTo(at("1987-10-25T02:30:00Z"));
            assertThat(day.next(day.floor(t))).isEqualTo(at("1987-10-26T03:30:00Z"));
            assertThat(day.floor(t)).isBeforeOrEqualTo(t);
            assertThat(day.next(day.floor(t))).isAfter(t);
            assertThat(dayLength("America/St_Johns", "1987-10-25")).isEqualTo(Duration.ofHours(25));
        }

        @Test
        void parse_unitAndZone_buildsCalendarBucket() {
            assertThat(Bucket.parse("DAY", "Europe/Vienna")).isEqualTo(calendar(CalendarUnit.DAY, "Europe/Vienna"));
            assertThat(Bucket.parse("day@Europe/Vienna")).isEqualTo(calendar(CalendarUnit.DAY, "Europe/Vienna"));
            assertThat(Bucket.parse("iso_week", "Asia/Kolkata"))
                    .isEqualTo(calendar(CalendarUnit.ISO_WEEK, "Asia/Kolkata"));
        }

        @Test
        void parse_unitWithoutZone_usesUtc() {
            assertThat(Bucket.parse("MONTH")).isEqualTo(calendar(CalendarUnit.MONTH, "UTC"));
            assertThat(Bucket.parse("MONTH", " ")).isEqualTo(calendar(CalendarUnit.MONTH, "UTC"));
        }

        @ParameterizedTest
        @CsvSource({"DAY, UTC", "ISO_WEEK, Europe/Vienna", "MONTH, America/New_York", "QUARTER, Asia/Kolkata",
            "YEAR, Australia/Lord_Howe", "DAY, America/Sao_Paulo", "DAY, +05:30"})
        void spec_calendar_roundTripsThroughParse(CalendarUnit unit, String zone) {
            Bucket b = calendar(unit, zone);
            assertThat(b.spec()).isEqualTo(unit.name() + "@" + zone);
            assertThat(Bucket.parse(b.spec())).isEqualTo(b);
            assertThat(Bucket.parse(b.spec(), "UTC")).as("the zone in the spec wins").isEqualTo(b);
        }

        @ParameterizedTest
        @ValueSource(strings = {"Mars/Olympus_Mons", "Europe/Wien", "utc+25", "Not a zone"})
        void parse_unknownZone_failsWithUnknownTimeZoneNamingIt(String zone) {
            assertFails(() -> Bucket.parse("DAY", zone), ErrorCode.UNKNOWN_TIME_ZONE, "'" + zone + "'");
            assertFails(() -> Bucket.parse("DAY@" + zone), ErrorCode.UNKNOWN_TIME_ZONE, "'" + zone + "'");
        }

        @Test
        void parse_atSignWithoutZone_failsWithUnknownTimeZone() {
            assertFails(() -> Bucket.parse("DAY@"), ErrorCode.UNKNOWN_TIME_ZONE, "DAY@");
        }
    }
}
