package io.tidemark.sql.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The guard hands every time function to {@link SqlFunctions} with its rewritten arguments. */
class TimeFunctionsRewriteTest {
    /** Renders each call as a marker naming the method and its arguments. */
    private static final SqlFunctions MARKED = new SqlFunctions() {
        @Override
        public String dateTrunc(String unit, String ts, String zone) {
            return "TRUNC(" + unit + ", " + ts + ", " + zone + ")";
        }

        @Override
        public String dateBin(String stride, String ts, String origin) {
            return "BIN(" + stride + ", " + ts + ", " + origin + ")";
        }

        @Override
        public String timeBucket(String width, String ts, String origin) {
            return "BUCKET(" + width + ", " + ts + ", " + origin + ")";
        }

        @Override
        public String atTimeZone(String ts, String zone) {
            return "WALL(" + ts + ", " + zone + ")";
        }

        @Override
        public String wallClockToInstant(String wall, String zone) {
            return "INSTANT(" + wall + ", " + zone + ")";
        }

        @Override
        public String extract(String field, String x) {
            return "FIELD(" + field + ", " + x + ")";
        }

        @Override
        public String now() {
            return "NOW()";
        }

        @Override
        public String toTimestamp(String seconds) {
            return "SECONDS(" + seconds + ")";
        }
    };
    private static final SqlGuard GUARD = SqlGuard.of(GuardFixtures.CATALOG, GuardFixtures.POSTGRES, MARKED);

    private static GuardedStatement.Query check(String sql) {
        return (GuardedStatement.Query) GUARD.check(sql).get(0);
    }

