package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Tenant SQL's time functions mean the same on every engine (docs/sql.md "Time functions"): each query goes through
 * the guard with the store's {@link TenantSql#functions()} and runs on the engine, and every answer is compared with
 * java.time, for fixed instants across DST changes (Europe/Berlin, America/New_York), month and year ends, ISO weeks,
 * the epoch, and times before the origin.
 */
abstract class TimeFunctionsContract {
    static final TenantId T = TenantId.of("acme");
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    /** The instants, numbered by their position ({@code n}). */
    static final List<Instant> INSTANTS = List.of(
            // Europe/Berlin: spring forward 2024-03-31 01:00Z (02:00 → 03:00), fall back 2024-10-27 01:00Z
            Instant.parse("2024-03-30T23:30:00Z"), Instant.parse("2024-03-31T00:59:59.999999Z"),
            Instant.parse("2024-03-31T01:00:00Z"), Instant.parse("2024-03-31T01:45:10.25Z"),
            Instant.parse("2024-10-26T23:59:00Z"), Instant.parse("2024-10-27T00:30:00Z"),
            Instant.parse("2024-10-27T01:30:00Z"), Instant.parse("2024-10-27T02:00:00Z"),
            // America/New_York: spring forward 2024-03-10 07:00Z, fall back 2024-11-03 06:00Z
            Instant.parse("2024-03-10T04:59:59Z"), Instant.parse("2024-03-10T06:30:00Z"),
            Instant.parse("2024-03-10T07:30:00Z"), Instant.parse("2024-11-03T05:30:00Z"),
            Instant.parse("2024-11-03T06:30:00Z"), Instant.parse("2024-11-04T04:59:59Z"),
            // months, years, ISO weeks (2024-12-30 is in week 1 of 2025; 2021-01-03 in week 53 of 2020)
            Instant.parse("2024-02-29T23:59:59.999999Z"), Instant.parse("2024-12-31T23:59:59Z"),
            Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2024-12-30T12:00:00Z"),
            Instant.parse("2021-01-03T18:00:00Z"), Instant.parse("2023-07-15T09:41:07.123456Z"),
            // the epoch, the default origins (2000-01-01, Monday 2000-01-03) and before them
            Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59.5Z"),
            Instant.parse("1969-05-17T10:00:00Z"), Instant.parse("1999-12-31T23:59:59Z"),
            Instant.parse("2000-01-02T12:00:00Z"), Instant.parse("2000-01-03T00:00:00Z"));

    protected Store store;
    private SqlGuard guard;

    protected abstract Store newStore();

    @BeforeEach
    void open() {
        store = newStore();
        store.createTenant(T);
        ArchiveDefinition def = ArchiveDefinition.raw("t", List.of(new Column("n", ColumnType.BIGINT)));
        store.archives().createArchive(T, def);
        store.archives().activateArchive(T, "t");
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < INSTANTS.size(); i++) {
            samples.add(new Sample("r", INSTANTS.get(i), Map.of("n", (long) i)));
        }
        store.archives().write(T, "t", samples);
        SqlCatalog catalog = SqlCatalog.of(T.value(), List.of(SqlTable.of(def)));
        guard = SqlGuard.of(catalog, t -> store.sql().relation(T, def), store.sql().functions());
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** The first column of each row, ordered by {@code n}, for an expression over {@code "timestamp"} as ts. */
    private List<Object> column(String expression, Object... binds) {
        String sql = "SELECT " + expression.replace("ts", "\"timestamp\"") + " AS v FROM t ORDER BY n";
        return rows(sql, binds).stream().map(r -> r.get(0)).toList();
    }

