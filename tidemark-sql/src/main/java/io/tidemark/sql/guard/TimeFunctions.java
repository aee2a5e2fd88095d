package io.tidemark.sql.guard;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;

/**
 * Replaces the time functions of a query by the store's rendering ({@link SqlFunctions}), one call at a time, after
 * their arguments are rewritten. The replacement prints its text when the statement is printed, not when it is
 * made, so that parameters inside an argument print with the numbers the guard gives them afterwards.
 */
final class TimeFunctions {
    /** Spellings {@code EXTRACT} and {@code date_part} accept besides {@link SqlFunctions#EXTRACT_FIELDS}. */
    private static final Map<String, String> FIELD_ALIASES = Map.of("millisecond", "milliseconds", "ms",
            "milliseconds", "microsecond", "microseconds", "us", "microseconds", "seconds", "second", "minutes",
            "minute", "hours", "hour", "days", "day", "months", "month", "years", "year");
    /** PostgreSQL's interval text: signed numbers each with a unit, optionally {@code ago}. */
    private static final Pattern INTERVAL = Pattern.compile("(?i)\\s*(?:[+-]?\\d+(?:\\.\\d+)?\\s*(?:microseconds?|"
            + "milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|"
            + "millennium|millennia)\\s*)+(?:ago\\s*)?");

    private final SqlFunctions f;

    TimeFunctions(SqlFunctions f) {
        this.f = f;
    }

    /**
     * An expression printed as the store's text. {@code wallClock} is true when its value is a wall-clock timestamp
     * (an odd number of {@code AT TIME ZONE}s), which the next {@code AT TIME ZONE} turns back into an instant.
     */
    static final class Rendered extends Column {
        private final transient Supplier<String> text;
        private final boolean wallClock;

        Rendered(Supplier<String> text, boolean wallClock) {
            super("rendered");
            this.text = text;
            this.wallClock = wallClock;
        }

        @Override
        public String toString() {
            return text.get();
        }

        @Override
        public StringBuilder appendTo(StringBuilder builder) {
            return builder.append(this);
        }
    }

    /** The replacement of a call of an allowed function, or {@code call} itself when it is not a time function. */
    Expression function(String name, Function call) {
        List<Expression> args = call.getParameters() == null ? List.of() : List.copyOf(call.getParameters());
        return switch (name) {
            case "date_trunc" -> dateTrunc(args);
            case "date_bin" -> {
                arity(name, args, 3, 3, "date_bin(stride, ts, origin)");
                requireNoMonths(args.get(0));
                yield rendered(() -> f.dateBin(text(args.get(0)), text(args.get(1)), text(args.get(2))));
            }
            case "time_bucket" -> {
                arity(name, args, 2, 3, "time_bucket(width, ts [, origin])");
                requireMonthsAlone(args.get(0));
                yield rendered(() -> f.timeBucket(text(args.get(0)), text(args.get(1)),
                        args.size() == 3 ? text(args.get(2)) : null));
            }
            case "now" -> {
                arity(name, args, 0, 0, "now()");
                yield now();
            }
            case "to_timestamp" -> {
                arity(name, args, 1, 1, "to_timestamp(seconds since the epoch)");
                yield rendered(() -> f.toTimestamp(text(args.get(0))));
            }
            case "date_part" -> {
                arity(name, args, 2, 2, "date_part('field', ts)");
                yield extract(literal(args.get(0), "date_part's field"), args.get(1));
            }
            case "timezone" -> {
                arity(name, args, 2, 2, "timezone(zone, ts)");
                yield atTimeZone(args.get(1), List.of(args.get(0)));
            }
            default -> call;
        };
    }

    /** {@code now()}, {@code CURRENT_TIMESTAMP}. */
    Expression now() {
        return rendered(f::now);
    }

    /** {@code left AT TIME ZONE z1 AT TIME ZONE z2 …}: instant to wall clock and back, alternately. */
    Expression atTimeZone(Expression left, List<Expression> zones) {
        Expression out = left;
        for (Expression zone : zones) {
            Expression value = out;
            boolean wall = wallClock(value);
            out = new Rendered(() -> wall ? f.wallClockToInstant(text(value), text(zone))
                    : f.atTimeZone(text(value), text(zone)), !wall);
        }
        return out;
    }

