package io.tidemark.sql.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.testing.Seeds;
import java.util.Random;
import java.util.stream.LongStream;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random queries from a small grammar of allowed constructs go through the guard: each is admitted, its rewritten text
 * parses again, names every table it reads by the engine's name, and checking the rewritten text again (with tables
 * renamed back) changes nothing — the rewrite is stable.
 */
class SqlGuardRoundTripTest {
    private static final int QUERIES_PER_SEED = 60;
    private static final String[] TABLES = {"raw", "other", "minute", "acme.raw", "latest.raw"};
    private static final String[] NUMERIC = {"1", "2.5", "value", "n", "avg_value", "?", "-3"};
    private static final String[] FUNCTIONS = {"abs", "round", "floor", "coalesce"};

    static LongStream seeds() {
        return Seeds.fixedAndRandom("SqlGuardRoundTripTest", 1L, 42L, 2024L);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void check_randomAllowedQuery_roundTripsAndStillParses(long seed) throws Exception {
        Random r = new Random(seed);
        for (int i = 0; i < QUERIES_PER_SEED; i++) {
            String sql = query(r, 0);
            GuardedStatement.Query q = (GuardedStatement.Query) GuardFixtures.GUARD.check(sql).get(0);

            assertThat(CCJSqlParserUtil.parse(q.sql())).as(sql).isNotNull();
            assertThat(q.parameters()).as(sql).hasSize(count(sql, '?'));
            for (SqlTable t : q.reads()) {
                assertThat(q.sql()).as(sql).contains(GuardFixtures.POSTGRES.render(t));
            }
            SqlGuard identity = SqlGuard.of(GuardFixtures.CATALOG, t -> t.sqlName());
            String once = ((GuardedStatement.Query) identity.check(sql).get(0)).sql();
            String twice = ((GuardedStatement.Query) identity.check(once).get(0)).sql();
            assertThat(twice).as(sql).isEqualTo(once);
        }
    }

    private static String query(Random r, int depth) {
        String from = from(r, depth);
        StringBuilder sb = new StringBuilder();
        if (r.nextInt(5) == 0) {
            sb.append("WITH c AS (SELECT * FROM ").append(TABLES[r.nextInt(TABLES.length)]).append(") ");
            from = r.nextBoolean() ? "c" : from + " JOIN c ON true";
        }
        boolean grouped = r.nextBoolean();
        sb.append("SELECT ");
        sb.append(grouped ? "date_trunc('minute', \"timestamp\") AS t, count(*), max(" + numeric(r, 1) + ")"
                : numeric(r, 0) + " AS a, \"rtId\"");
        sb.append(" FROM ").append(from);
        if (r.nextBoolean()) {
            sb.append(" WHERE ").append(condition(r, depth));
        }
        if (grouped) {
            sb.append(" GROUP BY 1");
            if (r.nextBoolean()) {
                sb.append(" HAVING count(*) > ").append(r.nextInt(5));
            }
        }
        if (r.nextBoolean()) {
            sb.append(" ORDER BY 1").append(r.nextBoolean() ? " DESC" : "");
        }
        if (r.nextBoolean()) {
            sb.append(" LIMIT ").append(r.nextBoolean() ? "?" : String.valueOf(r.nextInt(100)));
        }
        if (depth == 0 && r.nextInt(6) == 0) {
            sb.append(" UNION ALL ").append("SELECT 1, 'x' FROM ").append(TABLES[r.nextInt(TABLES.length)]);
        }
        return sb.toString();
    }

    private static String from(Random r, int depth) {
        String t = TABLES[r.nextInt(TABLES.length)];
        if (depth < 2 && r.nextInt(6) == 0) {
            return "(" + query(r, depth + 1) + ") AS s" + depth;
        }
        if (r.nextInt(4) == 0) {
            return t + " AS x JOIN " + TABLES[r.nextInt(3)] + " AS y ON x.\"rtId\" = y.\"rtId\"";
        }
        return t;
    }

    private static String condition(Random r, int depth) {
        return switch (r.nextInt(7)) {
            case 0 -> numeric(r, 0) + " > " + numeric(r, 0);
            case 1 -> "\"rtId\" IN ('a', 'b', ?)";
            case 2 -> numeric(r, 0) + " BETWEEN 1 AND ?";
            case 3 -> "\"timestamp\" >= now() - INTERVAL '1 hour'";
            case 4 -> "(" + condition(r, depth) + " OR NOT " + condition(r, depth) + ")";
            case 5 -> depth < 2 ? "\"rtId\" IN (SELECT \"rtId\" FROM " + TABLES[r.nextInt(3)] + ")" : "true";
            default -> "coalesce(" + numeric(r, 0) + ", 0) <> 0 AND \"rtId\" LIKE 'a%'";
        };
    }

    private static String numeric(Random r, int depth) {
        String leaf = NUMERIC[r.nextInt(NUMERIC.length)];
        if (depth > 2) {
            return leaf;
        }
        return switch (r.nextInt(5)) {
            case 0 -> "(" + numeric(r, depth + 1) + " + " + numeric(r, depth + 1) + ")";
            case 1 -> FUNCTIONS[r.nextInt(FUNCTIONS.length)] + "(" + numeric(r, depth + 1)
                    + (r.nextBoolean() ? ", 0" : ", 1") + ")";
            case 2 -> "CAST(" + numeric(r, depth + 1) + " AS double precision)";
            case 3 -> "CASE WHEN " + numeric(r, depth + 1) + " > 0 THEN 1 ELSE 0 END";
            default -> leaf;
        };
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }
}
