package io.tidemark.live;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Micros;
import io.tidemark.core.TidemarkException;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/** SQL value semantics on the engine's cell values: Long, Double, Boolean, String, Long micros for timestamps. */
final class Values {
    private Values() {}

    /** Orders non-null values of one comparable type; numbers compare by value whatever their Java type. */
    static int compare(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof Number x && b instanceof Number y) {
            double dx = x.doubleValue();
            double dy = y.doubleValue();
            return dx < dy ? -1 : dx > dy ? 1 : 0;
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        throw new IllegalStateException("incomparable values " + a + " and " + b);
    }

    /** Nulls last, both directions, as DuckDB orders by default. */
    static final Comparator<Object> NULLS_LAST = (a, b) -> a == null ? (b == null ? 0 : 1) : b == null ? -1 : compare(a, b);

    /** Compares lists of values element by element, nulls last. */
    static final Comparator<List<Object>> LISTS = (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
            int c = NULLS_LAST.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    /** Equality of result values: numbers by value, so a change of Java type alone is no change. */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof Number && b instanceof Number) {
            return compare(a, b) == 0;
        }
        return a.equals(b);
    }

    static boolean sameLists(List<Object> a, List<Object> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!same(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    static Object arith(char op, Object a, Object b) {
        if (a == null || b == null) {
            return null;
        }
        if (op == '/') {
            return ((Number) a).doubleValue() / ((Number) b).doubleValue();
        }
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return switch (op) {
                    case '+' -> Math.addExact(x, y);
                    case '-' -> Math.subtractExact(x, y);
                    default -> Math.multiplyExact(x, y);
                };
            } catch (ArithmeticException e) {
                throw new TidemarkException(ErrorCode.INVALID_QUERY,
                        "BIGINT overflow in " + x + " " + op + " " + y + "; cast to DOUBLE by multiplying with 1.0");
            }
        }
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        return switch (op) {
            case '+' -> x + y;
            case '-' -> x - y;
            default -> x * y;
        };
    }

    /** A SQL LIKE pattern ({@code %} any run, {@code _} one character, no escape) as a regular expression. */
    static Pattern likePattern(String like) {
        StringBuilder re = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < like.length(); i++) {
            char c = like.charAt(i);
            if (c != '%' && c != '_') {
                lit.append(c);
                continue;
            }
            if (lit.length() > 0) {
                re.append(Pattern.quote(lit.toString()));
                lit.setLength(0);
            }
            re.append(c == '%' ? ".*" : ".");
        }
        if (lit.length() > 0) {
            re.append(Pattern.quote(lit.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /** Converts an internal cell to the value a client sees: timestamps become Instants. */
    static Object external(Object v, io.tidemark.core.ColumnType type) {
        if (v instanceof Long micros && type == io.tidemark.core.ColumnType.TIMESTAMP) {
            return Micros.fromMicros(micros);
        }
        return v;
    }
}
