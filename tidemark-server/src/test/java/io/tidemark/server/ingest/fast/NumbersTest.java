package io.tidemark.server.ingest.fast;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Micros;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersTest {
    private final char[] scratch = new char[64];

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private double parse(String s) {
        byte[] b = ascii(s);
        Numbers.Decimal d = new Numbers.Decimal();
        assertThat(d.scan(b, 0, b.length, false)).as(s).isEqualTo(b.length);
        return d.toDouble(b, 0, b.length, scratch);
    }

    private static boolean isPlainDecimal(String s) {
        return new Numbers.Decimal().scan(ascii(s), 0, s.length(), false) == s.length();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0", "0.0", "-0.0", "1", "-1", "1.5", "0.1", "0.3", "20.123456789012345",
        "523.4560000000001", "9007199254740992", "9007199254740993", "9007199254740993.5", "123456789012345678",
        "1234567890123456789", "123456789012345678901234567890", "1e22", "1e23", "1e-22", "3e-23", "1E5", "1e+5",
        "2.5e-3", "1.7976931348623157e308", "1.8e308", "4.9e-324", "2e-324", "2.2250738585072014E-308", "1e400",
        "-1e400", "1e-400", "00001.5", "0.000000000000000000000000001", "1e00000000022", "123.456e-20"})
    void parseDouble_sameAsDoubleParseDouble(String s) {
        assertThat(Double.doubleToRawLongBits(parse(s))).as(s)
                .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(s)));
    }

    @Test
    void parseDouble_randomDecimals_sameAsDoubleParseDouble() {
        Random rnd = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder sb = new StringBuilder(rnd.nextBoolean() ? "-" : "");
            int digits = 1 + rnd.nextInt(20);
            int point = rnd.nextInt(digits + 1);
            for (int d = 0; d < digits; d++) {
                sb.append((char) ('0' + rnd.nextInt(10)));
                if (d == point - 1 && point < digits) {
                    sb.append('.');
                }
            }
            if (rnd.nextInt(4) == 0) {
                sb.append(rnd.nextBoolean() ? 'e' : 'E').append(rnd.nextBoolean() ? "-" : "").append(rnd.nextInt(40));
            }
            String s = sb.toString();
            assertThat(isPlainDecimal(s)).as(s).isTrue();
            assertThat(Double.doubleToRawLongBits(parse(s))).as(s)
                    .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(s)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", ".5", "1.", "+1", "1e", "1e+", "NaN", "Infinity", "0x1p3", "1d", " 1", "1 ", "1,5",
        "1.5.5", "--1"})
    void isPlainDecimal_refusesWhatTheFastPathLeavesToJava(String s) {
        assertThat(isPlainDecimal(s)).isFalse();
    }

    @Test
    void integers_valueDigitsAndForm() {
        Numbers.Decimal d = new Numbers.Decimal();
        byte[] b = ascii("-1735689600000,");
        assertThat(d.scan(b, 0, b.length, true)).isEqualTo(14);
        assertThat(d.integer()).isTrue();
        assertThat(d.intDigits()).isEqualTo(13);
        assertThat(d.toLong()).isEqualTo(-1735689600000L);
        b = ascii("999999999999999999");
        d.scan(b, 0, b.length, true);
        assertThat(d.intDigits()).isEqualTo(Numbers.MAX_LONG_DIGITS);
        assertThat(d.toLong()).isEqualTo(999_999_999_999_999_999L);
        b = ascii("0001735689600000");
        assertThat(d.scan(b, 0, b.length, false)).isEqualTo(b.length);
        assertThat(d.toLong()).isEqualTo(1735689600000L);
        assertThat(d.scan(b, 0, b.length, true)).as("JSON has no leading zeros").isEqualTo(-1);
        b = ascii("-0");
        assertThat(d.scan(b, 0, b.length, true)).isEqualTo(2);
        assertThat(d.toLong()).isZero();
        b = ascii("1.0");
        d.scan(b, 0, b.length, true);
        assertThat(d.integer()).isFalse();
        b = ascii("1e3");
        d.scan(b, 0, b.length, true);
        assertThat(d.integer()).isFalse();
        assertThat(d.scan(ascii("-"), 0, 1, true)).isEqualTo(-1);
        assertThat(d.scan(ascii("x"), 0, 1, false)).isEqualTo(-1);
        assertThat(Numbers.millisFitMicros(Long.MAX_VALUE / 1000)).isTrue();
        assertThat(Numbers.millisFitMicros(Long.MAX_VALUE / 1000 + 1)).isFalse();
        assertThat(Numbers.millisFitMicros(Long.MIN_VALUE / 1000 - 1)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-01-01T00:00:00Z", "2025-01-01T00:00:00.1Z", "2025-01-01T00:00:00.123456Z",
        "1969-12-31T23:59:59.999999Z", "2024-02-29T23:59:59.9Z"})
    void plainIsoMicros_onBytes_sameAsOnAString(String s) {
        byte[] b = ascii("x" + s + "y");
        long micros = PlainIso.plainIsoMicros(new Numbers.Ascii().of(b, 1, b.length - 1));
        assertThat(micros).isEqualTo(Micros.toMicros(Instant.parse(s)));
    }

    @Test
    void eightDigits_allDigitsOrNone() {
        Random rnd = new Random(3);
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[10];
            for (int k = 0; k < b.length; k++) {
                b[k] = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : (byte) ('0' + rnd.nextInt(10));
            }
            String s = new String(b, 1, 8, StandardCharsets.ISO_8859_1);
            int expected = s.chars().allMatch(c -> c >= '0' && c <= '9') ? Integer.parseInt(s) : -1;
            assertThat(Numbers.eightDigits(b, 1)).as(s).isEqualTo(expected);
        }
        assertThat(Numbers.eightDigits(ascii("99999999"), 0)).isEqualTo(99_999_999);
        assertThat(Numbers.eightDigits(ascii("00000000"), 0)).isZero();
        assertThat(Numbers.eightDigits(ascii("1234567/"), 0)).isEqualTo(-1);
        assertThat(Numbers.eightDigits(ascii("1234567:"), 0)).isEqualTo(-1);
    }
}