    /** {@code EXTRACT(field FROM x)}. */
    Expression extract(String written, Expression x) {
        String field = written.toLowerCase(Locale.ROOT);
        String canonical = FIELD_ALIASES.getOrDefault(field, field);
        if (!SqlFunctions.EXTRACT_FIELDS.contains(canonical)) {
            throw GuardException.refused("EXTRACT(" + written + " FROM …) is not allowed; fields: "
                    + SqlFunctions.EXTRACT_FIELDS);
        }
        return rendered(() -> f.extract(canonical, text(x)));
    }

    /**
     * Refuses interval literals other than PostgreSQL's {@code INTERVAL '5 minutes'} (numbers with units), which both
     * engines read alike: {@code INTERVAL 5 MINUTE} is not PostgreSQL's, and {@code '5m'} is read differently.
     */
    static void requirePostgresInterval(IntervalExpression i) {
        String p = i.getParameter();
        boolean ok = i.getIntervalType() == null && i.getExpression() == null && p != null && p.length() >= 2
                && p.startsWith("'") && p.endsWith("'") && INTERVAL.matcher(p.substring(1, p.length() - 1)).matches();
        if (!ok) {
            throw GuardException.refused("the interval " + i + " is not allowed: write INTERVAL '<number> <unit> …' "
                    + "with units microseconds, milliseconds, seconds, minutes, hours, days, weeks, months, years "
                    + "(e.g. INTERVAL '5 minutes', INTERVAL '1 hour 30 minutes')");
        }
    }

    private Expression dateTrunc(List<Expression> args) {
        arity("date_trunc", args, 2, 3, "date_trunc('unit', ts [, 'zone'])");
        String written = literal(args.get(0), "date_trunc's unit");
        String unit = written.toLowerCase(Locale.ROOT);
        unit = unit.equals("millisecond") || unit.equals("microsecond") ? unit + "s" : unit;
        if (!SqlFunctions.DATE_TRUNC_UNITS.contains(unit)) {
            throw GuardException.refused("date_trunc('" + written + "', …) is not allowed; units: "
                    + SqlFunctions.DATE_TRUNC_UNITS);
        }
        String u = unit;
        Expression ts = args.get(1);
        Expression zone = args.size() == 3 ? args.get(2) : null;
        return rendered(() -> f.dateTrunc(u, text(ts), zone == null ? null : text(zone)));
    }

    /** A {@code date_bin} stride with months cannot be binned on PostgreSQL; refused here when it is a literal. */
    private static void requireNoMonths(Expression stride) {
        if (stride instanceof IntervalExpression i && i.getParameter() != null
                && i.getParameter().toLowerCase(Locale.ROOT).matches(".*(month|year|decade|centur|millenni).*")) {
            throw GuardException.refused("date_bin with a stride of months or years (" + i + ") is not allowed: "
                    + "use time_bucket or date_trunc for calendar months");
        }
    }

    /**
     * A {@code time_bucket} width of months and days is refused when it is a literal (DuckDB refuses it; a bound
     * width is the engine's to refuse).
     */
    private static void requireMonthsAlone(Expression width) {
        if (width instanceof IntervalExpression i && i.getParameter() != null) {
            String p = i.getParameter().toLowerCase(Locale.ROOT);
            if (p.matches(".*(month|year|decade|centur|millenni).*")
                    && p.matches(".*(week|day|hour|minute|second|microsecond|millisecond).*")) {
                throw GuardException.refused("time_bucket with a width of months and smaller units (" + i
                        + ") is not allowed: a width is whole months (buckets start on the first of a month) or has "
                        + "no months");
            }
        }
    }

    private static boolean wallClock(Expression e) {
        Expression x = e;
        while (x instanceof ParenthesedExpressionList<?> p && p.size() == 1) {
            x = p.get(0);
        }
        return x instanceof Rendered r && r.wallClock;
    }

    private static Rendered rendered(Supplier<String> text) {
        return new Rendered(text, false);
    }

    private static String text(Expression e) {
        return e.toString();
    }

    private static String literal(Expression e, String what) {
        if (e instanceof StringValue s) {
            return s.getValue();
        }
        throw GuardException.refused(what + " must be a string literal ('hour', 'epoch', …), not " + e);
    }

    private static void arity(String name, List<Expression> args, int min, int max, String form) {
        if (args.size() < min || args.size() > max) {
            throw GuardException.refused(name + " with " + args.size() + " arguments is not allowed; write " + form);
        }
    }
}
