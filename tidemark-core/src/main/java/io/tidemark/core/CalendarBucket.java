package io.tidemark.core;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * Calendar buckets in a time zone. A period starts at the first instant of its first local day
 * ({@link LocalDate#atStartOfDay(ZoneId)}), so a day in {@code Europe/Vienna} lasts 23, 24 or 25 hours, and a day
 * whose midnight falls in a DST gap starts at the first valid local time.
 */
public record CalendarBucket(CalendarUnit unit, ZoneId zone) implements Bucket {
    public CalendarBucket {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(zone, "zone");
    }

    @Override
    public Instant floor(Instant t) {
        // t's local time is never before the start of its own local day, even when midnight falls in a DST gap.
        Instant start = unit.start(t.atZone(zone).toLocalDate()).atStartOfDay(zone).toInstant();
        // But local dates can repeat: where clocks went back across midnight (St. John's 1987-2010, 00:01 -> 23:01
        // the day before), t may show yesterday's date after today's period has begun. It belongs to the later one.
        for (Instant next = next(start); !next.isAfter(t); next = next(start)) {
            start = next;
        }
        return start;
    }

    @Override
    public Instant next(Instant boundary) {
        LocalDate start = unit.start(boundary.atZone(zone).toLocalDate());
        return unit.next(start).atStartOfDay(zone).toInstant();
    }

    @Override
    public String spec() {
        return unit.name() + "@" + zone.getId();
    }
}
