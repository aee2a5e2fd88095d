package io.tidemark.live;

import static io.tidemark.live.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Pins the batch-at-a-time path of aggregate operators: a query whose WHERE is a column-vs-constant comparison
 * takes the column loops, the same query with a predicate they do not handle takes the row-by-row path, and both
 * must publish the same results at every cut, through new rows, replacements (retract + add in one batch), nulls
 * and expiry. The column loops fold the group's row count (which is also COUNT(*)) into the first aggregate's loop,
 * so each kind of aggregate comes first in one of the queries, and one query has COUNT(*) alone.
 */
class BatchFastPathTest {
    private static final TenantId TENANT = TenantId.of("acme");
    private static final String AGGREGATES = "s, COUNT(*) AS n, SUM(a) AS sa, AVG(a) AS aa, COUNT(b) AS nb, "
            + "SUM(b) AS sb FROM recent.m WHERE a > 0.05";
    /** Queries the column loops take; each is compared with itself plus a conjunct they do not take. */
    private static final List<String> FAST = List.of(
            "SELECT " + AGGREGATES + " GROUP BY s",
            "SELECT s, COUNT(b) AS nb, SUM(b) AS sb, COUNT(*) AS n FROM recent.m WHERE b < 200 GROUP BY s",
            "SELECT s, SUM(b) AS sb, AVG(a) AS aa, COUNT(*) AS n FROM recent.m WHERE a > 0.05 OR b > 0 GROUP BY s",
            "SELECT s, COUNT(*) AS n FROM recent.m WHERE b > 0 GROUP BY s",
            "SELECT COUNT(*) AS n, SUM(a) AS sa FROM recent.m WHERE a > 0.05");
    private static final String ROW_BY_ROW_CONJUNCT = " AND (s LIKE '%' OR s IS NULL)";

    private static String rowByRow(String fast) {
        int groupBy = fast.indexOf(" GROUP BY");
        return groupBy < 0 ? fast + ROW_BY_ROW_CONJUNCT
                : fast.substring(0, groupBy) + ROW_BY_ROW_CONJUNCT + fast.substring(groupBy);
    }

    @Test
    void aggregates_batchPathAndRowPath_publishTheSameResultsAtEveryCut() {
        for (long seed = 1; seed <= 20; seed++) {
            run(seed);
        }
    }

    private static void run(long seed) {
        Random rnd = new Random(seed);
        MutableClock clock = new MutableClock(T0);
        LiveEngine engine = LiveEngine.builder().clock(clock).deliveryExecutor(Runnable::run).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofMinutes(1));
        RecordingListener listener = new RecordingListener();
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
        for (int q = 0; q < FAST.size(); q++) {
            sub.register(QueryConfig.of("fast" + q, FAST.get(q)));
            sub.register(QueryConfig.of("rows" + q, rowByRow(FAST.get(q))));
        }
        List<Object[]> sent = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            Samples batch = Samples.batch();
            for (int i = 0; i < 40; i++) {
                boolean replace = !sent.isEmpty() && rnd.nextInt(4) == 0;
                Object[] key = replace ? sent.get(rnd.nextInt(sent.size()))
                        : new Object[] {"r" + rnd.nextInt(15), clock.instant().minusSeconds(rnd.nextInt(50))};
                sent.add(key);
                batch.add((String) key[0], (Instant) key[1], rnd.nextInt(8) == 0 ? null : rnd.nextDouble() / 7,
                        rnd.nextInt(8) == 0 ? null : (long) rnd.nextInt(1000) - 500,
                        new String[] {"x", "y", null}[rnd.nextInt(3)], null);
            }
            engine.onCommit(TENANT, batch.build());
            clock.advance(Duration.ofSeconds(rnd.nextInt(20)));
            engine.cut(TENANT);
            assertThat(listener.violations).as("seed %d", seed).isEmpty();
            for (int q = 0; q < FAST.size(); q++) {
                assertSame(seed, round, q, listener.resultOf("fast" + q), listener.resultOf("rows" + q));
            }
        }
    }

    private static void assertSame(long seed, int round, int query, Map<List<Object>, List<Object>> fast,
            Map<List<Object>, List<Object>> rows) {
        assertThat(fast.keySet()).as("seed %d round %d query %d groups", seed, round, query).isEqualTo(rows.keySet());
        for (Map.Entry<List<Object>, List<Object>> e : fast.entrySet()) {
            List<Object> a = e.getValue();
            List<Object> b = rows.get(e.getKey());
            assertThat(a).as("seed %d round %d query %d group %s", seed, round, query, e.getKey()).hasSameSizeAs(b);
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) instanceof Double x && b.get(i) instanceof Double y) {
                    assertThat(x).as("seed %d round %d query %d group %s column %d", seed, round, query, e.getKey(), i)
                            .isCloseTo(y, org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(y))));
                } else {
                    assertThat(a.get(i))
                            .as("seed %d round %d query %d group %s column %d", seed, round, query, e.getKey(), i)
                            .isEqualTo(b.get(i));
                }
            }
        }
    }
}
