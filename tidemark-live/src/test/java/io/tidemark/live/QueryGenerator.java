package io.tidemark.live;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random queries over {@link Samples#M} covering every supported construct: projections, arithmetic, comparisons,
 * AND / OR / NOT, IN, BETWEEN, IS NULL, LIKE, CASE, time windows, GROUP BY, COUNT(*) / COUNT / SUM / MIN / MAX /
 * AVG, CASE and FILTER conditional aggregates, HAVING, ORDER BY … LIMIT. Every ORDER BY ends in the result key, so
 * the rows a LIMIT keeps are determined and DuckDB must agree on them.
 */
public final class QueryGenerator {
    private final Random rnd;

    public QueryGenerator(Random rnd) {
        this.rnd = rnd;
    }

    public String next() {
        boolean latest = rnd.nextInt(4) == 0;
        return rnd.nextInt(5) < 3 ? aggregate(latest) : rows(latest);
    }

    private String table(boolean latest) {
        return latest ? "latest.m" : "recent.m";
    }

    private String where() {
        List<String> parts = new ArrayList<>();
        if (rnd.nextInt(3) == 0) {
            parts.add(window());
        }
        if (rnd.nextInt(3) > 0) {
            parts.add(predicate(2));
        }
        if (parts.isEmpty()) {
            return "";
        }
        java.util.Collections.shuffle(parts, rnd);
        return " WHERE " + String.join(" AND ", parts);
    }

    private String window() {
        int n = 3 + rnd.nextInt(40);
        String interval = rnd.nextBoolean() ? "INTERVAL '" + n + "' SECOND" : "INTERVAL '" + n + " seconds'";
        return switch (rnd.nextInt(3)) {
            case 0 -> "timestamp > now() - " + interval;
            case 1 -> "timestamp >= now() - " + interval;
            default -> "now() - " + interval + " < timestamp";
        };
    }

    String predicate(int depth) {
        int k = rnd.nextInt(depth > 0 ? 14 : 10);
        return switch (k) {
            case 0 -> "a " + cmp() + " " + dbl();
            case 1 -> "b " + cmp() + " " + (rnd.nextInt(25) - 5);
            case 2 -> "s " + pick("=", "<>", "<", ">=") + " '" + pick("ab", "b", "bc", "x") + "'";
            case 3 -> "b " + (rnd.nextBoolean() ? "NOT " : "") + "IN (" + (rnd.nextInt(10) - 2) + ", " + rnd.nextInt(20) + (rnd.nextInt(4) == 0 ? ", NULL" : "") + ")";
            case 4 -> "a " + (rnd.nextBoolean() ? "NOT " : "") + "BETWEEN " + dbl() + " AND " + dbl();
            case 5 -> pick("a", "b", "s", "f") + " IS " + (rnd.nextBoolean() ? "NOT " : "") + "NULL";
            case 6 -> "s " + (rnd.nextBoolean() ? "NOT " : "") + "LIKE '" + pick("a%", "%c", "_", "b_", "%") + "'";
            case 7 -> rnd.nextBoolean() ? "f" : "f = " + pick("TRUE", "FALSE");
            case 8 -> numeric() + " " + cmp() + " " + (rnd.nextInt(20) - 5);
            case 9 -> "rtId " + pick("=", "<>", "<") + " 'r" + rnd.nextInt(4) + "'";
            case 10 -> "NOT (" + predicate(depth - 1) + ")";
            case 11 -> "(" + predicate(depth - 1) + " OR " + predicate(depth - 1) + ")";
            case 12 -> "(" + predicate(depth - 1) + " AND " + predicate(depth - 1) + ")";
            default -> "CASE WHEN " + predicate(depth - 1) + " THEN b ELSE " + rnd.nextInt(5) + " END " + cmp() + " " + rnd.nextInt(10);
        };
    }

    private String numeric() {
        return switch (rnd.nextInt(6)) {
            case 0 -> "a + b";
            case 1 -> "b * 2 - 1";
            case 2 -> "a / 2";
            case 3 -> "-b";
            case 4 -> "(a - 1.5) * b";
            default -> "CASE s WHEN 'ab' THEN b WHEN 'x' THEN 1 ELSE a END";
        };
    }

    private String cmp() {
        return pick("=", "<>", "<", "<=", ">", ">=", "!=");
    }

    private String dbl() {
        return String.valueOf((rnd.nextInt(41) - 20) / 2.0);
    }

    private String pick(String... xs) {
        return xs[rnd.nextInt(xs.length)];
    }

    private String rows(boolean latest) {
        String select;
        if (rnd.nextInt(4) == 0) {
            select = "*";
        } else {
            List<String> items = new ArrayList<>();
            int n = 1 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                String e = pick("a", "b", "s", "f", "rtId", "timestamp", "a + b", "b * 2", "a / 2",
                        "CASE WHEN " + predicate(0) + " THEN 'yes' ELSE 'no' END", "-a", "b IS NULL");
                items.add(rnd.nextBoolean() ? e + " AS c" + i : e);
            }
            select = String.join(", ", items);
        }
        String sql = "SELECT " + select + " FROM " + table(latest) + where();
        if (rnd.nextInt(3) == 0) {
            String first = pick("a", "b", "s", "a + b", "timestamp");
            String dir = pick("", " ASC", " DESC", " DESC NULLS FIRST", " NULLS FIRST", " ASC NULLS LAST");
            sql += " ORDER BY " + first + dir + (latest ? ", rtId" : ", timestamp DESC, rtId") + " LIMIT " + (1 + rnd.nextInt(4));
        }
        return sql;
    }

    private String aggregate(boolean latest) {
        List<String> groups = new ArrayList<>();
        int g = rnd.nextInt(3);
        List<String> candidates = new ArrayList<>(List.of("rtId", "s", "f", "b", "CASE WHEN a > 0 THEN 'pos' ELSE 'neg' END"));
        java.util.Collections.shuffle(candidates, rnd);
        for (int i = 0; i < g; i++) {
            groups.add(candidates.get(i));
        }
        List<String> items = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            if (rnd.nextInt(5) > 0) {
                items.add(groups.get(i) + " AS g" + i);
            }
        }
        int n = 1 + rnd.nextInt(4);
        List<String> aggAliases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(aggregateCall() + " AS x" + i);
            aggAliases.add("x" + i);
        }
        String sql = "SELECT " + String.join(", ", items) + " FROM " + table(latest) + where();
        if (!groups.isEmpty()) {
            sql += " GROUP BY " + String.join(", ", groups);
        }
        if (rnd.nextInt(3) == 0) {
            sql += " HAVING " + pick("COUNT(*) > " + rnd.nextInt(3), "SUM(b) > " + rnd.nextInt(20), "MAX(a) < " + dbl(),
                    "MIN(s) <> 'x' OR COUNT(b) = 0", "AVG(a) >= " + dbl());
        }
        if (!groups.isEmpty() && rnd.nextInt(3) == 0) {
            String dir = pick("", " DESC", " DESC NULLS FIRST", " NULLS FIRST");
            sql += " ORDER BY " + aggAliases.get(rnd.nextInt(aggAliases.size())) + dir + ", " + String.join(", ", groups)
                    + " LIMIT " + (1 + rnd.nextInt(3));
        }
        return sql;
    }

    private String aggregateCall() {
        return switch (rnd.nextInt(13)) {
            case 0 -> "COUNT(*)";
            case 1 -> "COUNT(" + pick("a", "s", "f") + ")";
            case 2 -> "SUM(" + pick("a", "b", "a + b", "b * 2") + ")";
            case 3 -> "MIN(" + pick("a", "b", "s", "timestamp", "f") + ")";
            case 4 -> "MAX(" + pick("a", "b", "s", "timestamp", "rtId") + ")";
            case 5 -> "AVG(" + pick("a", "b") + ")";
            case 6 -> "SUM(CASE WHEN " + predicate(1) + " THEN 1 ELSE 0 END)";
            case 7 -> "COUNT(*) FILTER (WHERE " + predicate(1) + ")";
            case 8 -> "SUM(" + pick("a", "b") + ") FILTER (WHERE " + predicate(1) + ")";
            case 9 -> "MAX(b) FILTER (WHERE " + predicate(0) + ")";
            case 10 -> "SUM(b) + COUNT(*)";
            case 11 -> "MAX(a) - MIN(a)";
            default -> "COUNT(CASE WHEN " + predicate(0) + " THEN 1 END)";
        };
    }
}
