package io.tidemark.server.ingest.fast;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.SampleBatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * InfluxDB line protocol read straight from a body's bytes into one validated {@link SampleBatch} per measurement:
 * no {@code String} per number, field or line; a measurement and tag set seen before costs a hash and a compare. The
 * rules (escaping, types, timestamps, the rtId) are those of docs/ingest.md, "InfluxDB line protocol". Unlike the
 * NDJSON and CSV fast paths this is the only reader of its format; its oracle is {@code LineProtocolOracleTest}, an
 * independent encoder in the tests. A body of {@value Halves#MIN_BYTES} bytes or more is read in two halves at once
 * (the second half is dropped and the body read on one thread when the split fell inside a string).
 */
public final class LineProtocol {
    /** Errors reported per body; the read stops at this many. */
    public static final int MAX_ERRORS = 10;

    private LineProtocol() {}

    /** A timestamp precision: the unit of the timestamps of a body. */
    public enum Precision {
        NANOSECONDS(0),
        MICROSECONDS(1),
        MILLISECONDS(1_000),
        SECONDS(1_000_000),
        MINUTES(60_000_000),
        HOURS(3_600_000_000L);

        /** Microseconds per unit; 0 for nanoseconds (divided, not multiplied). */
        private final long micros;

        Precision(long micros) {
            this.micros = micros;
        }

        /**
         * The timestamp {@code v} in this unit as epoch microseconds, nanoseconds truncated towards the past.
         *
         * @throws ArithmeticException when it lies beyond the {@code long} range of microseconds
         */
        public long toMicros(long v) {
            if (micros == 0) {
                return Math.floorDiv(v, 1000L);
            }
            return micros == 1 ? v : Math.multiplyExact(v, micros);
        }

        /** The {@code precision} parameter of {@code /api/v2/write} ({@code ns}, {@code us}, {@code ms}, {@code s}); null for none. */
        public static Precision v2(String text) {
            return switch (text == null ? "ns" : text) {
                case "ns" -> NANOSECONDS;
                case "us" -> MICROSECONDS;
                case "ms" -> MILLISECONDS;
                case "s" -> SECONDS;
                default -> null;
            };
        }

        /** The {@code precision} parameter of the v1 {@code /write} (v2's and {@code n}, {@code u}, {@code m}, {@code h}); null for none. */
        public static Precision v1(String text) {
            return switch (text == null ? "ns" : text) {
                case "n" -> NANOSECONDS;
                case "u" -> MICROSECONDS;
                case "m" -> MINUTES;
                case "h" -> HOURS;
                default -> v2(text);
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Where a measurement's lines go. Called once per distinct measurement of a body, from the threads reading it
     * (two for a large body): must be thread-safe. A runtime exception (the store unavailable …) ends the read.
     */
    @FunctionalInterface
    public interface Archives {
        Resolution resolve(String measurement);
    }

    /**
     * What a measurement maps to: an archive (its definition as the lines are validated against it), an archive to
     * create from the first line's fields, or nothing, with the reason reported for each of its lines.
     *
     * @param rtIdTag the tag whose value is the rtId; null for the canonical tag set {@code k1=v1,k2=v2}
     */
    public record Resolution(ArchiveDefinition archive, boolean create, String rtIdTag, String refusal) {
        public static Resolution archive(ArchiveDefinition archive, String rtIdTag) {
            return new Resolution(archive, false, rtIdTag, null);
        }

        /** No archive yet: one is defined from the fields of the measurement's first line, and the rest must fit it. */
        public static Resolution create(String rtIdTag) {
            return new Resolution(null, true, rtIdTag, null);
        }

        public static Resolution refused(String reason) {
            return new Resolution(null, false, null, reason);
        }
    }

    /**
     * One problem with a line.
     *
     * @param line the 1-based line of the body the point starts on; 0 for the body as a whole
     * @param measurement the line's measurement, or null when it has none or it was not read
     * @param field the offending field, tag, {@code rtId} or {@code timestamp}; null for the line as a whole
     */
    public record Error(int line, String measurement, String field, String reason) {}

    /**
     * The lines of one measurement, validated.
     *
     * @param create whether the archive is to be created with {@code batch.archive()} as its definition
     */
    public record Measurement(String name, boolean create, SampleBatch batch) {}

    /**
     * What a body held: every measurement's batch when there are no errors; else up to {@value #MAX_ERRORS} errors by
     * line, and no batches.
     *
     * @param points the points (data lines) read
     * @param malformed whether an error is a syntax error (rather than a value the archive refused)
     */
    public record Parsed(List<Measurement> measurements, List<Error> errors, int points, boolean malformed) {}

    /**
     * Reads the complete body {@code body[0, length)}.
     *
     * @param defaultMicros the timestamp of lines without one (the receive time), epoch microseconds
     * @param limits the batch limits; more than {@code limits.maxRows()} points is {@code TOO_LARGE}, thrown
     */
    public static Parsed read(byte[] body, int length, Archives archives, Precision precision, long defaultMicros,
            BatchLimits limits) {
        Map<String, Resolution> seen = new ConcurrentHashMap<>();
        Archives once = m -> seen.computeIfAbsent(m, archives::resolve);
        List<LineParser> parts = Halves.split(body, 0, length, (from, to) -> {
            LineParser p = new LineParser(body, from, to, once, precision, defaultMicros, limits);
            p.run();
            return p;
        });
        if (parts.size() == 2 && !joinable(parts.get(0), parts.get(1))) {
            LineParser whole = new LineParser(body, 0, length, once, precision, defaultMicros, limits);
            whole.run();
            parts = List.of(whole);
        }
        int points = 0;
        for (LineParser p : parts) {
            points += p.points();
        }
        if (points > limits.maxRows()) {
            throw BatchLimits.tooManyRows(limits.maxRows());
        }
        return finish(parts, points);
    }

    /**
     * Whether the second half was read from a line's start with the definitions the first half used: not when the
     * first ended inside a string (the split fell into a string with a line feed) or the second defined an archive
     * to create (the first line of the body defines it).
     */
    private static boolean joinable(LineParser first, LineParser second) {
        return !first.endedInString() && second.targets().stream().noneMatch(t -> t.create);
    }

    private static Parsed finish(List<LineParser> parts, int points) {
        List<Error> errors = new ArrayList<>();
        boolean malformed = false;
        Map<String, List<SampleBatch>> batches = new LinkedHashMap<>();
        Map<String, Boolean> create = new LinkedHashMap<>();
        int offset = 0;
        for (LineParser p : parts) {
            for (Error e : p.errors()) {
                errors.add(e.line() == 0 ? e : new Error(e.line() + offset, e.measurement(), e.field(), e.reason()));
            }
            malformed |= p.malformed();
            for (LineTarget t : p.targets()) {
                if (t.rows == null) {
                    continue;
                }
                create.merge(t.measurement, t.create, Boolean::logicalOr);
                try {
                    SampleBatch b = t.rows.build();
                    batches.computeIfAbsent(t.measurement, k -> new ArrayList<>()).add(b);
                } catch (BatchRejectedException e) {
                    for (BatchRejectedException.RowError r : e.errors()) {
                        int line = t.lineOf(r.row());
                        errors.add(new Error(line == 0 ? 0 : line + offset, t.measurement, r.column(), r.reason()));
                    }
                }
            }
            if (p.errors().size() >= MAX_ERRORS) {
                break; // the read stopped there: later lines were not read, nor numbered
            }
            offset += p.endLine() - 1;
        }
        if (!errors.isEmpty()) {
            errors.sort(Comparator.comparingInt(Error::line));
            return new Parsed(List.of(), List.copyOf(errors.subList(0, Math.min(MAX_ERRORS, errors.size()))), points,
                    malformed);
        }
        List<Measurement> out = new ArrayList<>();
        batches.forEach((m, list) -> out.add(new Measurement(m, create.get(m), SampleBatch.concat(list))));
        return new Parsed(out, List.of(), points, false);
    }
}
