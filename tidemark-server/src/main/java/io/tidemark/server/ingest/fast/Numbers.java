package io.tidemark.server.ingest.fast;

import com.fasterxml.jackson.core.io.NumberInput;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Numbers and timestamps read straight from ASCII bytes of a body, for the fast paths ({@link FastNdjson},
 * {@link FastCsv}): no {@code String} per field, and the same values the Jackson path gives for the same text.
 */
final class Numbers {
    private Numbers() {}

    /** Powers of ten that a double holds exactly. */
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    /** Larger mantissas are not exact doubles. */
    private static final long MAX_EXACT = 1L << 53;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** Digits a long always holds. */
    static final int MAX_LONG_DIGITS = 18;

    private static double slow(byte[] b, int from, int to, char[] scratch) {
        int n = to - from;
        for (int k = 0; k < n; k++) {
            scratch[k] = (char) b[from + k];
        }
        return NumberInput.parseDouble(scratch, 0, n, true);
    }

    /** Whole epoch milliseconds as microseconds would overflow. */
    static boolean millisFitMicros(long ms) {
        return ms <= Long.MAX_VALUE / 1000 && ms >= Long.MIN_VALUE / 1000;
    }

    /**
     * One pass over a decimal number, {@code -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?}: {@link #scan} checks the form
     * and gathers the mantissa, {@link #toLong()} and {@link #toDouble} then give its value without reading the
     * digits again. Reused, not thread-safe.
     */
    static final class Decimal {
        private boolean neg;
        private long m;
        private int scale;
        private int intDigits;
        private boolean integer;
        /** More digits than a long holds (leading zeros count), or a long exponent: {@link #toDouble} asks Jackson. */
        private boolean big;

        /**
         * Reads the number starting at {@code from}, up to the first byte that cannot continue it; returns that
         * byte's index, or -1 when there is no number there. {@code json}: a leading zero may not be followed by
         * digits ({@code 0}, not {@code 007}).
         */
        int scan(byte[] b, int from, int to, boolean json) {
            int i = from;
            neg = i < to && b[i] == '-';
            if (neg) {
                i++;
            }
            long v = 0;
            int start = i;
            for (int d8; i + 8 <= to && (d8 = eightDigits(b, i)) >= 0; i += 8) {
                v = v * 100_000_000L + d8;
            }
            for (int c; i < to && (c = b[i] - '0') >= 0 && c <= 9; i++) {
                v = v * 10 + c;
            }
            intDigits = i - start;
            if (intDigits == 0 || json && intDigits > 1 && b[start] == '0') {
                return -1;
            }
            int fraction = 0;
            integer = true;
            if (i < to && b[i] == '.') {
                int f = ++i;
                for (int d8; i + 8 <= to && (d8 = eightDigits(b, i)) >= 0; i += 8) {
                    v = v * 100_000_000L + d8;
                }
                for (int c; i < to && (c = b[i] - '0') >= 0 && c <= 9; i++) {
                    v = v * 10 + c;
                }
                fraction = i - f;
                if (fraction == 0) {
                    return -1;
                }
                integer = false;
            }
            // Digits past a long's wrap the mantissa; then only the slow path's answer counts.
            big = intDigits + fraction > MAX_LONG_DIGITS;
            m = v;
            scale = -fraction;
            if (i < to && (b[i] | 0x20) == 'e') {
                i++;
                boolean negExp = i < to && b[i] == '-';
                if (i < to && (b[i] == '-' || b[i] == '+')) {
                    i++;
                }
                int e0 = i;
                int e = 0;
                for (int c; i < to && (c = b[i] - '0') >= 0 && c <= 9; i++) {
                    e = e * 10 + c;
                }
                if (i == e0) {
                    return -1;
                }
                big |= i - e0 > 5;
                scale += negExp ? -e : e;
                integer = false;
            }
            return i;
        }

        /** No fraction and no exponent. */
        boolean integer() {
            return integer;
        }

        /** Digits before any fraction, leading zeros included. */
        int intDigits() {
            return intDigits;
        }

        /** The value of an {@link #integer()} of at most {@value #MAX_LONG_DIGITS} digits. */
        long toLong() {
            return neg ? -m : m;
        }

        /**
         * The value of the number just scanned from {@code b[from, to)}, the same double as {@link
         * Double#parseDouble} (correctly rounded): with at most 18 digits, a mantissa up to 2<sup>53</sup> and a
         * decimal exponent within ±22, one exact division or multiplication (Clinger's fast path); anything else
         * through Jackson's {@link NumberInput#parseDouble(char[], int, int, boolean)} via {@code scratch} (at least
         * {@code to - from} long).
         */
        double toDouble(byte[] b, int from, int to, char[] scratch) {
            double d;
            if (big) {
                return slow(b, from, to, scratch);
            } else if (m == 0) {
                d = 0.0;
            } else if (m > MAX_EXACT || scale < -22 || scale > 22) {
                return slow(b, from, to, scratch);
            } else {
                d = scale < 0 ? m / POW10[-scale] : m * POW10[scale];
            }
            return neg ? -d : d;
        }
    }

    /**
     * The value of the eight ASCII digits at {@code b[i]} (the caller checks {@code i + 8 <= b.length}), or -1 when
     * one of them is no digit: eight bytes read and combined at once (the SWAR trick FastDoubleParser uses).
     */
    static int eightDigits(byte[] b, int i) {
        long chunk = (long) LONG_LE.get(b, i);
        long val = chunk - 0x3030303030303030L;
        if ((((chunk + 0x4646464646464646L) | val) & 0x8080808080808080L) != 0L) {
            return -1;
        }
        val = val * 10 + (val >>> 8);
        val = (((val & 0x000000FF000000FFL) * 0x000F424000000064L)
                + (((val >>> 16) & 0x000000FF000000FFL) * 0x0000271000000001L)) >>> 32;
        return (int) val;
    }

    /** ASCII bytes seen as characters, for {@link PlainIso#plainIsoMicros}; reused, not thread-safe. */
    static final class Ascii implements CharSequence {
        private byte[] b;
        private int from;
        private int length;

        Ascii of(byte[] bytes, int start, int end) {
            b = bytes;
            from = start;
            length = end - start;
            return this;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            return (char) b[from + index];
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new String(b, from + start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return new String(b, from, length, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
