package io.tidemark.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {

    private static Plan plan(String sql) {
        return Planner.plan(sql, name -> name.equals("m") ? Samples.M : null);
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("SELEC a FROM recent.m", ErrorCode.INVALID_QUERY, "cannot parse the query: Encountered unexpected token: \"SELEC\""),
                Arguments.of("SELECT a FROM recent.m UNION SELECT a FROM recent.m", ErrorCode.INVALID_QUERY, "only a single SELECT is supported, not UNION / INTERSECT / EXCEPT"),
                Arguments.of("SELECT a FROM recent.m JOIN latest.m ON true", ErrorCode.INVALID_QUERY, "JOIN at line 1, column 24 is not supported"),
                Arguments.of("SELECT DISTINCT a FROM recent.m", ErrorCode.INVALID_QUERY, "DISTINCT at line 1, column 8 is not supported"),
                Arguments.of("SELECT a FROM (SELECT a FROM recent.m)", ErrorCode.INVALID_QUERY, "FROM a subquery at line 1, column 15 is not supported"),
                Arguments.of("SELECT a FROM recent.nope", ErrorCode.NOT_FOUND, "unknown table 'recent.nope' at line 1, column 15: the tenant has no live archive 'nope'"),
                Arguments.of("SELECT a FROM other.m", ErrorCode.NOT_FOUND, "unknown table 'other.m' at line 1, column 15"),
                Arguments.of("SELECT a FROM m", ErrorCode.NOT_FOUND, "unknown table 'm' at line 1, column 15"),
                Arguments.of("SELECT zz FROM recent.m", ErrorCode.UNKNOWN_COLUMN, "unknown column 'zz' at line 1, column 8"),
                Arguments.of("SELECT a FROM recent.m\nWHERE\n  nope > 1", ErrorCode.UNKNOWN_COLUMN, "unknown column 'nope' at line 3, column 3"),
                Arguments.of("SELECT a FROM recent.m OFFSET 2", ErrorCode.INVALID_QUERY, "OFFSET"),
                Arguments.of("SELECT a FROM recent.m ORDER BY a LIMIT 2 OFFSET 1", ErrorCode.INVALID_QUERY, "OFFSET"),
                Arguments.of("SELECT a FROM recent.m LIMIT 3", ErrorCode.INVALID_QUERY, "LIMIT without ORDER BY at line 1, column 24 would keep arbitrary rows"),
                Arguments.of("SELECT a FROM recent.m ORDER BY 1 LIMIT 3", ErrorCode.INVALID_QUERY, "ORDER BY position 1 at line 1, column 33"),
                Arguments.of("SELECT a FROM recent.m WHERE a IN (SELECT b FROM recent.m)", ErrorCode.INVALID_QUERY, "IN (subquery) at line 1, column 35 is not supported"),
                Arguments.of("SELECT a FROM recent.m WHERE EXISTS (SELECT 1)", ErrorCode.INVALID_QUERY, "EXISTS at line 1, column 30 is not supported"),
                Arguments.of("SELECT s || 'x' FROM recent.m", ErrorCode.INVALID_QUERY, "operator || at line 1, column 8 is not supported"),
                Arguments.of("SELECT b % 2 FROM recent.m", ErrorCode.INVALID_QUERY, "operator % at line 1, column 8 is not supported"),
                Arguments.of("SELECT COALESCE(a, 0) FROM recent.m", ErrorCode.INVALID_QUERY, "function COALESCE at line 1, column 8 is not supported"),
                Arguments.of("SELECT CAST(a AS VARCHAR) FROM recent.m", ErrorCode.INVALID_QUERY, "CAST at line 1, column 8 is not supported"),
                Arguments.of("SELECT a FROM recent.m WHERE s ILIKE 'x%'", ErrorCode.INVALID_QUERY, "ILIKE at line 1, column 30 is not supported"),
                Arguments.of("SELECT a FROM recent.m WHERE s LIKE 'x!%' ESCAPE '!'", ErrorCode.INVALID_QUERY, "LIKE … ESCAPE at line 1, column 30"),
                Arguments.of("SELECT a FROM recent.m WHERE s LIKE s", ErrorCode.INVALID_QUERY, "LIKE at line 1, column 30 needs a constant pattern"),
                Arguments.of("SELECT a FROM recent.m WHERE f IS TRUE", ErrorCode.INVALID_QUERY, "IS TRUE / IS FALSE at line 1, column 30 is not supported"),
                Arguments.of("SELECT COUNT(DISTINCT a) FROM recent.m", ErrorCode.INVALID_QUERY, "DISTINCT in an aggregate at line 1, column 8"),
                Arguments.of("SELECT SUM(a) OVER (PARTITION BY rtId) FROM recent.m", ErrorCode.INVALID_QUERY, "window function (OVER) at line 1, column 8"),
                Arguments.of("SELECT rtId, a FROM recent.m GROUP BY rtId", ErrorCode.INVALID_QUERY, "column 'a' at line 1, column 14 must appear in GROUP BY or inside an aggregate"),
                Arguments.of("SELECT a FROM recent.m WHERE SUM(a) > 1", ErrorCode.INVALID_QUERY, "aggregate SUM at line 1, column 30 is not allowed here"),
                Arguments.of("SELECT SUM(MAX(a)) FROM recent.m", ErrorCode.INVALID_QUERY, "aggregate MAX at line 1, column 12 is not allowed here"),
                Arguments.of("SELECT SUM(s) FROM recent.m", ErrorCode.INVALID_QUERY, "SUM needs a number, got VARCHAR 's' at line 1, column 12"),
                Arguments.of("SELECT a FROM recent.m WHERE a = 'x'", ErrorCode.INVALID_QUERY, "cannot compare DOUBLE with VARCHAR in 'a = 'x'' at line 1, column 30"),
                Arguments.of("SELECT a FROM recent.m WHERE a + 1", ErrorCode.INVALID_QUERY, "WHERE needs a BOOLEAN condition, got DOUBLE"),
                Arguments.of("SELECT a FROM recent.m WHERE timestamp < now() - INTERVAL '5' MINUTE", ErrorCode.INVALID_QUERY, "now() at line 1, column 42 is supported only in a time window"),
                Arguments.of("SELECT now() FROM recent.m", ErrorCode.INVALID_QUERY, "now() at line 1, column 8 is supported only in a time window"),
                Arguments.of("SELECT a FROM recent.m WHERE timestamp > now() - INTERVAL '5' MINUTE OR a > 1", ErrorCode.INVALID_QUERY, "is supported only in a time window"),
                Arguments.of("SELECT a FROM recent.m WHERE timestamp > now() - INTERVAL '5' WEEK", ErrorCode.INVALID_QUERY, "INTERVAL unit 'WEEK' at line 1, column 50 is not supported"),
                Arguments.of("SELECT a FROM recent.m WHERE timestamp > now() - INTERVAL '1' MINUTE AND timestamp >= now() - INTERVAL '2' MINUTE", ErrorCode.INVALID_QUERY, "a second time window at line 1, column 74"),
                Arguments.of("WITH x AS (SELECT a FROM recent.m) SELECT a FROM x", ErrorCode.INVALID_QUERY, "WITH"),
                Arguments.of("SELECT * FROM recent.m GROUP BY rtId", ErrorCode.INVALID_QUERY, "SELECT * at line 1, column 8 is not allowed in an aggregate query"),
                Arguments.of("SELECT rtId FROM recent.m GROUP BY 1", ErrorCode.INVALID_QUERY, "GROUP BY position 1 at line 1, column 36"),
                Arguments.of("SELECT a FROM recent.m WHERE a = ?", ErrorCode.INVALID_QUERY, "a bind parameter at line 1, column 34 is not supported"),
                Arguments.of("DELETE FROM recent.m", ErrorCode.INVALID_QUERY, "only a single SELECT is supported, not DELETE"),
                Arguments.of("SELECT NULL FROM recent.m", ErrorCode.INVALID_QUERY, "the type of 'NULL' at line 1, column 8 is unknown"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void plan_unsupportedConstruct_rejectedNamingItAndItsPosition(String sql, ErrorCode code, String message) {
        assertThatThrownBy(() -> plan(sql)).isInstanceOfSatisfying(TidemarkException.class,
                e -> assertThat(e.code()).isEqualTo(code)).hasMessageContaining(message);
    }

    @Test
    void plan_rowQuery_keysAndTypes() {
        Plan p = plan("SELECT rtId, a + b AS ab, timestamp FROM recent.m WHERE s LIKE 'x%' ORDER BY ab DESC LIMIT 3");
        assertThat(p.isAggregate()).isFalse();
        assertThat(p.limit()).isEqualTo(3);
        assertThat(p.schema().keyColumns()).containsExactly("timestamp", "rtId");
        assertThat(p.schema().columns()).extracting(QuerySchema.OutputColumn::type)
                .containsExactly(ColumnType.VARCHAR, ColumnType.DOUBLE, ColumnType.TIMESTAMP);
    }

    @Test
    void plan_aggregateWithWindow_splitsWindowFromPredicate() {
        Plan p = plan("SELECT rtId, COUNT(*) FILTER (WHERE a > 1) AS above, AVG(b) FROM latest.m "
                + "WHERE b > 0 AND timestamp > now() - INTERVAL '5' MINUTE GROUP BY rtId HAVING COUNT(*) > 1");
        assertThat(p.latest()).isTrue();
        assertThat(p.window()).isEqualTo(new Plan.Window(300_000_000L, false));
        assertThat(p.where()).isNotNull();
        assertThat(p.aggregates()).hasSize(3);
        assertThat(p.schema().columns()).extracting(QuerySchema.OutputColumn::name).containsExactly("rtId", "above", "AVG(b)");
    }

    @Test
    void plan_sameQueryWrittenTwoWays_sharesOneOperator() {
        assertThat(plan("select  COUNT(*) from recent.m").shareKey()).isEqualTo(plan("SELECT COUNT(*) FROM recent.m").shareKey());
    }

    @Test
    void plan_everyGeneratedQuery_isAccepted() {
        QueryGenerator gen = new QueryGenerator(new Random(7));
        for (int i = 0; i < 500; i++) {
            String sql = gen.next();
            assertThat(plan(sql)).as(sql).isNotNull();
        }
    }
}