    private List<List<Object>> rows(String sql, Object... binds) {
        GuardedStatement.Query q = (GuardedStatement.Query) guard.check(sql).get(0);
        List<Object> ordered = new ArrayList<>();
        for (int n : q.parameters()) {
            ordered.add(binds[n - 1]);
        }
        try (SqlRows rows = store.sql().query(T, new SqlQuery(q.sql(), ordered, TIMEOUT, 100))) {
            List<List<Object>> out = new ArrayList<>();
            while (rows.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 0; i < rows.columns().size(); i++) {
                    row.add(rows.get(i));
                }
                out.add(row);
            }
            return out;
        } catch (RuntimeException e) {
            throw new AssertionError(sql + "\n  ran as: " + q.sql(), e);
        }
    }

    private static List<Object> expected(Function<Instant, Object> f) {
        return INSTANTS.stream().map(f).toList();
    }

    private static Instant utc(LocalDateTime wall) {
        return wall.toInstant(ZoneOffset.UTC);
    }

    private static LocalDateTime wall(Instant t, ZoneId zone) {
        return LocalDateTime.ofInstant(t, zone);
    }

    /** Truncation of a wall clock, as date_trunc: weeks start on Monday. */
    private static LocalDateTime trunc(LocalDateTime w, String unit) {
        return switch (unit) {
            case "second" -> w.truncatedTo(ChronoUnit.SECONDS);
            case "minute" -> w.truncatedTo(ChronoUnit.MINUTES);
            case "hour" -> w.truncatedTo(ChronoUnit.HOURS);
            case "day" -> w.truncatedTo(ChronoUnit.DAYS);
            case "week" -> w.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "month" -> w.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
            case "quarter" -> w.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1)
                    .withMonth((w.getMonthValue() - 1) / 3 * 3 + 1);
            case "year" -> w.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1);
            default -> throw new IllegalArgumentException(unit);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"second", "minute", "hour", "day", "week", "month", "quarter", "year"})
    void dateTrunc_inUtc_truncatesTheUtcWallClock(String unit) {
        assertThat(column("date_trunc('" + unit + "', ts)"))
                .isEqualTo(expected(t -> utc(trunc(wall(t, ZoneOffset.UTC), unit))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Europe/Berlin", "America/New_York", "Asia/Kolkata"})
    void dateTrunc_inAZone_truncatesTheZonesWallClock(String zoneName) {
        ZoneId zone = ZoneId.of(zoneName);
        for (String unit : List.of("minute", "hour", "day", "week", "month", "year")) {
            List<Object> expected = expected(t -> {
                ZonedDateTime z = t.atZone(zone);
                if (List.of("minute", "hour").contains(unit)) {
                    // below a day the instant keeps its offset: subtract what truncation removes from the wall clock
                    Duration cut = Duration.between(trunc(z.toLocalDateTime(), unit), z.toLocalDateTime());
                    return t.minus(cut);
                }
                return ZonedDateTime.ofLocal(trunc(z.toLocalDateTime(), unit), zone, null).toInstant();
            });
            assertThat(column("date_trunc('" + unit + "', ts, '" + zoneName + "')")).as(unit).isEqualTo(expected);
        }
    }

    @Test
    void dateTrunc_zoneAsParameter_isTheSame() {
        assertThat(column("date_trunc('day', ts, ?)", "Europe/Berlin"))
                .isEqualTo(column("date_trunc('day', ts, 'Europe/Berlin')"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"15 minutes", "1 hour", "3 days", "7 days", "90 seconds"})
    void dateBin_floorsFromTheOrigin_beforeItToo(String stride) {
        Instant origin = Instant.parse("1970-01-01T00:07:00Z");
        long width = stride(stride).toNanos() / 1000;
        assertThat(column("date_bin(INTERVAL '" + stride + "', ts, TIMESTAMP '1970-01-01 00:07:00')"))
                .isEqualTo(expected(t -> floor(t, origin, width)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"15 minutes", "1 hour", "1 day", "7 days"})
    void timeBucket_withoutMonths_countsFromMonday20000103(String width) {
        long w = stride(width).toNanos() / 1000;
        Instant origin = Instant.parse("2000-01-03T00:00:00Z");
        assertThat(column("time_bucket(INTERVAL '" + width + "', ts)")).isEqualTo(expected(t -> floor(t, origin, w)));
        Instant other = Instant.parse("2024-10-27T00:10:00Z");
        assertThat(column("time_bucket(INTERVAL '" + width + "', ts, TIMESTAMP '2024-10-27 00:10:00')"))
                .isEqualTo(expected(t -> floor(t, other, w)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 12, 14})
    void timeBucket_wholeMonths_startOnTheFirstCountedFromTheOriginsMonth(int months) {
        String width = "INTERVAL '" + months + " months'";
        assertThat(column("time_bucket(" + width + ", ts)")).isEqualTo(expected(t -> monthBucket(t, 2000, 1, months)));
        assertThat(column("time_bucket(" + width + ", ts, TIMESTAMP '2000-02-20 05:00:00')"))
                .isEqualTo(expected(t -> monthBucket(t, 2000, 2, months)));
    }

    @Test
    void timeBucket_widthAsParameter_isTheSame() {
        assertThat(column("time_bucket(?, ts)", "1 hour")).isEqualTo(column("time_bucket(INTERVAL '1 hour', ts)"));
        assertThat(column("time_bucket(?, ts)", "2 months")).isEqualTo(column("time_bucket(INTERVAL '2 months', ts)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Europe/Berlin", "America/New_York", "UTC"})
    void atTimeZone_givesTheWallClock_andTwiceTheInstantAgain(String zoneName) {
        ZoneId zone = ZoneId.of(zoneName);
        assertThat(column("ts AT TIME ZONE '" + zoneName + "'")).isEqualTo(expected(t -> utc(wall(t, zone))));
        assertThat(column("timezone('" + zoneName + "', ts)")).isEqualTo(expected(t -> utc(wall(t, zone))));
        // a wall clock that a DST change repeats is read as the zone's standard time (the later instant)
        assertThat(column("ts AT TIME ZONE '" + zoneName + "' AT TIME ZONE '" + zoneName + "'")).isEqualTo(expected(
                t -> ZonedDateTime.ofLocal(wall(t, zone), zone, null).withLaterOffsetAtOverlap().toInstant()));
        assertThat(column("(ts AT TIME ZONE '" + zoneName + "') AT TIME ZONE 'UTC'"))
                .isEqualTo(column("ts AT TIME ZONE '" + zoneName + "' AT TIME ZONE 'UTC'"));
    }

    @Test
    void extract_fields_asBigintOrDoubleInUtc() {
        Map<String, Function<Instant, Object>> fields = Map.ofEntries(
                Map.entry("epoch", t -> t.getEpochSecond() + t.getNano() / 1e9),
                Map.entry("year", t -> (long) wall(t, ZoneOffset.UTC).getYear()),
                Map.entry("quarter", t -> (long) (wall(t, ZoneOffset.UTC).getMonthValue() + 2) / 3),
                Map.entry("month", t -> (long) wall(t, ZoneOffset.UTC).getMonthValue()),
                Map.entry("week", t -> (long) wall(t, ZoneOffset.UTC).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                Map.entry("isoyear", t -> (long) wall(t, ZoneOffset.UTC).get(IsoFields.WEEK_BASED_YEAR)),
                Map.entry("day", t -> (long) wall(t, ZoneOffset.UTC).getDayOfMonth()),
                Map.entry("doy", t -> (long) wall(t, ZoneOffset.UTC).getDayOfYear()),
                Map.entry("dow", t -> (long) wall(t, ZoneOffset.UTC).getDayOfWeek().getValue() % 7),
                Map.entry("isodow", t -> (long) wall(t, ZoneOffset.UTC).getDayOfWeek().getValue()),
                Map.entry("hour", t -> (long) wall(t, ZoneOffset.UTC).getHour()),
                Map.entry("minute", t -> (long) wall(t, ZoneOffset.UTC).getMinute()),
                Map.entry("second", t -> wall(t, ZoneOffset.UTC).getSecond() + t.getNano() / 1e9),
                Map.entry("milliseconds", t -> wall(t, ZoneOffset.UTC).getSecond() * 1e3 + t.getNano() / 1e6),
                Map.entry("microseconds", t -> wall(t, ZoneOffset.UTC).getSecond() * 1_000_000L + t.getNano() / 1000));
        fields.forEach((field, f) -> {
            assertThat(column("EXTRACT(" + field + " FROM ts)")).as(field).isEqualTo(expected(f));
            assertThat(column("date_part('" + field + "', ts)")).as(field).isEqualTo(expected(f));
        });
    }

    @Test
    void extract_ofTheWallClock_readsTheZonesFields() {
        assertThat(column("EXTRACT(hour FROM ts AT TIME ZONE 'America/New_York')"))
                .isEqualTo(expected(t -> (long) wall(t, NEW_YORK).getHour()));
        assertThat(column("EXTRACT(day FROM ts AT TIME ZONE 'Europe/Berlin')"))
                .isEqualTo(expected(t -> (long) wall(t, BERLIN).getDayOfMonth()));
    }

    @Test
    void extractEpoch_grafanasTimeGroup_floorsToTheInterval() {
        assertThat(column("floor(extract(epoch from ts)/300)*300")).isEqualTo(expected(
                t -> (double) Math.floorDiv(t.getEpochSecond(), 300) * 300));
    }

    @Test
    void now_isTheStatementsTimeAsUtcTimestamp_andToTimestampReadsEpochSeconds() {
        Instant before = Instant.now().minusSeconds(1);
        List<List<Object>> r = rows("SELECT now(), CURRENT_TIMESTAMP, to_timestamp(1700000000.5), "
                + "to_timestamp(?) FROM t LIMIT 1", 86400.0);
        Instant after = Instant.now().plusSeconds(1);
        assertThat((Instant) r.get(0).get(0)).isBetween(before, after);
        assertThat(r.get(0).get(1)).isEqualTo(r.get(0).get(0));
        assertThat(r.get(0).get(2)).isEqualTo(Instant.parse("2023-11-14T22:13:20.5Z"));
        assertThat(r.get(0).get(3)).isEqualTo(Instant.parse("1970-01-02T00:00:00Z"));
    }

    @Test
    void intervalLiterals_postgresSyntax_sameOnBothEngines() {
        assertThat(column("ts - INTERVAL '1 hour 30 minutes'")).isEqualTo(expected(t -> t.minusSeconds(5400)));
        assertThat(column("ts + INTERVAL '2 weeks'")).isEqualTo(expected(t -> t.plus(Duration.ofDays(14))));
    }

    private static Duration stride(String text) {
        String[] p = text.split(" ");
        long n = Long.parseLong(p[0]);
        return switch (p[1]) {
            case "seconds" -> Duration.ofSeconds(n);
            case "minutes" -> Duration.ofMinutes(n);
            case "hour" -> Duration.ofHours(n);
            case "day", "days" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException(text);
        };
    }

    private static Instant floor(Instant t, Instant origin, long widthMicros) {
        long d = ChronoUnit.MICROS.between(origin, t);
        return origin.plus(Math.floorDiv(d, widthMicros) * widthMicros, ChronoUnit.MICROS);
    }

    private static Instant monthBucket(Instant t, int originYear, int originMonth, int width) {
        LocalDateTime w = wall(t, ZoneOffset.UTC);
        long m = (w.getYear() * 12L + w.getMonthValue() - 1) - (originYear * 12L + originMonth - 1);
        long k = Math.floorDiv(m, width) * width;
        return utc(LocalDateTime.of(originYear, originMonth, 1, 0, 0).plusMonths(k));
    }
}
