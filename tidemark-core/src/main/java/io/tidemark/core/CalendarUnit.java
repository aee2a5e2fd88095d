package io.tidemark.core;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;

/** Calendar units of {@link CalendarBucket}s; each knows where its period starts and how to step to the next. */
public enum CalendarUnit {
    DAY {
        @Override
        LocalDate start(LocalDate d) {
            return d;
        }

        @Override
        LocalDate next(LocalDate start) {
            return start.plusDays(1);
        }
    },
    ISO_WEEK {
        @Override
        LocalDate start(LocalDate d) {
            return d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        }

        @Override
        LocalDate next(LocalDate start) {
            return start.plusWeeks(1);
        }
    },
    MONTH {
        @Override
        LocalDate start(LocalDate d) {
            return d.withDayOfMonth(1);
        }

        @Override
        LocalDate next(LocalDate start) {
            return start.plusMonths(1);
        }
    },
    QUARTER {
        @Override
        LocalDate start(LocalDate d) {
            int firstMonth = (d.getMonthValue() - 1) / 3 * 3 + 1;
            return LocalDate.of(d.getYear(), firstMonth, 1);
        }

        @Override
        LocalDate next(LocalDate start) {
            return start.plusMonths(3);
        }
    },
    YEAR {
        @Override
        LocalDate start(LocalDate d) {
            return d.withDayOfYear(1);
        }

        @Override
        LocalDate next(LocalDate start) {
            return start.plusYears(1);
        }
    };

    /** The first day of the period holding {@code d}. */
    abstract LocalDate start(LocalDate d);

    /** The first day of the period after the one starting at {@code start}. */
    abstract LocalDate next(LocalDate start);

    static CalendarUnit find(String text) {
        for (CalendarUnit u : values()) {
            if (u.name().equalsIgnoreCase(text)) {
                return u;
            }
        }
        return null;
    }
}
