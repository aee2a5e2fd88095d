package io.tidemark.client;

import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()} without the formatter, for the rows of a batch: the text of the last second is kept, so
 * rows sampled within one second cost a copy and their fraction. Not thread-safe; one per encoding.
 */
final class IsoInstant {
    private static final long MIN_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
    private static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z
    private final char[] buf = new char[30];
    private long second = Long.MIN_VALUE;

    /** The same text as {@code t.toString()}. */
    String format(Instant t) {
        long s = t.getEpochSecond();
        if (s < MIN_SECOND || s > MAX_SECOND) {
            return t.toString();
        }
        if (s != second) {
            prefix(s);
            second = s;
        }
        int nano = t.getNano();
        int len = 19;
        if (nano != 0) {
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
            int v = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
            buf[len++] = '.';
            for (int i = digits - 1; i >= 0; i--) {
                buf[len + i] = (char) ('0' + v % 10);
                v /= 10;
            }
            len += digits;
        }
        buf[len++] = 'Z';
        return new String(buf, 0, len);
    }

    private void prefix(long epochSecond) {
        long day = Math.floorDiv(epochSecond, 86_400);
        int secOfDay = (int) Math.floorMod(epochSecond, 86_400);
        LocalDate d = LocalDate.ofEpochDay(day);
        put(0, d.getYear(), 4);
        buf[4] = '-';
        put(5, d.getMonthValue(), 2);
        buf[7] = '-';
        put(8, d.getDayOfMonth(), 2);
        buf[10] = 'T';
        put(11, secOfDay / 3600, 2);
        buf[13] = ':';
        put(14, secOfDay / 60 % 60, 2);
        buf[16] = ':';
        put(17, secOfDay % 60, 2);
    }

    private void put(int at, int v, int width) {
        for (int i = width - 1; i >= 0; i--) {
            buf[at + i] = (char) ('0' + v % 10);
            v /= 10;
        }
    }
}
