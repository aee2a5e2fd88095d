package io.tidemark.server.oracle;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random read-only queries over a fixed schema — two raw archives ({@link #ALPHA}, {@link #BETA}) and an hourly rollup
 * of the first ({@link #ALPHA_1H}) — each in two independent texts: the Tidemark SQL a client sends, and the engine's
 * own SQL over the physical tables (raw tables by their engine names, the rollup through a hand-written reader
 * expression, time functions in the engine's native form), which must answer the same rows. Every query orders by
 * all its output columns, keys first, so its answer is one list of rows. Reusable by any path that sends Tidemark SQL
 * (the store, the wire protocol).
 *
 * <p>The grammar avoids what the engines answer differently by design, not by bug (docs/sql.md, "Arithmetic"):
 * rounding a double half-way with {@code round}, division by zero, a sum of bigints divided
 * (numeric on PostgreSQL, a 128-bit integer on DuckDB), text ordering beyond lower-case letters and digits
 * (collations). Integer division ({@code /} between bigints, truncating) is in: tenant SQL divides alike on both
 * engines, and the direct DuckDB text writes it {@code //}.
 */
public final class SqlQueryGrammar {
    /** The engines an engine text is written for. */
    public enum Engine {
        DUCKDB, POSTGRES
    }

    public static final String TENANT = "acme";
    public static final ArchiveDefinition ALPHA = ArchiveDefinition.raw("alpha", List.of(
            new Column("d", ColumnType.DOUBLE), new Column("l", ColumnType.BIGINT),
            new Column("b", ColumnType.BOOLEAN), new Column("s", ColumnType.VARCHAR)));
    public static final ArchiveDefinition BETA = ArchiveDefinition.raw("beta", List.of(
            new Column("d2", ColumnType.DOUBLE), new Column("l2", ColumnType.BIGINT)));
    public static final RollupDefinition ALPHA_1H = RollupDefinition.builder("alpha_1h").source("alpha")
            .bucket("PT1H").aggregate(AggregateFunction.AVG, "d", "avg_d").aggregate(AggregateFunction.MAX, "l",
                    "max_l").aggregate(AggregateFunction.MIN, "d", "min_d").aggregate(AggregateFunction.SUM, "l",
                    "sum_l").aggregate(AggregateFunction.COUNT, "d", "count_d").build();
    /** The rtIds of the data: lower-case letters and digits, ordered alike under every collation. */
    public static final List<String> RT_IDS = List.of("r0", "r1", "r2", "r3", "r4", "r5");
    public static final List<String> WORDS = List.of("alpha", "beta", "gamma", "delta", "a1", "b2");
    /** The windows the data's timestamps fall in: DST changes in Berlin and New York, a month end. */
    public static final List<Instant> WINDOWS = List.of(Instant.parse("2024-02-29T21:00:00Z"),
            Instant.parse("2024-03-09T22:00:00Z"), Instant.parse("2024-10-26T20:00:00Z"));
    public static final Duration WINDOW = Duration.ofHours(12);

    /**
     * One generated query.
     *
     * @param userSql Tidemark SQL, parameters as {@code ?} or as {@code $1, $2, …} in text order
     * @param binds one per {@code ?}, in order, the same for both texts: {@link Double}, {@link Long}, {@link String}
     *     or {@link Instant} (an engine binds an instant as its UTC {@code TIMESTAMP})
     */
    public record GeneratedQuery(String userSql, String duckDbSql, String postgresSql, List<Object> binds) {
        private static final Pattern TABLE = Pattern.compile("\\$\\{([a-z0-9_]+)}");

        /**
         * The engine's own text over a store's default names: {@code "acme"."alpha"} on PostgreSQL,
         * {@code "tidemark"."acme"."alpha"} on DuckDB (the catalog of {@code StoreConfig.embedded}'s
         * {@code tidemark.duckdb}).
         */
        public String engineSql(Engine engine) {
            String prefix = engine == Engine.DUCKDB ? "\"tidemark\"." : "";
            return engineSql(engine, t -> prefix + "\"" + TENANT + "\".\"" + t + "\"");
        }

        /**
         * The engine's own text.
         *
         * @param table the engine's qualified name of a tenant table ({@code "acme"."alpha"})
         */
        public String engineSql(Engine engine, Function<String, String> table) {
            String sql = engine == Engine.DUCKDB ? duckDbSql : postgresSql;
            Matcher m = TABLE.matcher(sql);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(table.apply(m.group(1))));
            }
            m.appendTail(out);
            return out.toString();
        }
    }

    /** A fragment in the three texts. */
    private record F(String user, String duck, String pg) {
        static F same(String s) {
            return new F(s, s, s);
        }

        F then(F o) {
            return new F(user + o.user, duck + o.duck, pg + o.pg);
        }

        F then(String s) {
            return then(same(s));
        }
    }

    /** The query under construction: its binds, in text order. */
    private static final class Builder {
        final Random r;
        final List<Object> binds = new ArrayList<>();
        /** Whether the Tidemark SQL numbers its parameters ({@code $1}) rather than {@code ?}. */
        final boolean dollar;
        /** The output columns of the last grouped query made. */
        int groupedColumns;

        Builder(Random r) {
            this.r = r;
            this.dollar = r.nextInt(3) == 0;
        }

        F bind(Object value) {
            binds.add(value);
            return new F(dollar ? "$" + binds.size() : "?", "?", "?");
        }

        <T> T pick(List<T> options) {
            return options.get(r.nextInt(options.size()));
        }
    }

    /** The next query. */
    public GeneratedQuery next(Random random) {
        Builder q = new Builder(random);
        F f = switch (random.nextInt(9)) {
            case 0 -> projection(q);
            case 1 -> q.r.nextBoolean() ? projection(q) : distinct(q);
            case 2, 3 -> grouped(q, true);
            case 4 -> rollupGrouped(q);
            case 5 -> window(q);
            case 6 -> with(q);
            case 7 -> unionAll(q);
            default -> join(q);
        };
        return new GeneratedQuery(f.user, f.duck, f.pg, q.binds);
    }

    // ---- shapes -------------------------------------------------------------------------------------------------

    private F projection(Builder q) {
        boolean rollup = q.r.nextInt(4) == 0;
        List<F> cols = new ArrayList<>(List.of(F.same("x.\"timestamp\""), F.same("x.\"rtId\"")));
        int n = 1 + q.r.nextInt(4);
        for (int i = 0; i < n; i++) {
            cols.add(rollup ? rollupValue(q) : rawValue(q));
        }
        F sql = F.same("SELECT ").then(list(cols)).then(" FROM ").then(rollup ? rollupTable() : table("alpha"))
                .then(" AS x");
        sql = where(q, sql, rollup);
        return limit(q, sql.then(orderByAll(cols.size())));
    }

    private F distinct(Builder q) {
        List<F> cols = new ArrayList<>(List.of(F.same("x.\"rtId\""), q.pick(List.of(F.same("x.s"), F.same("x.b"),
                timeKeyOf(q, "x")))));
        F sql = F.same("SELECT DISTINCT ").then(list(cols)).then(" FROM ").then(table("alpha")).then(" AS x");
        return limit(q, where(q, sql, false).then(orderByAll(cols.size())));
    }

    private F grouped(Builder q, boolean limit) {
        List<F> keys = new ArrayList<>();
        keys.add(timeKey(q));
        if (q.r.nextBoolean()) {
            keys.add(F.same("x.\"rtId\""));
        }
        List<F> aggs = new ArrayList<>(List.of(F.same("count(*)")));
        int n = q.r.nextInt(4);
        for (int i = 0; i < n; i++) {
            aggs.add(q.pick(List.of(F.same("count(x.d)"), F.same("sum(x.d)"), F.same("avg(x.d)"),
                    F.same("min(x.l)"), F.same("max(x.l)"), F.same("min(x.s)"), F.same("max(x.s)"),
                    F.same("bool_or(x.b)"), F.same("sum(x.d * 2 + x.l)"), F.same("avg(CAST(x.l AS DOUBLE PRECISION))"),
                    F.same("count(DISTINCT x.s)"), F.same("count(*) FILTER (WHERE x.d > 0)"),
                    integerDivision("count(x.l) / 2"))));
        }
        List<F> cols = new ArrayList<>(keys);
        cols.addAll(aggs);
        q.groupedColumns = cols.size();
        F sql = F.same("SELECT ").then(aliased(cols, keys.size())).then(" FROM ").then(table("alpha")).then(" AS x");
        sql = where(q, sql, false);
        sql = sql.then(" GROUP BY ").then(list(keys));
        if (q.r.nextInt(3) == 0) {
            sql = sql.then(" HAVING count(*) > ").then(q.bind((long) q.r.nextInt(4)));
        }
        if (!limit) {
            return sql;
        }
        F order = orderByAll(cols.size());
        if (q.r.nextBoolean()) {
            order = F.same(" ORDER BY ").then(keys.get(0)).then(", ").then(new F(order.user.substring(10),
                    order.duck.substring(10), order.pg.substring(10)));
        }
        return limit(q, sql.then(order));
    }

    private F rollupGrouped(Builder q) {
        List<F> keys = new ArrayList<>(List.of(q.pick(List.of(dateTruncDayBerlin("x"), F.same("date_trunc('day', "
                + "x.\"timestamp\")"), timeBucket("x", "6 hours")))));
        if (q.r.nextBoolean()) {
            keys.add(F.same("x.\"rtId\""));
        }
        List<F> cols = new ArrayList<>(keys);
        cols.addAll(List.of(F.same("sum(x.count_d)"), F.same("max(x.max_l)"), F.same("min(x.min_d)"),
                F.same("sum(x.sum_l)"), F.same("count(x.avg_d)")));
        F sql = F.same("SELECT ").then(list(cols)).then(" FROM ").then(rollupTable()).then(" AS x");
        sql = where(q, sql, true).then(" GROUP BY ").then(list(keys));
        return limit(q, sql.then(orderByAll(cols.size())));
    }

    private F window(Builder q) {
        String over = " OVER (PARTITION BY x.\"rtId\" ORDER BY x.\"timestamp\")";
        List<F> cols = new ArrayList<>(List.of(F.same("x.\"timestamp\""), F.same("x.\"rtId\""), F.same("x.d")));
        cols.add(q.pick(List.of(F.same("row_number()" + over), F.same("lag(x.l)" + over),
                F.same("lead(x.s, 1, 'none')" + over), F.same("count(x.d) OVER (PARTITION BY x.\"rtId\")"),
                F.same("sum(x.l) OVER (PARTITION BY x.\"rtId\" ORDER BY x.\"timestamp\" ROWS BETWEEN 2 PRECEDING "
                        + "AND CURRENT ROW)"), F.same("rank() OVER (PARTITION BY x.\"rtId\" ORDER BY x.l)"))));
        F sql = F.same("SELECT ").then(list(cols)).then(" FROM ").then(table("alpha")).then(" AS x");
        return limit(q, where(q, sql, false).then(orderByAll(cols.size())));
    }

    private F with(Builder q) {
        F inner = grouped(q, false);
        F sql = F.same("WITH g AS (").then(inner).then(") SELECT * FROM g");
        if (q.r.nextBoolean()) {
            sql = sql.then(" WHERE g.c1 > ").then(q.bind((long) q.r.nextInt(3)));
        }
        return limit(q, sql.then(orderByAll(q.groupedColumns)));
    }

    private F unionAll(Builder q) {
        F raw = F.same("SELECT x.\"timestamp\", x.\"rtId\", 'raw' AS src, x.d AS v FROM ").then(table("alpha"))
                .then(" AS x");
        raw = where(q, raw, false);
        F rolled = F.same("SELECT x.\"timestamp\", x.\"rtId\", 'rollup', x.avg_d FROM ").then(rollupTable())
                .then(" AS x");
        rolled = where(q, rolled, true);
        return limit(q, raw.then(" UNION ALL ").then(rolled).then(orderByAll(4)));
    }

    private F join(Builder q) {
        boolean left = q.r.nextBoolean();
        List<F> cols = new ArrayList<>(List.of(F.same("x.\"timestamp\""), F.same("x.\"rtId\""), F.same("x.d"),
                F.same("y.d2"), F.same("x.l + y.l2"), F.same("COALESCE(y.d2, x.d, 0)")));
        F sql = F.same("SELECT ").then(list(cols)).then(" FROM ").then(table("alpha")).then(" AS x ")
                .then(left ? "LEFT JOIN " : "JOIN ").then(table("beta")).then(" AS y ON x.\"timestamp\" = "
                        + "y.\"timestamp\" AND x.\"rtId\" = y.\"rtId\"");
        return limit(q, where(q, sql, false).then(orderByAll(cols.size())));
    }

    // ---- parts ------------------------------------------------------------------------------------------------

    private F rawValue(Builder q) {
        if (q.r.nextInt(10) == 0) {
            return parameterValue(q);
        }
        return q.pick(List.of(F.same("x.d"), F.same("x.l"), F.same("x.b"), F.same("x.s"), F.same("x.d * 2 + 1"),
                F.same("x.l + 3"), F.same("x.l * x.l - x.l"), F.same("-x.d"),
                F.same("CASE WHEN x.d > 0 THEN 'pos' WHEN x.d < 0 THEN 'neg' ELSE 'zero' END"),
                F.same("CASE x.s WHEN 'alpha' THEN 1 WHEN 'beta' THEN 2 ELSE 0 END"), F.same("COALESCE(x.d, 0)"),
                F.same("COALESCE(x.s, 'none')"), F.same("COALESCE(x.l, -1)"),
                F.same("CAST(x.l AS DOUBLE PRECISION) / 4"), F.same("CAST(floor(x.d) AS BIGINT)"),
                F.same("x.d IS NULL"), F.same("x.s || '!'"), F.same("abs(x.d)"), F.same("x.l % 7"),
                F.same("CAST(x.l AS VARCHAR)"), F.same("NOT x.b"), F.same("x.d > 0"), timeKeyOf(q, "x"),
                zoned(q), integerDivision("x.l / 7"), integerDivision("x.l * 10 / -3")));
    }

    /** {@code /} between integers: the direct DuckDB text (a connection with DuckDB's defaults) writes {@code //}. */
    private static F integerDivision(String sql) {
        return new F(sql, sql.replace(" / ", " // "), sql);
    }

    /**
     * A parameter in the select list: alone (its type is the bound value's: bigint or text) or in arithmetic. Made
     * apart from {@link #rawValue}'s list, whose every option is built before one is picked.
     */
    private F parameterValue(Builder q) {
        return switch (q.r.nextInt(3)) {
            case 0 -> q.bind((long) q.r.nextInt(100));
            case 1 -> q.bind(q.pick(WORDS));
            default -> F.same("x.l + ").then(q.bind((long) q.r.nextInt(100)));
        };
    }

    /**
     * A date or an instant ({@code timestamptz}) made from the timestamp: what the engines answer in other types than
     * {@code TIMESTAMP}, and what the session's time zone would change if it were not UTC. The engine texts go
     * through UTC explicitly.
     */
    private F zoned(Builder q) {
        String ts = "x.\"timestamp\"";
        String tz = "CAST(" + ts + " AS TIMESTAMP WITH TIME ZONE)";
        return switch (q.r.nextInt(4)) {
            case 0 -> new F(ts + "::date", "CAST(" + ts + " AS DATE)", "CAST(" + ts + " AS DATE)");
            case 1 -> new F(tz, "timezone('UTC', " + ts + ")", "(" + ts + " AT TIME ZONE 'UTC')");
            case 2 -> new F("EXTRACT(hour FROM " + tz + ")", "hour(" + ts + ")", "extract(hour FROM " + ts + ")");
            default -> new F("date_trunc('day', " + tz + ")", "CAST(date_trunc('day', " + ts + ") AS TIMESTAMP)",
                    "date_trunc('day', " + ts + ")");
        };
    }

    private F rollupValue(Builder q) {
        return q.pick(List.of(F.same("x.avg_d"), F.same("x.max_l"), F.same("x.min_d"), F.same("x.sum_l"),
                F.same("x.count_d"), F.same("x.avg_d * x.count_d"), F.same("COALESCE(x.avg_d, -1)"),
                F.same("x.max_l - x.sum_l")));
    }

    /** A grouping key over time: a time function with the engines' native forms. */
    private F timeKey(Builder q) {
        return timeKeyOf(q, "x");
    }

    private F timeKeyOf(Builder q, String x) {
        String ts = x + ".\"timestamp\"";
        return switch (q.r.nextInt(9)) {
            case 0 -> timeBucket(x, "1 hour");
            case 1 -> timeBucket(x, "1 day");
            case 2 -> new F("time_bucket(INTERVAL '1 month', " + ts + ")", "time_bucket(INTERVAL '1 month', " + ts
                    + ")", "date_trunc('month', " + ts + ")");
            case 3 -> F.same("date_trunc('hour', " + ts + ")");
            case 4 -> dateTruncDayBerlin(x);
            case 5 -> new F("date_bin(INTERVAL '15 minutes', " + ts + ", TIMESTAMP '2024-01-01 00:05:00')",
                    "time_bucket(INTERVAL '15 minutes', " + ts + ", TIMESTAMP '2024-01-01 00:05:00')",
                    "date_bin(INTERVAL '15 minutes', " + ts + ", TIMESTAMP '2024-01-01 00:05:00')");
            case 6 -> new F("EXTRACT(hour FROM " + ts + " AT TIME ZONE 'America/New_York')",
                    "hour(timezone('America/New_York', timezone('UTC', " + ts + ")))",
                    "extract(hour FROM (" + ts + " AT TIME ZONE 'UTC') AT TIME ZONE 'America/New_York')");
            case 7 -> new F("floor(EXTRACT(epoch FROM " + ts + ") / 300) * 300", "floor(epoch(" + ts + ") / 300) * 300",
                    "floor(extract(epoch FROM " + ts + ") / 300) * 300");
            default -> new F(ts + " AT TIME ZONE 'Europe/Berlin'", "timezone('Europe/Berlin', timezone('UTC', " + ts
                    + "))", "(" + ts + " AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin'");
        };
    }

    private static F timeBucket(String x, String width) {
        String ts = x + ".\"timestamp\"";
        String fn = "time_bucket(INTERVAL '" + width + "', " + ts + ")";
        return new F(fn, fn, "date_bin(INTERVAL '" + width + "', " + ts + ", TIMESTAMP '2000-01-03 00:00:00')");
    }

    private static F dateTruncDayBerlin(String x) {
        String ts = x + ".\"timestamp\"";
        return new F("date_trunc('day', " + ts + ", 'Europe/Berlin')",
                "timezone('UTC', timezone('Europe/Berlin', date_trunc('day', timezone('Europe/Berlin', "
                        + "timezone('UTC', " + ts + ")))))",
                "(date_trunc('day', " + ts + " AT TIME ZONE 'UTC', 'Europe/Berlin') AT TIME ZONE 'UTC')");
    }

    /** Zero to three predicates, ANDed. */
    private F where(Builder q, F sql, boolean rollup) {
        int n = q.r.nextInt(4);
        if (n == 0) {
            return sql;
        }
        List<F> preds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            preds.add(predicate(q, rollup));
        }
        F out = sql.then(" WHERE ");
        for (int i = 0; i < preds.size(); i++) {
            out = out.then(i == 0 ? "" : " AND ").then(preds.get(i));
        }
        return out;
    }

    private F predicate(Builder q, boolean rollup) {
        switch (q.r.nextInt(rollup ? 3 : 13)) {
            case 0: {
                Instant from = q.pick(WINDOWS).plus(Duration.ofMinutes(q.r.nextInt(600)));
                F a = F.same("x.\"timestamp\" >= ").then(q.bind(from));
                return a.then(" AND x.\"timestamp\" < ").then(q.bind(from.plus(Duration.ofMinutes(30
                        + q.r.nextInt(400)))));
            }
            case 1: {
                F a = F.same("x.\"rtId\" IN (").then(q.bind(q.pick(RT_IDS)));
                return a.then(", ").then(q.bind(q.pick(RT_IDS))).then(")");
            }
            case 2:
                return rollup ? F.same("x.count_d > 1") : F.same("x.\"timestamp\" < TIMESTAMP '2024-10-27 02:00:00'");
            case 3:
                return F.same("x.d > ").then(q.bind(q.r.nextDouble() * 100 - 50));
            case 4:
                return F.same("x.l <= ").then(q.bind((long) q.r.nextInt(1000)));
            case 5:
                return F.same(q.pick(List.of("x.s IS NULL", "x.s IS NOT NULL", "x.b", "x.b IS NOT TRUE",
                        "x.s LIKE 'a%'")));
            case 6:
                return F.same("(x.d BETWEEN -10 AND 50 OR x.l IS NULL)");
            case 7:
                return F.same("x.\"rtId\" IN (SELECT y.\"rtId\" FROM ").then(table("beta"))
                        .then(" AS y WHERE y.l2 > ").then(q.bind((long) q.r.nextInt(90))).then(")");
            case 8:
                return F.same("x.d > (SELECT avg(y.d2) FROM ").then(table("beta")).then(" AS y)");
            case 9:
                return F.same("EXISTS (SELECT 1 FROM ").then(table("beta")).then(" AS y WHERE y.\"rtId\" = "
                        + "x.\"rtId\" AND y.\"timestamp\" = x.\"timestamp\")");
            case 10:
                return dateTruncDayBerlin("x").then(" >= TIMESTAMP '2024-10-26 22:00:00' AND x.\"timestamp\" < ")
                        .then(new F("now()", "now()", "now()"));
            case 11:
                if (q.r.nextBoolean()) {
                    return new F("x.\"timestamp\" >= TIMESTAMPTZ '2024-03-10 01:30:00+01'",
                            "x.\"timestamp\" >= TIMESTAMP '2024-03-10 00:30:00'",
                            "x.\"timestamp\" >= TIMESTAMP '2024-03-10 00:30:00'");
                }
                return new F("EXTRACT(hour FROM x.\"timestamp\") BETWEEN 1 AND 5",
                        "hour(x.\"timestamp\") BETWEEN 1 AND 5",
                        "extract(hour FROM x.\"timestamp\") BETWEEN 1 AND 5");
            default:
                return F.same("COALESCE(x.l, 0) % 2 = 0");
        }
    }

    private F limit(Builder q, F sql) {
        if (q.r.nextInt(3) != 0) {
            return sql;
        }
        F out = sql.then(" LIMIT ").then(q.r.nextBoolean() ? q.bind((long) q.r.nextInt(20)) : F.same(String.valueOf(
                q.r.nextInt(20))));
        return q.r.nextBoolean() ? out.then(" OFFSET " + q.r.nextInt(10)) : out;
    }

    private static F table(String archive) {
        return new F(archive, "${" + archive + "}", "${" + archive + "}");
    }

    /** The rollup through a hand-written reader: AVG as sum / count, null for no count. */
    private static F rollupTable() {
        String reader = "(SELECT \"timestamp\", \"rtId\", CAST(\"avg_d" + RollupPlan.SUM_SUFFIX + "\" AS DOUBLE "
                + "PRECISION) / NULLIF(\"avg_d" + RollupPlan.COUNT_SUFFIX + "\", 0) AS avg_d, max_l, min_d, sum_l, "
                + "count_d FROM ${alpha_1h})";
        return new F("alpha_1h", reader, reader);
    }

    private static F list(List<F> items) {
        F out = F.same("");
        for (int i = 0; i < items.size(); i++) {
            out = out.then(i == 0 ? "" : ", ").then(items.get(i));
        }
        return out;
    }

    /** Keys named k1…, values c1…: the WITH shape reads them by name. */
    private static F aliased(List<F> items, int keys) {
        F out = F.same("");
        for (int i = 0; i < items.size(); i++) {
            String alias = i < keys ? "k" + (i + 1) : "c" + (i - keys + 1);
            out = out.then(i == 0 ? "" : ", ").then(items.get(i)).then(" AS " + alias);
        }
        return out;
    }

    private static F orderByAll(int columns) {
        StringBuilder sb = new StringBuilder(" ORDER BY ");
        for (int i = 1; i <= columns; i++) {
            sb.append(i == 1 ? "" : ", ").append(i).append(" NULLS FIRST");
        }
        return F.same(sb.toString());
    }
}