    private static String select(String expression) {
        String sql = check("SELECT " + expression + " FROM other").sql();
        return sql.substring("SELECT ".length(), sql.indexOf(" FROM "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "date_trunc('Hour', \"timestamp\")|TRUNC(hour, \"timestamp\", null)",
            "date_trunc('millisecond', \"timestamp\", 'Europe/Berlin')|TRUNC(milliseconds, \"timestamp\", 'Europe/Berlin')",
            "date_bin(INTERVAL '5 minutes', \"timestamp\", TIMESTAMP '2000-01-01')|BIN(INTERVAL '5 minutes', \"timestamp\", TIMESTAMP '2000-01-01')",
            "time_bucket(INTERVAL '1 hour', \"timestamp\")|BUCKET(INTERVAL '1 hour', \"timestamp\", null)",
            "time_bucket(INTERVAL '1 month', \"timestamp\", '2000-02-01')|BUCKET(INTERVAL '1 month', \"timestamp\", '2000-02-01')",
            "\"timestamp\" AT TIME ZONE 'UTC'|WALL(\"timestamp\", 'UTC')",
            "\"timestamp\" AT TIME ZONE 'A' AT TIME ZONE 'B'|INSTANT(WALL(\"timestamp\", 'A'), 'B')",
            "timezone('A', \"timestamp\")|WALL(\"timestamp\", 'A')",
            "EXTRACT(EPOCH FROM \"timestamp\")|FIELD(epoch, \"timestamp\")",
            "extract(ms from \"timestamp\" AT TIME ZONE 'A')|FIELD(milliseconds, WALL(\"timestamp\", 'A'))",
            "date_part('dow', \"timestamp\")|FIELD(dow, \"timestamp\")",
            "now()|NOW()",
            "CURRENT_TIMESTAMP|NOW()",
            "to_timestamp(n)|SECONDS(n)",
            "date_trunc('day', now() - INTERVAL '1 day')|TRUNC(day, NOW() - INTERVAL '1 day', null)",
            "max(date_trunc('day', \"timestamp\"))|max(TRUNC(day, \"timestamp\", null))"})
    void check_timeFunction_isRenderedByTheStore(String written, String rendered) {
        assertThat(select(written)).isEqualTo(rendered);
    }

    /** A parenthesised AT TIME ZONE inside another is a wall clock: the outer one turns it back into an instant. */
    @Test
    void check_parenthesisedAtTimeZone_outerIsTheInverse() {
        String sql = check("SELECT (\"timestamp\" AT TIME ZONE 'A') AT TIME ZONE 'B' FROM other").sql();
        assertThat(sql).startsWith("SELECT INSTANT((WALL(\"timestamp\", 'A')), 'B')");
    }

    @Test
    void check_timeFunctionsEverywhere_areRewritten() {
        String sql = check("SELECT count(*) FROM other WHERE \"timestamp\" >= now() - INTERVAL '1 hour' GROUP BY "
                + "date_trunc('hour', \"timestamp\") HAVING max(\"timestamp\") < now() ORDER BY "
                + "date_trunc('hour', \"timestamp\")").sql();
        assertThat(sql).doesNotContain("now()").doesNotContain("date_trunc").contains("NOW()", "TRUNC(hour");
    }

    /** A rendering that repeats an argument repeats its parameter; the JDBC binds follow the text. */
    @Test
    void check_renderingRepeatsAParameter_bindsItTwice() {
        SqlGuard twice = SqlGuard.of(GuardFixtures.CATALOG, GuardFixtures.POSTGRES, new SqlFunctionsRepeatingZone());
        GuardedStatement.Query q = (GuardedStatement.Query) twice.check("SELECT date_trunc('day', \"timestamp\", $2) "
                + "FROM other WHERE n > $1").get(0);
        assertThat(q.sql()).startsWith("SELECT TRUNC(day, \"timestamp\", ?, ?)");
        assertThat(q.parameters()).containsExactly(2, 2, 1);
        assertThat(q.parameterCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"date_trunc(note, \"timestamp\")", "date_trunc('fortnight', \"timestamp\")",
            "date_trunc('day')", "date_bin(INTERVAL '1 month', \"timestamp\", TIMESTAMP '2000-01-01')",
            "date_bin(INTERVAL '1 hour', \"timestamp\")", "time_bucket(INTERVAL '1 hour')", "now(1)",
            "EXTRACT(timezone_hour FROM \"timestamp\")", "date_part(note, \"timestamp\")", "INTERVAL 5 MINUTE",
            "INTERVAL '5 parsecs'", "to_timestamp('2024', 'YYYY')",
            "time_bucket(INTERVAL '1 month 2 days', \"timestamp\")"})
    void check_timeFunctionMisused_refusedWith42501(String expression) {
        assertThatThrownBy(() -> check("SELECT " + expression + " FROM raw")).isInstanceOfSatisfying(
                GuardException.class, e -> assertThat(e.sqlState()).isEqualTo("42501"));
    }

    @Test
    void check_asWritten_keepsTheFunctionsText() {
        String sql = ((GuardedStatement.Query) GuardFixtures.GUARD.check("SELECT date_trunc('day', \"timestamp\", "
                + "'Europe/Paris'), \"timestamp\" AT TIME ZONE 'UTC', EXTRACT(epoch FROM \"timestamp\"), now() "
                + "FROM other").get(0)).sql();
        assertThat(sql).isEqualTo("SELECT date_trunc('day', \"timestamp\", 'Europe/Paris'), \"timestamp\" AT TIME "
                + "ZONE 'UTC', EXTRACT(epoch FROM \"timestamp\"), now() FROM \"acme\".\"other\" AS other");
    }

    private static final class SqlFunctionsRepeatingZone implements SqlFunctions {
        @Override
        public String dateTrunc(String unit, String ts, String zone) {
            return "TRUNC(" + unit + ", " + ts + ", " + zone + ", " + zone + ")";
        }

        @Override
        public String dateBin(String stride, String ts, String origin) {
            return MARKED.dateBin(stride, ts, origin);
        }

        @Override
        public String timeBucket(String width, String ts, String origin) {
            return MARKED.timeBucket(width, ts, origin);
        }

        @Override
        public String atTimeZone(String ts, String zone) {
            return MARKED.atTimeZone(ts, zone);
        }

        @Override
        public String wallClockToInstant(String wall, String zone) {
            return MARKED.wallClockToInstant(wall, zone);
        }

        @Override
        public String extract(String field, String x) {
            return MARKED.extract(field, x);
        }

        @Override
        public String now() {
            return MARKED.now();
        }

        @Override
        public String toTimestamp(String seconds) {
            return MARKED.toTimestamp(seconds);
        }
    }
}
