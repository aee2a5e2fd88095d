package io.tidemark.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The bounds on a live query's text (length, nesting, operators, one statement): a query past one is refused with
 * INVALID_QUERY before the parser runs, and one just under each is planned and evaluated correctly, on a thread
 * with half the default stack (the planner, JSqlParser and evaluation recurse over expression trees).
 */
class PlannerLimitsTest {
    private static final long STACK = 512 * 1024;

    private static Plan plan(String sql) {
        return Planner.plan(sql, name -> name.equals("m") ? Samples.M : null);
    }

    /** Runs {@code task} on a thread with a small stack; bounded wait. */
    private static <T> T onSmallStack(Supplier<T> task) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        Thread t = new Thread(null, () -> {
            try {
                out.complete(task.get());
            } catch (Throwable e) {
                out.completeExceptionally(e);
            }
        }, "small-stack", STACK);
        t.start();
        try {
            return out.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
        }
    }

    /** A row of archive m: rtId, timestamp, a, b, s, f. */
    private static Object[] row(double a, long b) {
        Object[] r = LiveTables.newRow(6);
        r[0] = "x";
        r[1] = 0L;
        r[2] = a;
        r[3] = b;
        r[4] = "s";
        r[5] = true;
        return r;
    }

    private static void assertRefused(String sql, String message) {
        assertThatThrownBy(() -> plan(sql)).isInstanceOfSatisfying(TidemarkException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY)).hasMessageContaining(message);
    }

    /** {@code b = 0 OR b = 1 OR …}: two operators per term. */
    private static String orChain(int terms) {
        return "SELECT rtId FROM recent.m WHERE " + IntStream.range(0, terms).mapToObj(i -> "b = " + i)
                .collect(Collectors.joining(" OR "));
    }

    /** {@code b + b + … + b} with {@code plusses} pluses. */
    private static String plusChain(int plusses) {
        return "SELECT " + IntStream.rangeClosed(0, plusses).mapToObj(i -> "b").collect(Collectors.joining(" + "))
                + " AS total FROM recent.m";
    }

    private static String nested(int depth) {
        return "SELECT " + "(".repeat(depth) + "b" + ")".repeat(depth) + " AS v FROM recent.m";
    }

    @Test
    void plan_orChainJustUnderTheOperatorLimit_evaluatesLikeSql() throws Exception {
        // 1 (SELECT has none) + 2 per term - 1 OR: 255 terms use 509 of 512.
        int terms = (SqlLimits.MAX_OPERATORS + 1) / 2 - 1;
        Plan p = onSmallStack(() -> plan(orChain(terms)));
        assertThat(onSmallStack(() -> p.where().eval(row(0, terms - 1)))).isEqualTo(true);
        assertThat(onSmallStack(() -> p.where().eval(row(0, terms)))).isEqualTo(false);
        assertThat(onSmallStack(() -> p.where().eval(row(0, 7)))).isEqualTo(true);
    }

    @Test
    void plan_plusChainJustUnderTheOperatorLimit_evaluatesLikeSql() throws Exception {
        Plan p = onSmallStack(() -> plan(plusChain(SqlLimits.MAX_OPERATORS)));
        assertThat(onSmallStack(() -> p.projections().get(0).eval(row(0, 3))))
                .isEqualTo(3L * (SqlLimits.MAX_OPERATORS + 1));
    }

    @Test
    void plan_nestingJustUnderTheDepthLimit_evaluates() throws Exception {
        Plan p = onSmallStack(() -> plan(nested(SqlLimits.MAX_DEPTH)));
        assertThat(p.projections().get(0).eval(row(0, 42))).isEqualTo(42L);
    }

    @Test
    void plan_orChainOf1500Terms_refusedNamingTheOperatorLimit() {
        // Written compactly (b=0 OR b=1 …, 14 KB), so it is the operators, not the length, that refuse it.
        String sql = "SELECT rtId FROM recent.m WHERE " + IntStream.range(0, 1_500).mapToObj(i -> "b=" + i)
                .collect(Collectors.joining(" OR "));
        assertThat(sql.length()).isLessThan(SqlLimits.MAX_LENGTH);
        assertRefused(sql, "more than " + SqlLimits.MAX_OPERATORS + " operators");
    }

    @Test
    void plan_plusChainOf2000_refusedNamingTheOperatorLimit() {
        assertRefused(plusChain(2_000), "more than " + SqlLimits.MAX_OPERATORS + " operators");
    }

    @Test
    void plan_operatorsOneOverTheLimit_refused() {
        plan(plusChain(SqlLimits.MAX_OPERATORS));
        assertRefused(plusChain(SqlLimits.MAX_OPERATORS + 1), "operators");
    }

    @Test
    void plan_500DeepParentheses_refusedAtOnceWithThePosition() {
        assertRefused(nested(500), "parentheses nested more than " + SqlLimits.MAX_DEPTH + " deep at line 1, column "
                + (8 + SqlLimits.MAX_DEPTH));
    }

    @Test
    void plan_oneLevelOverTheDepthLimit_refused() {
        assertRefused(nested(SqlLimits.MAX_DEPTH + 1), "parentheses nested");
    }

    @Test
    void plan_queryLongerThanTheLimit_refusedNamingItsLength() {
        String sql = "SELECT b FROM recent.m WHERE s = '" + "x".repeat(SqlLimits.MAX_LENGTH) + "'";
        assertRefused(sql, "the query has " + sql.length() + " characters, more than the " + SqlLimits.MAX_LENGTH);
    }

    @Test
    void plan_queryAtTheLengthLimit_accepted() {
        String head = "SELECT b FROM recent.m WHERE s = '";
        String sql = head + "x".repeat(SqlLimits.MAX_LENGTH - head.length() - 1) + "'";
        assertThat(sql).hasSize(SqlLimits.MAX_LENGTH);
        assertThat(plan(sql).where()).isNotNull();
    }

    @Test
    void plan_secondStatement_refusedNotTruncated() {
        assertRefused("SELECT * FROM recent.m; DROP TABLE y", "';' at line 1, column 23 ends the statement, but more "
                + "follows");
        assertRefused("SELECT * FROM recent.m;\nSELECT 1", "';' at line 1, column 23");
    }

    @Test
    void plan_trailingSemicolonOrSymbolsInsideLiteralsAndComments_accepted() {
        assertThat(plan("SELECT * FROM recent.m;").projections()).hasSize(6);
        assertThat(plan("SELECT * FROM recent.m; -- done\n").projections()).hasSize(6);
        String quoted = "SELECT b FROM recent.m WHERE s = '" + "; ((((".repeat(200) + "' -- ;;; ((((\n"
                + "/* ; DROP ( ( ( */ AND b > 0";
        assertThat(plan(quoted).where()).isNotNull();
    }
}
