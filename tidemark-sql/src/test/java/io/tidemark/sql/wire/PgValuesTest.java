package io.tidemark.sql.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.sql.SqlType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The text forms of float8 and timestamptz against PostgreSQL's own: every expected string below is what PostgreSQL
 * 14 (the embedded zonky binaries the suite uses) printed for the value with {@code TimeZone = 'UTC'},
 * {@code DateStyle = 'ISO, MDY'} and {@code extra_float_digits = 1} — the settings the endpoint reports — collected
 * with {@code SELECT x::float8::text} and {@code SELECT 't'::timestamptz::text, extract(epoch from …)}.
 */
class PgValuesTest {

    @Test
    void float8_text_isPostgresText() {
        Map<Double, String> postgres = new LinkedHashMap<>();
        postgres.put(0.0, "0");
        postgres.put(-0.0, "-0");
        postgres.put(Double.NaN, "NaN");
        postgres.put(Double.POSITIVE_INFINITY, "Infinity");
        postgres.put(Double.NEGATIVE_INFINITY, "-Infinity");
        postgres.put(1.0, "1");
        postgres.put(-1.0, "-1");
        postgres.put(1.5, "1.5");
        postgres.put(0.1, "0.1");
        postgres.put(0.3, "0.3");
        postgres.put(1.0 / 3, "0.3333333333333333");
        postgres.put(2.0 / 3, "0.6666666666666666");
        postgres.put(100.0, "100");
        postgres.put(1e7, "10000000");
        postgres.put(12345678.9, "12345678.9");
        postgres.put(123456.789, "123456.789");
        postgres.put(4.35, "4.35");
        postgres.put(20.000000000000004, "20.000000000000004");
        postgres.put(123456789012345.0, "123456789012345");
        postgres.put(999999999999999.0, "999999999999999");
        postgres.put(1e15, "1e+15");
        postgres.put(1e22, "1e+22");
        postgres.put(9.999999999999999e22, "9.999999999999999e+22");
        postgres.put(1e100, "1e+100");
        postgres.put(1e-4, "0.0001");
        postgres.put(1.5e-4, "0.00015");
        postgres.put(1.2345e-4, "0.00012345");
        postgres.put(1e-5, "1e-05");
        postgres.put(-2.5e-7, "-2.5e-07");
        postgres.put(-1.23456e-8, "-1.23456e-08");
        postgres.put(1.2345e-300, "1.2345e-300");
        postgres.put(Double.MAX_VALUE, "1.7976931348623157e+308");
        postgres.put(Double.MIN_NORMAL, "2.2250738585072014e-308");
        postgres.forEach((value, text) -> {
            assertThat(PgValues.float8(value)).as("%s", value).isEqualTo(text);
            assertThat(PgValues.appendFloat8(new StringBuilder("x"), value).toString()).isEqualTo("x" + text);
        });
    }

    /**
     * Where JDK 17's {@link Double#toString(double)} is not the shortest form (PostgreSQL: {@code 5e-324},
     * {@code 1.2345678901234568e+18}), the text is longer than PostgreSQL's but still reads back as the same double.
     */
    @Test
    void float8_text_readsBackExactly_alsoWhereLongerThanPostgres() {
        assertThat(PgValues.float8(Double.MIN_VALUE)).isEqualTo("4.9e-324");
        assertThat(PgValues.float8(1234567890123456789.0)).isEqualTo("1.23456789012345677e+18");
        Random random = new Random(12);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            double value = i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian() * 1e6;
            String text = PgValues.float8(value);
            boolean readsBack = Double.isNaN(value) ? text.equals("NaN")
                    : Double.compare(Double.parseDouble(text), value) == 0;
            if (!readsBack || text.contains("E") || text.endsWith(".")) {
                wrong.add(value + " as " + text);
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void timestamptz_text_isPostgresText() {
        Map<Instant, String> postgres = new LinkedHashMap<>();
        postgres.put(Instant.ofEpochSecond(946684800L), "2000-01-01 00:00:00+00");
        postgres.put(Instant.ofEpochSecond(1709210096L, 120_000_000), "2024-02-29 12:34:56.12+00");
        postgres.put(Instant.ofEpochSecond(-1L, 999_999_000), "1969-12-31 23:59:59.999999+00");
        postgres.put(Instant.ofEpochSecond(0L, 1_000), "1970-01-01 00:00:00.000001+00");
        postgres.put(Instant.ofEpochSecond(-30610224001L), "0999-12-31 23:59:59+00");
        postgres.put(Instant.ofEpochSecond(-62135596800L), "0001-01-01 00:00:00+00");
        postgres.put(Instant.ofEpochSecond(-62135596801L, 500_000_000), "0001-12-31 23:59:59.5+00 BC");
        postgres.put(Instant.ofEpochSecond(-63517824000L), "0044-03-15 00:00:00+00 BC");
        postgres.put(Instant.ofEpochSecond(-210863520000L), "4713-01-01 00:00:00+00 BC");
        postgres.put(Instant.ofEpochSecond(-2203891200L), "1900-03-01 00:00:00+00");
        postgres.put(Instant.ofEpochSecond(4107538800L), "2100-02-28 23:00:00+00");
        postgres.put(Instant.ofEpochSecond(253402300799L, 999_999_000), "9999-12-31 23:59:59.999999+00");
        postgres.put(Instant.ofEpochSecond(327416976550L), "12345-06-07 08:09:10+00");
        postgres.forEach((instant, text) -> assertThat(PgValues.timestamptz(instant)).as("%s", instant)
                .isEqualTo(text));
    }

    @Test
    void timestamptz_text_dropsNanosecondsBelowTheMicrosecond() throws Exception {
        assertThat(PgValues.text(SqlType.TIMESTAMPTZ, Instant.ofEpochSecond(946684800L, 1_999))).isEqualTo(
                "2000-01-01 00:00:00.000001+00");
    }

    /** Every eleventh day from 1422 to 2654 against java.time's calendar (the same proleptic Gregorian calendar). */
    @Test
    void timestamptz_text_agreesWithJavaTime_overCenturies() {
        List<String> wrong = new ArrayList<>();
        for (long day = -200_000; day < 250_000; day += 11) {
            long second = day * 86_400 + 3_723;
            java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
            String expected = date + " 01:02:03+00";
            String text = PgValues.timestamptz(Instant.ofEpochSecond(second));
            if (!text.equals(expected)) {
                wrong.add(text + " for " + expected);
            }
        }
        assertThat(wrong).isEmpty();
    }
}
