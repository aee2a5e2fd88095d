package io.tidemark.server.ingest.fast;

/**
 * The plain UTC timestamp form {@code yyyy-MM-ddTHH:mm:ss[.f{1,6}]Z} read without an {@code Instant}: the form
 * sample bodies nearly always use. The fast paths read timestamps with it, and so do the reference readers before
 * they fall back to a full ISO-8601 parse, so both agree on this form by construction. Thread-safe (stateless).
 */
public final class PlainIso {
    private PlainIso() {}

    /**
     * The plain UTC form {@code yyyy-MM-ddTHH:mm:ss[.f{1,6}]Z} in epoch microseconds, without an {@code Instant};
     * {@link #NOT_PLAIN} for anything else (which the reference readers then parse as any ISO-8601 instant).
     */
    public static long plainIsoMicros(CharSequence s) {
        int len = s.length();
        if (len < 20 || len > 27 || s.charAt(len - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_PLAIN;
        }
        int y = digits(s, 0, 4);
        int mo = digits(s, 5, 2);
        int d = digits(s, 8, 2);
        int h = digits(s, 11, 2);
        int mi = digits(s, 14, 2);
        int sec = digits(s, 17, 2);
        if ((y | mo | d | h | mi | sec) < 0 || mo < 1 || mo > 12 || d < 1 || d > monthLength(y, mo) || h > 23
                || mi > 59 || sec > 59) {
            return NOT_PLAIN;
        }
        long frac = 0;
        if (len > 20) {
            int fd = len - 21;
            if (s.charAt(19) != '.' || fd < 1 || fd > 6) {
                return NOT_PLAIN;
            }
            int f = digits(s, 20, fd);
            if (f < 0) {
                return NOT_PLAIN;
            }
            frac = f;
            for (int i = fd; i < 6; i++) {
                frac *= 10;
            }
        } else if (s.charAt(19) != 'Z') {
            return NOT_PLAIN;
        }
        long days = epochDay(y, mo, d);
        return ((days * 24 + h) * 60 + mi) * 60_000_000L + sec * 1_000_000L + frac;
    }

    public static final long NOT_PLAIN = Long.MIN_VALUE;

    private static int digits(CharSequence s, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int monthLength(int y, int m) {
        return switch (m) {
            case 2 -> (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (y ≥ 0). */
    private static long epochDay(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
